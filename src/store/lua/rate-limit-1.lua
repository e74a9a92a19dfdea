--[[
  Counts one hit in a fixed window shared by every replica.
  KEYS[1] the window's counter (its name carries the window number)
  ARGV[1] window ms: the counter outlives its window by at most this
  Returns the hits so far in this window.
]]
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return hits
