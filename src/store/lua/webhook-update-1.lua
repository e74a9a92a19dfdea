--[[
  Patches one webhook endpoint (secret, enabled, disabled_reason) without losing a concurrent patch.
  KEYS[1] endpoints hash
  ARGV[1] endpoint id   ARGV[2] patch JSON ({secret?, enabled?, disabled_reason?: string | false})
  Returns the patched endpoint JSON, or nil when there is no such endpoint.
]]
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return nil end
local endpoint = cjson.decode(raw)
local patch = cjson.decode(ARGV[2])
if patch.secret ~= nil then endpoint.secret = patch.secret end
if patch.enabled ~= nil then endpoint.enabled = patch.enabled end
if patch.disabled_reason == false then
  endpoint.disabled_reason = nil
elseif patch.disabled_reason ~= nil then
  endpoint.disabled_reason = patch.disabled_reason
end
local encoded = cjson.encode(endpoint)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
return encoded
