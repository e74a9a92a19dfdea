--[[
  Drops sealed audit entries older than a time, keeping the chain verifiable: the anchor records
  the seq and hash of the last entry dropped, which the first kept entry's `prev` must equal.
  Unsealed entries are never dropped. At most ARGV[2] entries per call.
  KEYS[1] audit stream   KEYS[2] prev by seq (hash)   KEYS[3] anchor (hash: seq, hash)
  KEYS[4] sealed mark (hash: seq, hash, id)
  ARGV[1] drop entries with stream ids before this ms   ARGV[2] max
  Returns the number dropped.
]]
local sealedSeq = tonumber(redis.call('HGET', KEYS[4], 'seq') or '0')
local old = redis.call('XRANGE', KEYS[1], '-', '(' .. ARGV[1] .. '-0', 'COUNT', tonumber(ARGV[2]))
local lastSeq, lastId
for _, item in ipairs(old) do
  local seq = tonumber(string.match(item[2][2], '^{"seq":(%d+),'))
  if not seq or seq > sealedSeq then break end
  lastSeq, lastId = seq, item[1]
end
if not lastSeq then return 0 end
local anchorHash = redis.call('HGET', KEYS[2], tostring(lastSeq + 1))
if lastSeq == sealedSeq then anchorHash = redis.call('HGET', KEYS[4], 'hash') end
local anchorSeq = tonumber(redis.call('HGET', KEYS[3], 'seq') or '0')
redis.call('HSET', KEYS[3], 'seq', lastSeq, 'hash', anchorHash)
for seq = anchorSeq + 1, lastSeq do redis.call('HDEL', KEYS[2], tostring(seq)) end
local dropped = 0
for _, item in ipairs(old) do
  redis.call('XDEL', KEYS[1], item[1])
  dropped = dropped + 1
  if item[1] == lastId then break end
end
return dropped
