--[[
  Stores an API key's hash under a unique name.
  KEYS[1] keys by hash   KEYS[2] hash by name
  ARGV[1] name   ARGV[2] key hash   ARGV[3] record json
  Returns 1 when stored, 0 when the name is taken.
]]
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 1
