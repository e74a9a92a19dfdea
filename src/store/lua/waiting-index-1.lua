--[[
  Puts a pause created before the waiting indexes existed into them, if it is still pending (an
  ended or purged pause is left as it is): what create-8.lua does for a new one.
  KEYS[1] pause hash
  ARGV[1] pause id   ARGV[2] created ms   ARGV[3] key prefix   ARGV[4] hashes of its deciders (space-separated)
  Returns 1 when it was indexed, 0 when it is no longer pending.
]]
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'wk', ARGV[4])
for decider in string.gmatch(ARGV[4], '%S+') do
  redis.call('ZADD', ARGV[3] .. 'waiting:' .. decider, ARGV[2], ARGV[1])
end
return 1
