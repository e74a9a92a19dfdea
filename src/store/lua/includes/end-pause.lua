-- Moves a pending pause to a final status and does everything that goes with it, atomically:
-- leaves the pending indexes, drops its reminder and escalation jobs, queues the one
-- `pause.ended` job (Slack update and friends), starts the retention clock and wakes every
-- replica's waiting long-polls. A timeout becomes the policy's decision when the pause holds one
-- (`tresp`). Returns the status the pause ended with.
local function endPause(pauseKey, pauseId, status, nowMs, expiryKey, slackKey, queueKey, dataKey, retentionMs, eventsChannel)
  if status == 'timed_out' then
    local timeoutResponse = redis.call('HGET', pauseKey, 'tresp')
    if timeoutResponse then
      status = 'responded'
      redis.call('HSET', pauseKey, 'resp', timeoutResponse, 'ended_ms', redis.call('HGET', pauseKey, 'exp'))
    end
  end
  redis.call('HSET', pauseKey, 'status', status)
  local agentPendingKey = redis.call('HGET', pauseKey, 'apk')
  if agentPendingKey then redis.call('ZREM', agentPendingKey, pauseId) end
  redis.call('ZREM', expiryKey, pauseId)
  redis.call('ZREM', slackKey, pauseId)
  local steps = redis.call('HGET', pauseKey, 'steps')
  if steps then
    for stepJob in string.gmatch(steps, '%S+') do
      redis.call('ZREM', queueKey, stepJob)
      redis.call('HDEL', dataKey, stepJob)
    end
  end
  local jobId = 'ended:' .. pauseId
  if redis.call('HSETNX', dataKey, jobId, '{"kind":"pause.ended","pause_id":"' .. pauseId .. '"}') == 1 then
    redis.call('ZADD', queueKey, nowMs, jobId)
  end
  redis.call('PEXPIRE', pauseKey, retentionMs)
  redis.call('PUBLISH', eventsChannel, pauseId .. ' ' .. status)
  return status
end
