--[[
  Marks a receipt's jti used, once: the record is kept until the receipt expires.
  KEYS[1] the jti's key
  ARGV[1] now ms   ARGV[2] the receipt's expiry, ms   ARGV[3] the record (JSON)
  Returns {1} when redeemed now, {0, record} when it was redeemed before, {-1} when already expired.
]]
local now = tonumber(ARGV[1])
local expires = tonumber(ARGV[2])
if expires <= now then return {-1} end
local first = redis.call('GET', KEYS[1])
if first then
  local at = redis.call('PEXPIRETIME', KEYS[1])
  if at < 0 or at > now then return {0, first} end
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', expires)
return {1}
