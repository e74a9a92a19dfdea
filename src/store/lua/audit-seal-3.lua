--[[
  Seals the next run of audit entries into the hash chain: records each entry's `prev` (the
  previous entry's hash) and moves the sealed mark, if nobody sealed them first (the mark is
  compared, so sealers on several replicas never interleave).
  KEYS[1] audit stream   KEYS[2] prev by seq (hash)   KEYS[3] sealed mark (hash: seq, hash, id)
  ARGV[1] the sealed seq the caller read   ARGV[2] new sealed seq   ARGV[3] its entry's hash
  ARGV[4] its stream id   ARGV[5..] pairs: seq, prev
  Returns 1 when sealed, 0 when the mark had moved.
]]
local sealed = redis.call('HGET', KEYS[3], 'seq') or '0'
if sealed ~= ARGV[1] then return 0 end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[3], 'seq', ARGV[2], 'hash', ARGV[3], 'id', ARGV[4])
return 1
