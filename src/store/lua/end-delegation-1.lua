--[[
  Ends one person's delegation: removes it and returns it if it was still in force.
  KEYS[1] the delegations hash
  ARGV[1] now ms   ARGV[2] the away person's key
  Returns the record (JSON), or '' when none was in force.
]]
local value = redis.call('HGET', KEYS[1], ARGV[2])
if not value then return '' end
redis.call('HDEL', KEYS[1], ARGV[2])
local bar1 = string.find(value, '|', 1, true)
local bar2 = bar1 and string.find(value, '|', bar1 + 1, true)
local untilMs = bar1 and tonumber(string.sub(value, 1, bar1 - 1))
if not untilMs or not bar2 or untilMs <= tonumber(ARGV[1]) then return '' end
return string.sub(value, bar2 + 1)
