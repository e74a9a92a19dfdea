--[[
  Reads a dashboard session and pushes its idle expiry back, judged by the caller's clock: a
  session whose expiry (set by putSession or the last touch) is not after `now` has ended and is
  deleted, whether or not Redis's own clock has dropped it yet.
  KEYS[1] session key
  ARGV[1] now ms   ARGV[2] the new expiry, ms
  Returns the session's JSON, or false.
]]
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local expires = redis.call('PEXPIRETIME', KEYS[1])
if expires >= 0 and expires <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return raw
