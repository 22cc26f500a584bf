-- ban_create.lua: bans an author, an address or a subnet, replacing any ban
-- on the same one. Its times come from Redis' clock, as its expiry does, so
-- every instance shows the same `at` and `until` whatever its own clock. A
-- ban with a duration expires by itself (EXPIRE); the index of bans is
-- scored by expiry time, permanent ones last.
--
-- ARGV: 1 key prefix, 2 kind (author_id | ip | subnet), 3 key value (author
-- id, address hex, or masked hex "/" prefix), 4 value as people write it,
-- 5 reason ("" when none), 6 moderator, 7 duration (s, 0 = permanent),
-- 8 address family (4 | 6) for subnets, 9 prefix length for subnets,
-- 10 audit entries kept (approximately)
-- Returns {at_ms, until_ms or ""}
local p, kind, kv = ARGV[1], ARGV[2], ARGV[3]
local duration = tonumber(ARGV[7])
local time = redis.call('TIME')
local at = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local until_ms = ''
local score = '+inf'
if duration > 0 then
  until_ms = string.format('%.0f', at + duration * 1000)
  score = until_ms
end
local key = p .. 'ban:' .. kind .. ':' .. kv
redis.call('DEL', key)
redis.call('HSET', key, 'kind', kind, 'value', ARGV[4], 'reason', ARGV[5],
           'by', ARGV[6], 'at', string.format('%.0f', at), 'until', until_ms)
if duration > 0 then
  redis.call('EXPIRE', key, duration)
end
redis.call('ZADD', p .. 'bans', score, kind .. ':' .. kv)
if kind == 'subnet' then
  -- the submit script checks an address against each prefix length in use
  redis.call('SADD', p .. 'ban:prefixes:' .. ARGV[8], ARGV[9])
end
redis.call('XADD', p .. 'audit', 'MAXLEN', '~', ARGV[10], '*',
           'at', string.format('%.0f', at), 'moderator', ARGV[6],
           'action', 'ban', 'target', kind .. ':' .. ARGV[4], 'reason', ARGV[5])
return {string.format('%.0f', at), until_ms}
