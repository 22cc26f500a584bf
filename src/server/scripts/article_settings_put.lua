-- article_settings_put.lua: sets an article's mode and closing time, and
-- records who did in the audit log, together. The defaults (open, no
-- closing time) are stored as no key at all, so articles never configured
-- and articles set back cost nothing.
--
-- args: prefix article mode closes moderator summary audit_cap
--
-- Arguments by position: 1 key prefix, 2 article id, 3 mode ("open" |
-- "premoderated" | "closed"), 4 closes_at in ms or "", 5 moderator, 6 what
-- the audit entry's reason says (the new settings), 7 audit entries kept
-- (approximately)
-- Returns "ok".
local key = prefix .. 'a:' .. article .. ':settings'
redis.call('DEL', key)
if closes ~= '' then
  redis.call('HSET', key, 'mode', mode, 'closes', closes)
elseif mode ~= 'open' then
  redis.call('HSET', key, 'mode', mode)
end
local time = redis.call('TIME')
local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
           'at', string.format('%.0f', at), 'moderator', moderator,
           'action', 'article_settings', 'target', 'article:' .. article,
           'reason', summary)
return 'ok'
