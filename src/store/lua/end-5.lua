--[[
  Ends a pending pause exactly once: a policy decision (responded) or a cancel (expired). A pause
  past its deadline is timed out instead (or takes the policy's timeout decision an earlier version
  signed); one whose policy decides at the deadline is left pending for the runner to sign and
  end (end-at-deadline-5.lua), and this call is already_final: too late. Whatever the
  race, one call wins; the others see the winner. The audit entry is written in the same step.
  KEYS[1] pause hash   KEYS[2] expiry zset   KEYS[3] slack pending zset
  KEYS[4] job queue zset   KEYS[5] job data hash
  ARGV[1] pause id   ARGV[2] now ms   ARGV[3] status   ARGV[4] field to set ("resp" or "reason")
  ARGV[5] its value ("" for none)   ARGV[6] retention ms   ARGV[7] events channel
  ARGV[8] key prefix (audit keys)   ARGV[9] audit actor   ARGV[10] audit data json
  ARGV[11] pause.ended job id prefix   ARGV[12] pause.ended job kind
  Returns {outcome, ...HGETALL of the pause}; outcome is "ended", "already_final" or "not_found".
]]
-- @include audit
-- @include end-pause

local pauseId, now = ARGV[1], tonumber(ARGV[2])
local ctx = { expiry = KEYS[2], slack = KEYS[3], queue = KEYS[4], data = KEYS[5],
  retention = ARGV[6], events = ARGV[7], base = ARGV[8], endedPrefix = ARGV[11], endedKind = ARGV[12] }
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
if status == 'pending' and tonumber(redis.call('HGET', KEYS[1], 'exp')) <= now then
  status = endPause(ctx, KEYS[1], pauseId, 'timed_out', now)
  -- The policy decides at the deadline, which has passed: too late for this ending.
  if status == 'pending' then status = 'due_decision' end
end
local outcome = 'already_final'
if status == 'pending' then
  redis.call('HSET', KEYS[1], 'ended_ms', now)
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], ARGV[4], ARGV[5]) end
  endPause(ctx, KEYS[1], pauseId, ARGV[3], now, ARGV[9], ARGV[10])
  outcome = 'ended'
end
local result = redis.call('HGETALL', KEYS[1])
table.insert(result, 1, outcome)
return result
