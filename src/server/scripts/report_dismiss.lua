-- report_dismiss.lua: a moderator approves a published comment that has
-- reports: it stays published, its reports are dismissed (each reporter's
-- record counts one more dismissed report, which lowers their weight) and
-- the audit log says so, all at once.
--
-- args: prefix id moderator reason at audit_cap
--
-- Returns {"ok", record JSON} | {"conflict", current status} | {"gone"}
local key = prefix .. 'c:' .. id
local now = redis.call('HMGET', key, 'status', 'json', 'author')
if not now[1] then
  return {'gone'}
end
local rkey = prefix .. 'rp:' .. id
if now[1] ~= 'published' or redis.call('EXISTS', rkey) == 0 then
  return {'conflict', now[1]}
end
local reporters = redis.call('HKEYS', rkey)
for _, reporter in ipairs(reporters) do
  redis.call('HINCRBY', prefix .. 'reporter:' .. reporter, 'dismissed', 1)
end
if now[3] then -- the author view's reports received, by outcome
  redis.call('HINCRBY', prefix .. 'u:' .. now[3], 'reports_dismissed', #reporters)
end
redis.call('DEL', rkey, prefix .. 'rpn:' .. id)
redis.call('ZREM', prefix .. 'reported', id)
redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
           'at', at, 'moderator', moderator, 'action', 'dismiss_reports',
           'target', id, 'reason', reason)
return {'ok', now[2]}
