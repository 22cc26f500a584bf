-- ban_delete.lua: lifts a ban, and records who did in the audit log.
-- Returns 1 when there was one, else 0 (nothing is recorded then).
-- args: prefix kind kv value moderator audit_cap
--
-- Arguments by position: 1 key prefix, 2 kind, 3 key value (as ban_create.lua's), 4 the
-- value as people write it, 5 moderator, 6 audit entries kept
-- (approximately)
local gone = redis.call('DEL', prefix .. 'ban:' .. kind .. ':' .. kv)
redis.call('ZREM', prefix .. 'bans', kind .. ':' .. kv)
if gone == 1 then
  local time = redis.call('TIME')
  local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
             'at', string.format('%.0f', at), 'moderator', moderator,
             'action', 'unban', 'target', kind .. ':' .. value, 'reason', '')
end
return gone
