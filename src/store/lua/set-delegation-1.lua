--[[
  Sets one person's delegation, checked against those in force, in one step: no two replicas can
  both write A→B and B→A, or a chain A→B→C.
  KEYS[1] the delegations hash (field: the away person's human key)
  ARGV[1] now ms   ARGV[2] the away person's key   ARGV[3] the delegate's key   ARGV[4] until ms
  ARGV[5] the record (JSON)
  A field holds "<until ms>|<delegate key>|<record>". Fields past their until are dropped first.
  Returns {'set', replaced record or ''} or {'conflict', 'delegate_away' | 'absent_is_delegate'}
  (the delegate being away is named first when both hold).
]]
local now = tonumber(ARGV[1])
local absent, delegate = ARGV[2], ARGV[3]
local held = redis.call('HGETALL', KEYS[1])
local replaced = ''
local delegateAway, absentIsDelegate = false, false
for i = 1, #held, 2 do
  local field, value = held[i], held[i + 1]
  local bar1 = string.find(value, '|', 1, true)
  local bar2 = bar1 and string.find(value, '|', bar1 + 1, true)
  local untilMs = bar1 and tonumber(string.sub(value, 1, bar1 - 1))
  if not untilMs or not bar2 or untilMs <= now then
    redis.call('HDEL', KEYS[1], field)
  else
    local heldDelegate = string.sub(value, bar1 + 1, bar2 - 1)
    if field == delegate then delegateAway = true end
    if field ~= absent and heldDelegate == absent then absentIsDelegate = true end
    if field == absent then replaced = string.sub(value, bar2 + 1) end
  end
end
if delegateAway then return {'conflict', 'delegate_away'} end
if absentIsDelegate then return {'conflict', 'absent_is_delegate'} end
redis.call('HSET', KEYS[1], absent, ARGV[4] .. '|' .. delegate .. '|' .. ARGV[5])
return {'set', replaced}
