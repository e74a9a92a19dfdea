-- Appends one entry to the audit log, in the calling script's atomic step: numbered
-- without gaps (`audit:seq`), stored as its canonical JSON body in the `audit` stream, and listed
-- on the pause's timeline. The hash chain (`prev`) is sealed right after, in order, by the store
-- (redis-audit.ts sealAudit): Redis Lua has no SHA-256, and hashing in Lua cost ~0.2 ms per 64
-- bytes here, which every change of every pause would pay.
local function isoTime(ms)
  local days = math.floor(ms / 86400000)
  local rest = ms - days * 86400000
  -- Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400 + (month <= 2 and 1 or 0)
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
    math.floor(rest / 3600000), math.floor(rest / 60000) % 60, math.floor(rest / 1000) % 60, rest % 1000)
end

local function auditAppend(base, nowMs, eventType, pauseId, actor, dataJson, timelineTtlMs)
  local seq = redis.call('INCR', base .. 'audit:seq')
  local body = '{"seq":' .. seq .. ',"at":"' .. isoTime(nowMs) .. '","type":"' .. eventType .. '"'
  if pauseId then body = body .. ',"pause_id":"' .. pauseId .. '"' end
  body = body .. ',"actor":' .. cjson.encode(actor) .. ',"data":' .. dataJson .. '}'
  local id = redis.call('XADD', base .. 'audit', '*', 'e', body)
  if pauseId then
    local timeline = base .. 'pause:' .. pauseId .. ':audit'
    redis.call('RPUSH', timeline, id)
    if timelineTtlMs then redis.call('PEXPIRE', timeline, timelineTtlMs) end
  end
end
