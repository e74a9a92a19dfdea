--[[
  Adds a job unless one with the same id exists.
  KEYS[1] job queue zset   KEYS[2] job data hash
  ARGV[1] job id   ARGV[2] job json   ARGV[3] run at ms   ARGV[4] wake channel
  Returns 1 when added, 0 when the id was taken.
]]
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[3])
return 1
