--[[
  A tool call's approval is acted on once: the first claimant (a hook answering allow, the gateway
  forwarding the call) holds it; the same claimant again still does; anyone else is told it is
  used. Only a pause that ended approved can be claimed.
  KEYS[1] pause hash
  ARGV[1] claimant
  Returns 1 claimed, 2 used by another, 0 not approved.
]]
if redis.call('HGET', KEYS[1], 'status') ~= 'responded' then return 0 end
local resp = redis.call('HGET', KEYS[1], 'resp')
local ok, decided = pcall(cjson.decode, resp or '')
if not ok or type(decided) ~= 'table' or decided.decision ~= 'approved' then return 0 end
local held = redis.call('HGET', KEYS[1], 'used')
if held and held ~= ARGV[1] then return 2 end
redis.call('HSET', KEYS[1], 'used', ARGV[1])
return 1
