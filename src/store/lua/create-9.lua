--[[
  Creates a pending pause with its indexes and first jobs, or answers for the pause that already
  holds this idempotency key: the same request returns it, a different one is a conflict. A key
  whose pause has been purged is taken over. The agent's index is trimmed of entries that can no
  longer exist, so it stays bounded without a list ever running. The pause joins the waiting index
  of each of its deciders (kept in `wk`, so its ending leaves them). A new pause is a pause event
  (`<id> pending`), as its later changes are.
  A tool call also gives a join key (its session, tool and input): a pending pause that holds it is
  the answer (the idempotency key, if any, then points at it too), and so is an approval nobody has
  acted on yet (no `used`: claim-approval-1.lua); one approved for the session whose
  `remember_until` is still ahead is answered as remembered, with a `tool.remembered` audit entry on
  it; any other frees the key for the new pause.
  KEYS[1] pause hash            KEYS[5] expiry zset      KEYS[9] join key
  KEYS[2] idempotency key       KEYS[6] slack pending zset
  KEYS[3] agent all zset        KEYS[7] job queue zset
  KEYS[4] agent pending zset    KEYS[8] job data hash
  ARGV[1] pause id   ARGV[2] record json   ARGV[3] expires ms   ARGV[4] created ms
  ARGV[5] request digest, "" when no idempotency key is given   ARGV[6] idempotency key ttl ms
  ARGV[7] "1" when the pause goes to Slack   ARGV[8] pause key prefix   ARGV[9] index horizon ms
  ARGV[10] wake channel   ARGV[11] the policy's decision at the deadline, unsigned ({decision, rule} json), or ""
  ARGV[12] ids of the reminder and escalation jobs (space-separated), dropped when the pause ends
  ARGV[13] key prefix (audit keys, the index of all pauses)   ARGV[14] audit actor   ARGV[15] audit data json
  ARGV[16] events channel   ARGV[17] hashes of its deciders (space-separated; waiting indexes)
  ARGV[18] join key ttl ms, "" without a join key   ARGV[19] now, ISO 8601 (compared with remember_until)
  ARGV[20] audit actor of a remembered call   ARGV[21] its audit data json
  ARGV[22..] job triples: id, json, run at ms
  Returns {1, pause id} when created, {0, existing id} for the same request (or a pending join),
  {2, existing id} for a conflict, {3, existing id} when a remembered approval answers.
]]
-- @include audit

local pauseId, digest = ARGV[1], ARGV[5]
if digest ~= '' then
  local held = redis.call('GET', KEYS[2])
  if held then
    local heldId, heldDigest = string.match(held, '^(%S+) (%S+)$')
    if heldId and redis.call('EXISTS', ARGV[8] .. heldId) == 1 then
      if heldDigest == digest then return {0, heldId} end
      return {2, heldId}
    end
  end
end
if ARGV[18] ~= '' then
  local joined = redis.call('GET', KEYS[9])
  if joined then
    local f = redis.call('HMGET', ARGV[8] .. joined, 'status', 'exp', 'resp', 'used')
    local pendingThere = f[1] == 'pending' and tonumber(f[2]) > tonumber(ARGV[4])
    local approved, remembered, windowed = false, false, false
    if f[1] == 'responded' and f[3] then
      local ok, resp = pcall(cjson.decode, f[3])
      approved = ok and type(resp) == 'table' and resp.decision == 'approved'
      -- ISO 8601 times of one format compare as strings.
      windowed = approved and type(resp.remember_until) == 'string'
      remembered = windowed and resp.remember_until > ARGV[19]
    end
    if remembered then
      -- No TTL given: the ended pause's timeline keeps the one it has.
      auditAppend(ARGV[13], tonumber(ARGV[4]), 'tool.remembered', joined, ARGV[20], ARGV[21], nil)
      return {3, joined}
    end
    -- A session approval past its window is spent, claimed or not.
    if pendingThere or (approved and not windowed and not f[4]) then
      if digest ~= '' then redis.call('SET', KEYS[2], joined .. ' ' .. digest, 'PX', ARGV[6]) end
      return {0, joined}
    end
  end
  redis.call('SET', KEYS[9], pauseId, 'PX', ARGV[18])
end
if digest ~= '' then redis.call('SET', KEYS[2], pauseId .. ' ' .. digest, 'PX', ARGV[6]) end
redis.call('HSET', KEYS[1], 'rec', ARGV[2], 'status', 'pending', 'exp', ARGV[3], 'apk', KEYS[4])
if ARGV[11] ~= '' then redis.call('HSET', KEYS[1], 'tdec', ARGV[11]) end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[1], 'steps', ARGV[12]) end
if ARGV[17] ~= '' then redis.call('HSET', KEYS[1], 'wk', ARGV[17]) end
for decider in string.gmatch(ARGV[17], '%S+') do
  redis.call('ZADD', ARGV[13] .. 'waiting:' .. decider, ARGV[4], pauseId)
end
redis.call('ZADD', KEYS[3], ARGV[4], pauseId)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[4]) - tonumber(ARGV[9])))
redis.call('ZADD', KEYS[4], ARGV[4], pauseId)
redis.call('ZADD', KEYS[5], ARGV[3], pauseId)
if ARGV[7] == '1' then redis.call('ZADD', KEYS[6], ARGV[4], pauseId) end
local wakeAt = tonumber(ARGV[3])
for i = 22, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[8], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('ZADD', KEYS[7], ARGV[i + 2], ARGV[i])
    wakeAt = math.min(wakeAt, tonumber(ARGV[i + 2]))
  end
end
redis.call('ZADD', ARGV[13] .. 'all', ARGV[4], pauseId)
redis.call('ZREMRANGEBYSCORE', ARGV[13] .. 'all', '-inf', '(' .. (tonumber(ARGV[4]) - tonumber(ARGV[9])))
auditAppend(ARGV[13], tonumber(ARGV[4]), 'pause.created', pauseId, ARGV[14], ARGV[15], tonumber(ARGV[3]) - tonumber(ARGV[4]) + tonumber(ARGV[6]))
redis.call('PUBLISH', ARGV[10], string.format('%d', wakeAt))
redis.call('PUBLISH', ARGV[16], pauseId .. ' pending')
return {1, pauseId}
