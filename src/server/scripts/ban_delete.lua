-- ban_delete.lua: lifts a ban, and records who did in the audit log.
-- Returns 1 when there was one, else 0 (nothing is recorded then).
-- ARGV: 1 key prefix, 2 kind, 3 key value (as ban_create.lua's), 4 the
-- value as people write it, 5 moderator, 6 audit entries kept
-- (approximately)
local p, kind, kv = ARGV[1], ARGV[2], ARGV[3]
local gone = redis.call('DEL', p .. 'ban:' .. kind .. ':' .. kv)
redis.call('ZREM', p .. 'bans', kind .. ':' .. kv)
if gone == 1 then
  local time = redis.call('TIME')
  local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  redis.call('XADD', p .. 'audit', 'MAXLEN', '~', ARGV[6], '*',
             'at', string.format('%.0f', at), 'moderator', ARGV[5],
             'action', 'unban', 'target', kind .. ':' .. ARGV[4], 'reason', '')
end
return gone
