--[[
  Sets one field of a gateway task, once: its result, or who forwards its approved call. The first
  value stays, whoever races; the record keeps its expiry (KEEPTTL).
  KEYS[1] the task's record (JSON)
  ARGV[1] the agent the task must belong to   ARGV[2] the value (a string)
  ARGV[3] now ms (a record whose expiry is not after it reads as absent, as in getTask)
  ARGV[4] the field: result or forwarder
  Returns 1 set now, 2 it already had one, 0 no such live gateway task of that agent.
]]
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local expires = redis.call('PEXPIRETIME', KEYS[1])
if expires >= 0 and expires <= tonumber(ARGV[3]) then return 0 end
local ok, task = pcall(cjson.decode, raw)
if not ok or type(task) ~= 'table' or task.agent_id ~= ARGV[1] or type(task.gateway) ~= 'table' then return 0 end
if task.gateway[ARGV[4]] ~= nil then return 2 end
task.gateway[ARGV[4]] = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(task), 'KEEPTTL')
return 1
