--[[
  Ends a pending pause exactly once: a decision (responded) or a cancel (expired). A pause past
  its deadline is timed out instead (or takes the policy's timeout decision). Whatever the race, one call wins; the others see the winner.
  KEYS[1] pause hash   KEYS[2] expiry zset   KEYS[3] slack pending zset
  KEYS[4] job queue zset   KEYS[5] job data hash
  ARGV[1] pause id   ARGV[2] now ms   ARGV[3] status   ARGV[4] field to set ("resp" or "reason")
  ARGV[5] its value ("" for none)   ARGV[6] retention ms   ARGV[7] events channel
  Returns {outcome, ...HGETALL of the pause}; outcome is "ended", "already_final" or "not_found".
]]
-- @include end-pause

local pauseId, now = ARGV[1], tonumber(ARGV[2])
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
if status == 'pending' and tonumber(redis.call('HGET', KEYS[1], 'exp')) <= now then
  status = endPause(KEYS[1], pauseId, 'timed_out', now, KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[6], ARGV[7])
end
local outcome = 'already_final'
if status == 'pending' then
  redis.call('HSET', KEYS[1], 'ended_ms', now)
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], ARGV[4], ARGV[5]) end
  endPause(KEYS[1], pauseId, ARGV[3], now, KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[6], ARGV[7])
  outcome = 'ended'
end
local result = redis.call('HGETALL', KEYS[1])
table.insert(result, 1, outcome)
return result
