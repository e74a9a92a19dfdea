--[[
  Removes an API key by name.
  KEYS[1] keys by hash   KEYS[2] hash by name
  ARGV[1] name
  Returns 1 when a key was removed, 0 when there was none.
]]
local hash = redis.call('HGET', KEYS[2], ARGV[1])
if not hash then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], hash)
return 1
