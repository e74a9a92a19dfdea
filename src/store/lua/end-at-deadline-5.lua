--[[
  Ends a pending pause with the decision its policy makes at the deadline (on_timeout: approved |
  rejected), which the runner signed (dated the deadline) after the sweep left the pause pending for
  it: only if the pause is still pending and holds that unsigned decision, so a human's vote that
  won before the deadline, or another replica's sweep, wins instead. The decision, the end (dated
  the deadline) and its audit entry are one atomic step.
  KEYS[1] pause hash   KEYS[2] expiry zset   KEYS[3] slack pending zset
  KEYS[4] job queue zset   KEYS[5] job data hash
  ARGV[1] pause id   ARGV[2] now ms   ARGV[3] signed decision json   ARGV[4] retention ms
  ARGV[5] events channel   ARGV[6] key prefix (audit keys)   ARGV[7] audit actor
  ARGV[8] audit data json   ARGV[9] pause.ended job id prefix   ARGV[10] pause.ended job kind
  Returns {outcome, ...HGETALL of the pause}; outcome is "ended", "already_final" or "not_found".
]]
-- @include audit
-- @include end-pause

local pauseId, now = ARGV[1], tonumber(ARGV[2])
local ctx = { expiry = KEYS[2], slack = KEYS[3], queue = KEYS[4], data = KEYS[5],
  retention = ARGV[4], events = ARGV[5], base = ARGV[6], endedPrefix = ARGV[9], endedKind = ARGV[10] }
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'not_found'} end
local outcome = 'already_final'
local deadline = redis.call('HGET', KEYS[1], 'exp')
if status == 'pending' and redis.call('HEXISTS', KEYS[1], 'tdec') == 1 and tonumber(deadline) <= now then
  redis.call('HSET', KEYS[1], 'resp', ARGV[3], 'ended_ms', deadline)
  endPause(ctx, KEYS[1], pauseId, 'responded', now, ARGV[7], ARGV[8])
  outcome = 'ended'
end
local result = redis.call('HGETALL', KEYS[1])
table.insert(result, 1, outcome)
return result
