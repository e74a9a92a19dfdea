--[[
  Records one human's vote on a pending pause and, when it closes the pause (a veto, or the
  approval that makes the quorum), ends it: one atomic step, so racing votes on any replica give
  one outcome. A voter is known by all their identities (Slack id, e-mail): any one that voted
  before makes this a repeat, which changes nothing. The caller built the vote (and the signed
  decision) against the votes it read; if another vote landed since, it is told to read again.
  KEYS[1] pause hash   KEYS[2] expiry zset   KEYS[3] slack pending zset
  KEYS[4] job queue zset   KEYS[5] job data hash
  ARGV[1] pause id   ARGV[2] now ms   ARGV[3] vote json   ARGV[4] number of votes the caller saw
  ARGV[5] signed decision json when this vote closes the pause, else ""   ARGV[6] retention ms
  ARGV[7] events channel   ARGV[8] wake channel   ARGV[9] key prefix (audit keys)
  ARGV[10] the voter (audit actor)   ARGV[11] audit data of the vote   ARGV[12] audit data of the decision
  ARGV[13] pause.ended job id prefix   ARGV[14] pause.ended job kind
  ARGV[15] id of the pause.voted job a counted vote queues   ARGV[16] its body (json)
  ARGV[17..] the voter's identity keys
  Returns {outcome, ...HGETALL of the pause}; outcome is counted, ended, already_voted,
  already_final, stale (alone) or not_found (alone).
]]
-- @include audit
-- @include end-pause

local pauseKey, pauseId, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local ctx = { expiry = KEYS[2], slack = KEYS[3], queue = KEYS[4], data = KEYS[5],
  retention = ARGV[6], events = ARGV[7], base = ARGV[9], endedPrefix = ARGV[13], endedKind = ARGV[14] }
local function answer(outcome)
  local result = redis.call('HGETALL', pauseKey)
  table.insert(result, 1, outcome)
  return result
end

local status = redis.call('HGET', pauseKey, 'status')
if not status then return {'not_found'} end
if status == 'pending' and tonumber(redis.call('HGET', pauseKey, 'exp')) <= now then
  status = endPause(ctx, pauseKey, pauseId, 'timed_out', now)
  -- The policy decides at the deadline, which has passed: too late for this vote.
  if status == 'pending' then return answer('already_final') end
end
if status ~= 'pending' then return answer('already_final') end
for i = 17, #ARGV do
  if redis.call('HEXISTS', pauseKey, 'v:' .. ARGV[i]) == 1 then return answer('already_voted') end
end
local count = tonumber(redis.call('HGET', pauseKey, 'nvotes') or '0')
if count ~= tonumber(ARGV[4]) then return {'stale'} end

local votes = redis.call('HGET', pauseKey, 'votes')
votes = votes and (string.sub(votes, 1, -2) .. ',' .. ARGV[3] .. ']') or ('[' .. ARGV[3] .. ']')
redis.call('HSET', pauseKey, 'votes', votes, 'nvotes', count + 1)
for i = 17, #ARGV do redis.call('HSET', pauseKey, 'v:' .. ARGV[i], '1') end
auditAppend(ARGV[9], now, 'pause.voted', pauseId, ARGV[10], ARGV[11])

if ARGV[5] ~= '' then
  redis.call('HSET', pauseKey, 'resp', ARGV[5], 'ended_ms', ARGV[2])
  endPause(ctx, pauseKey, pauseId, 'responded', now, ARGV[10], ARGV[12])
  return answer('ended')
end
redis.call('HSET', KEYS[5], ARGV[15], ARGV[16])
redis.call('ZADD', KEYS[4], now, ARGV[15])
redis.call('PUBLISH', ARGV[8], ARGV[2])
redis.call('PUBLISH', ARGV[7], pauseId .. ' pending')
return answer('counted')
