-- ban_create.lua: bans an author, an address or a subnet, replacing any ban
-- on the same one. Its times come from Redis' clock, as its expiry does, so
-- every instance shows the same `at` and `until` whatever its own clock. A
-- ban with a duration expires by itself (EXPIRE); the index of bans is
-- scored by expiry time, permanent ones last.
--
-- args: prefix kind kv value reason moderator duration family prefix_len audit_cap
--
-- Arguments by position: 1 key prefix, 2 kind (author_id | ip | subnet), 3 key value (author
-- id, address hex, or masked hex "/" prefix), 4 value as people write it,
-- 5 reason ("" when none), 6 moderator, 7 duration (s, 0 = permanent),
-- 8 address family (4 | 6) for subnets, 9 prefix length for subnets,
-- 10 audit entries kept (approximately)
-- Returns {at_ms, until_ms or ""}
duration = tonumber(duration)
local time = redis.call('TIME')
local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local until_ms = ''
local score = '+inf'
if duration > 0 then
  until_ms = string.format('%.0f', at + duration * 1000)
  score = until_ms
end
local key = prefix .. 'ban:' .. kind .. ':' .. kv
redis.call('DEL', key)
redis.call('HSET', key, 'kind', kind, 'value', value, 'reason', reason,
           'by', moderator, 'at', string.format('%.0f', at), 'until', until_ms)
if duration > 0 then
  redis.call('EXPIRE', key, duration)
end
redis.call('ZADD', prefix .. 'bans', score, kind .. ':' .. kv)
if kind == 'subnet' then
  -- the submit script checks an address against each prefix length in use
  redis.call('SADD', prefix .. 'ban:prefixes:' .. family, prefix_len)
end
redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
           'at', string.format('%.0f', at), 'moderator', moderator,
           'action', 'ban', 'target', kind .. ':' .. value, 'reason', reason)
return {string.format('%.0f', at), until_ms}
