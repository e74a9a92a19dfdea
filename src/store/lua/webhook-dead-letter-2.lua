--[[
  Adds (or replaces) a dead letter and drops the oldest beyond the limit.
  KEYS[1] dead letters hash   KEYS[2] dead letters by failure time (zset)
  ARGV[1] member (`<endpoint> <event>`)   ARGV[2] letter JSON   ARGV[3] failed at ms   ARGV[4] limit
]]
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  for _, member in ipairs(oldest) do
    redis.call('HDEL', KEYS[1], member)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
end
return 1
