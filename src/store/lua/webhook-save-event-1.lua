--[[
  Stores a webhook event unless it exists, so every retry and every endpoint sends the first body.
  KEYS[1] event hash
  ARGV[1] type   ARGV[2] pause id   ARGV[3] body   ARGV[4] retain until (ms, absolute)
  Returns the stored event as {type, pause_id, body, fanned_out}.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'type', ARGV[1], 'pause_id', ARGV[2], 'body', ARGV[3], 'fanned_out', '0')
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
end
return redis.call('HMGET', KEYS[1], 'type', 'pause_id', 'body', 'fanned_out')
