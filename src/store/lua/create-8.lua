--[[
  Creates a pending pause with its indexes and first tasks, or returns the pause that already
  holds this idempotency key.
  KEYS[1] pause hash            KEYS[5] expiry zset
  KEYS[2] idempotency key       KEYS[6] slack pending zset
  KEYS[3] agent all zset        KEYS[7] task queue zset
  KEYS[4] agent pending zset    KEYS[8] task data hash
  ARGV[1] pause id   ARGV[2] record json   ARGV[3] expires ms   ARGV[4] created ms
  ARGV[5] "1" when an idempotency key is given   ARGV[6] idempotency key ttl ms
  ARGV[7] "1" when the pause goes to Slack
  ARGV[8..] task triples: id, json, run at ms
  Returns {1, pause id} when created, {0, existing pause id} otherwise.
]]
local pauseId = ARGV[1]
if ARGV[5] == '1' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return {0, existing} end
  redis.call('SET', KEYS[2], pauseId, 'PX', ARGV[6])
end
redis.call('HSET', KEYS[1], 'rec', ARGV[2], 'status', 'pending', 'exp', ARGV[3], 'apk', KEYS[4])
redis.call('ZADD', KEYS[3], ARGV[4], pauseId)
redis.call('ZADD', KEYS[4], ARGV[4], pauseId)
redis.call('ZADD', KEYS[5], ARGV[3], pauseId)
if ARGV[7] == '1' then redis.call('ZADD', KEYS[6], ARGV[4], pauseId) end
for i = 8, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[8], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[7], ARGV[i + 2], ARGV[i])
  end
end
return {1, pauseId}
