-- Moves a pending pause to a final status and does everything that goes with it, atomically:
-- leaves the pending indexes, queues the one `pause.ended` job (Slack update and friends),
-- starts the retention clock and wakes every replica's waiting long-polls.
local function endPause(pauseKey, pauseId, status, nowMs, expiryKey, slackKey, queueKey, dataKey, retentionMs, eventsChannel)
  redis.call('HSET', pauseKey, 'status', status)
  local agentPendingKey = redis.call('HGET', pauseKey, 'apk')
  if agentPendingKey then redis.call('ZREM', agentPendingKey, pauseId) end
  redis.call('ZREM', expiryKey, pauseId)
  redis.call('ZREM', slackKey, pauseId)
  local jobId = 'ended:' .. pauseId
  if redis.call('HSETNX', dataKey, jobId, '{"kind":"pause.ended","pause_id":"' .. pauseId .. '"}') == 1 then
    redis.call('ZADD', queueKey, nowMs, jobId)
  end
  redis.call('PEXPIRE', pauseKey, retentionMs)
  redis.call('PUBLISH', eventsChannel, pauseId .. ' ' .. status)
end
