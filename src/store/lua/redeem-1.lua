--[[
  Marks a receipt's jti used, once: the record is kept until the receipt expires.
  KEYS[1] the jti's key
  ARGV[1] now ms   ARGV[2] the receipt's expiry, ms   ARGV[3] the record (JSON)
  The key holds "<expiry ms>|<record>"; whether a record still counts is judged by that expiry and
  the caller's `now`, as the memory store does. Redis drops the key by its own clock, never sooner
  than a minute from its now: a caller whose clock lags Redis's cannot see a record vanish before
  the receipt has expired by the caller's clock, and redeem it twice.
  Returns {1} when redeemed now, {0, record} when it was redeemed before, {-1} when already expired.
]]
local now = tonumber(ARGV[1])
local expires = tonumber(ARGV[2])
if expires <= now then return {-1} end
local held = redis.call('GET', KEYS[1])
if held then
  local bar = string.find(held, '|', 1, true)
  local until_ms = bar and tonumber(string.sub(held, 1, bar - 1))
  if not until_ms then return {0, held} end
  if until_ms > now then return {0, string.sub(held, bar + 1)} end
end
local t = redis.call('TIME')
local floor = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + 60000
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[3], 'PXAT', math.max(expires, floor))
return {1}
