--[[
  Adds a task unless one with the same id exists.
  KEYS[1] task queue zset   KEYS[2] task data hash
  ARGV[1] task id   ARGV[2] task json   ARGV[3] run at ms
  Returns 1 when added, 0 when the id was taken.
]]
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1
