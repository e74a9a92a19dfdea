--[[
  Removes the delegations past their until, in one step: each is returned to exactly one caller,
  whichever replica sweeps first.
  KEYS[1] the delegations hash
  ARGV[1] now ms
  A field holds "<until ms>|<delegate key>|<record>" (set-delegation-1.lua). A field without its
  parts is dropped and not returned.
  Returns the records (JSON) removed.
]]
local now = tonumber(ARGV[1])
local held = redis.call('HGETALL', KEYS[1])
local ended = {}
for i = 1, #held, 2 do
  local field, value = held[i], held[i + 1]
  local bar1 = string.find(value, '|', 1, true)
  local bar2 = bar1 and string.find(value, '|', bar1 + 1, true)
  local untilMs = bar1 and tonumber(string.sub(value, 1, bar1 - 1))
  if not untilMs or not bar2 then
    redis.call('HDEL', KEYS[1], field)
  elseif untilMs <= now then
    redis.call('HDEL', KEYS[1], field)
    table.insert(ended, string.sub(value, bar2 + 1))
  end
end
return ended
