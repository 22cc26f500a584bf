-- author_watch.lua: puts an author on the watch list, or takes them off,
-- and records who did in the audit log, together. submit.lua holds every
-- comment of an author whose watch key exists.
--
-- args: prefix author on reason moderator audit_cap
--
-- Arguments by position: 1 key prefix, 2 author id, 3 "1" to watch, "0" to
-- stop, 4 reason ("" when none), 5 moderator, 6 audit entries kept
-- (approximately)
-- Returns {"watched", at_ms} (on: a watch already there is replaced, its
-- reason and time too) | {"unwatched"} | {"not_watched"} (off, none there).
local key = prefix .. 'watch:' .. author
local time = redis.call('TIME')
local at = string.format('%.0f', tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
if on == '1' then
  redis.call('DEL', key)
  redis.call('HSET', key, 'at', at, 'by', moderator, 'reason', reason)
elseif redis.call('DEL', key) == 0 then
  return {'not_watched'}
end
redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
           'at', at, 'moderator', moderator,
           'action', on == '1' and 'watch' or 'unwatch',
           'target', 'author_id:' .. author, 'reason', reason)
if on == '1' then
  return {'watched', at}
end
return {'unwatched'}
