--[[
  Marks an event as fanned out, only while it exists (an expired event is not brought back without a TTL).
  KEYS[1] event hash
]]
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'fanned_out', '1') end
return 0
