--[[
  Records how a delivery went beside its pause (a field d:<name>), with its audit entry in the
  same step when the record is one (delivered, delivery failed, reminded, escalated). Nothing is
  written for a pause that is gone.
  KEYS[1] pause hash
  ARGV[1] pause id   ARGV[2] field   ARGV[3] state json   ARGV[4] now ms   ARGV[5] key prefix
  ARGV[6] audit event type, "" for none   ARGV[7] audit actor   ARGV[8] audit data json
  Returns 1 when recorded, 0 when the pause is gone.
]]
-- @include audit

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if ARGV[6] ~= '' then auditAppend(ARGV[5], tonumber(ARGV[4]), ARGV[6], ARGV[1], ARGV[7], ARGV[8]) end
return 1
