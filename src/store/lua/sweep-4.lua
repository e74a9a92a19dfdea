--[[
  Times out pending pauses whose deadline has passed; safe to run on every replica at once.
  KEYS[1] expiry zset   KEYS[2] slack pending zset   KEYS[3] job queue zset   KEYS[4] job data hash
  ARGV[1] now ms   ARGV[2] max   ARGV[3] retention ms   ARGV[4] events channel
  ARGV[5] pause key prefix (pause keys share the hash tag of KEYS)   ARGV[6] key prefix (audit keys)
  ARGV[7] pause.ended job id prefix   ARGV[8] pause.ended job kind
  Returns flat pairs: each id ended, then `timed_out` or the decision its policy's on_timeout made;
  or, for a pause whose policy decides at the deadline and whose decision is not signed yet, the id
  and `due_decision`: it stays pending (and due) for the runner to sign and end it.
]]
-- @include audit
-- @include end-pause

local now = tonumber(ARGV[1])
local ctx = { expiry = KEYS[1], slack = KEYS[2], queue = KEYS[3], data = KEYS[4],
  retention = ARGV[3], events = ARGV[4], base = ARGV[6], endedPrefix = ARGV[7], endedKind = ARGV[8] }
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local ended = {}
for _, pauseId in ipairs(due) do
  local pauseKey = ARGV[5] .. pauseId
  if redis.call('HGET', pauseKey, 'status') == 'pending' then
    local status, decision = endPause(ctx, pauseKey, pauseId, 'timed_out', now)
    table.insert(ended, pauseId)
    if status == 'pending' then
      table.insert(ended, 'due_decision')
    else
      table.insert(ended, decision or 'timed_out')
    end
  else
    redis.call('ZREM', KEYS[1], pauseId)
  end
end
return ended
