--[[
  Appends an audit entry that belongs to no pause change (an API key created or revoked, a
  dashboard sign-in). Other keys are built from the prefix; all share one hash tag.
  KEYS[1] the audit stream (declared for Cluster routing)
  ARGV[1] key prefix   ARGV[2] now ms   ARGV[3] event type   ARGV[4] actor   ARGV[5] data json
  ARGV[6] pause id, "" for none
]]
-- @include audit

auditAppend(ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[6] ~= '' and ARGV[6] or nil, ARGV[4], ARGV[5])
return redis.call('GET', ARGV[1] .. 'audit:seq')
