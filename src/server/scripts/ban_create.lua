-- ban_create.lua: bans an author, an address or a subnet, replacing any ban
-- on the same one. A ban with a duration expires by itself (EXPIRE); the
-- index of bans is scored by expiry time (Redis' clock), permanent ones last.
--
-- ARGV: 1 key prefix, 2 kind (author_id | ip | subnet), 3 key value (author
-- id, address hex, or masked hex "/" prefix), 4 value as people write it,
-- 5 reason, 6 moderator, 7 at (RFC 3339), 8 until (RFC 3339) or "",
-- 9 duration (s, 0 = permanent), 10 address family (4 | 6) for subnets,
-- 11 prefix length for subnets
local p, kind, kv = ARGV[1], ARGV[2], ARGV[3]
local duration = tonumber(ARGV[9])
local key = p .. 'ban:' .. kind .. ':' .. kv
redis.call('DEL', key)
redis.call('HSET', key, 'kind', kind, 'value', ARGV[4], 'reason', ARGV[5],
           'by', ARGV[6], 'at', ARGV[7], 'until', ARGV[8])
local score = '+inf'
if duration > 0 then
  local time = redis.call('TIME')
  redis.call('EXPIRE', key, duration)
  score = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
          + duration * 1000
end
redis.call('ZADD', p .. 'bans', score, kind .. ':' .. kv)
if kind == 'subnet' then
  -- the submit script checks an address against each prefix length in use
  redis.call('SADD', p .. 'ban:prefixes:' .. ARGV[10], ARGV[11])
end
return 1
