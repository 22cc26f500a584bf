-- ban_delete.lua: lifts a ban. Returns 1 when there was one, else 0.
-- ARGV: 1 key prefix, 2 kind, 3 key value (as ban_create.lua's)
local p, kind, kv = ARGV[1], ARGV[2], ARGV[3]
local gone = redis.call('DEL', p .. 'ban:' .. kind .. ':' .. kv)
redis.call('ZREM', p .. 'bans', kind .. ':' .. kv)
return gone
