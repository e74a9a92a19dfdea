-- Moves a pending pause to a final status and does everything that goes with it, atomically:
-- leaves the pending indexes (its agent's, its deciders' waiting indexes), drops its reminder and
-- escalation jobs, queues the one `pause.ended` job (Slack update and friends), appends the audit
-- entry, starts the retention clock and wakes every replica's waiting long-polls. A timeout
-- becomes the policy's decision when the pause holds one signed by an earlier version (`tresp`).
-- A pause holding the policy's unsigned decision (`tdec`) is not timed out: it stays pending and
-- this returns 'pending', for the runner to sign the decision and end it (end-at-deadline-5.lua).
-- Needs the audit include.
-- `ctx`: expiry, slack, queue, data (keys), retention (ms), events (channel), base (key prefix),
-- endedPrefix and endedKind (the `pause.ended` job's id prefix and kind, from jobs/job-kinds.ts).
-- Returns the status it ended with and, for a timeout the policy decided, that decision.
local function endPause(ctx, pauseKey, pauseId, status, nowMs, actor, dataJson)
  local eventType, policyDecision
  if status == 'timed_out' then
    local timeoutResponse = redis.call('HGET', pauseKey, 'tresp')
    if not timeoutResponse and redis.call('HEXISTS', pauseKey, 'tdec') == 1 then return 'pending' end
    if timeoutResponse then
      status = 'responded'
      redis.call('HSET', pauseKey, 'resp', timeoutResponse, 'ended_ms', redis.call('HGET', pauseKey, 'exp'))
      local decided = cjson.decode(timeoutResponse)
      eventType, actor, policyDecision = 'pause.policy_decided', decided.responder, decided.decision
      dataJson = '{"decision":' .. cjson.encode(decided.decision) .. ',"on_timeout":true}'
    else
      eventType, actor, dataJson = 'pause.timed_out', 'system', '{}'
    end
  elseif status == 'expired' then
    eventType = 'pause.cancelled'
  elseif string.sub(actor, 1, 7) == 'policy:' then
    eventType = 'pause.policy_decided'
  else
    eventType = 'pause.decided'
  end
  redis.call('HSET', pauseKey, 'status', status)
  local agentPendingKey = redis.call('HGET', pauseKey, 'apk')
  if agentPendingKey then redis.call('ZREM', agentPendingKey, pauseId) end
  for decider in string.gmatch(redis.call('HGET', pauseKey, 'wk') or '', '%S+') do
    redis.call('ZREM', ctx.base .. 'waiting:' .. decider, pauseId)
  end
  redis.call('ZREM', ctx.expiry, pauseId)
  redis.call('ZREM', ctx.slack, pauseId)
  local steps = redis.call('HGET', pauseKey, 'steps')
  if steps then
    for stepJob in string.gmatch(steps, '%S+') do
      redis.call('ZREM', ctx.queue, stepJob)
      redis.call('HDEL', ctx.data, stepJob)
    end
  end
  local jobId = ctx.endedPrefix .. pauseId
  if redis.call('HSETNX', ctx.data, jobId, cjson.encode({ kind = ctx.endedKind, pause_id = pauseId })) == 1 then
    redis.call('ZADD', ctx.queue, nowMs, jobId)
  end
  auditAppend(ctx.base, nowMs, eventType, pauseId, actor, dataJson, ctx.retention)
  redis.call('PEXPIRE', pauseKey, ctx.retention)
  redis.call('PUBLISH', ctx.events, pauseId .. ' ' .. status)
  return status, policyDecision
end
