--[[
  Leases due jobs: each is pushed `lease` into the future, so no other replica runs it unless
  this one dies without completing it.
  KEYS[1] job queue zset   KEYS[2] job data hash   KEYS[3] job attempts hash
  ARGV[1] now ms   ARGV[2] lease ms   ARGV[3] max
  Returns flat triples: id, json, attempts.
]]
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  if data then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
    table.insert(out, id)
    table.insert(out, data)
    table.insert(out, redis.call('HINCRBY', KEYS[3], id, 1))
  else
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
  end
end
return out
