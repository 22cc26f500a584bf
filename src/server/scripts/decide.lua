-- decide.lua: a moderator's decision on one comment, all or nothing. The
-- caller read the record, checked that the decision applies to its status
-- and built the decided record (signed, for an approval); this script
-- applies it only if the status is still the one the caller read, so of two
-- moderators deciding the same comment at once exactly one wins and the
-- other is told the status it now has.
--
-- args: prefix id from to record action moderator reason at audit_cap retention rules guard events_cap
-- uses: events
--
-- Arguments by position: 1 key prefix, 2 id, 3 status read, 4 new status, 5 new record JSON,
-- 6 action (approve | reject | remove), 7 moderator, 8 reason or "",
-- 9 time of the decision (ms), 10 audit entries kept (approximately),
-- 11 retention of rejected comments (s), 12 ids of the rules that fired,
-- comma-separated, or "", 13 the guard (ms): a comment decided less than
-- this long ago (on Redis' clock) by another moderator is not decided
-- again. Two moderators who saw the same comment and decided it at about
-- the same time would otherwise both win whenever the second read the
-- first's result (approve, then reject = remove): the guard makes the
-- second one lose, as docs/api.md says "at once" must. A moderator may change
-- their own mind at once: they know what they decided. 14 the events
-- stream's length: the decision's event (approved, rejected, removed) is
-- written with it.
-- Returns {"ok"} | {"conflict", current status} | {"gone"}
local key = prefix .. 'c:' .. id
local now = redis.call('HMGET', key, 'status', 'article', 'decided_at', 'decided_by', 'author')
if not now[1] then
  return {'gone'}
end
if now[1] ~= from then
  return {'conflict', now[1]}
end
local article = now[2]
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now[3] and now[4] ~= moderator and now_ms - tonumber(now[3]) < tonumber(guard) then
  return {'conflict', now[1]}
end

if from == 'pending' then
  redis.call('ZREM', prefix .. 'queue', id)
  redis.call('ZREM', prefix .. 'a:' .. article .. ':queue', id)
  redis.call('ZREM', prefix .. 'qscore', id)
  redis.call('ZREM', prefix .. 'a:' .. article .. ':qscore', id)
  redis.call('HDEL', key, 'norm')
elseif from == 'rejected' then
  redis.call('ZREM', prefix .. 'rejected', id)
  redis.call('PERSIST', key)
  redis.call('PERSIST', key .. ':rev') -- the earlier revisions (edit.lua) stay with it
elseif from == 'published' then
  redis.call('ZREM', prefix .. 'a:' .. article .. ':pub', id)
end
if to == 'published' then
  redis.call('ZADD', prefix .. 'a:' .. article .. ':pub', 0, id)
  redis.call('ZADD', prefix .. 'articles', 0, article)
elseif to == 'rejected' then
  -- kept for the same retention as what the rules reject, then gone, with
  -- its earlier revisions (edit.lua)
  redis.call('EXPIRE', key, retention)
  redis.call('EXPIRE', key .. ':rev', retention)
end
redis.call('HSET', key, 'json', record, 'status', to, 'decided_at',
           string.format('%.0f', now_ms), 'decided_by', moderator)
redis.call('HINCRBY', prefix .. 'stats', from, -1)
redis.call('HINCRBY', prefix .. 'stats', to, 1)
-- the author's counts by status (submit.lua's u:AUTHOR), when the record
-- names its author (those stored before the index do not)
if now[5] then
  local user_key = prefix .. 'u:' .. now[5]
  redis.call('HINCRBY', user_key, from, -1)
  redis.call('HINCRBY', user_key, to, 1)
  -- a removal is a moderator's rejection of a published comment: it
  -- ends an author's clean record too (history.established)
  if to == 'rejected' or to == 'removed' then
    redis.call('HSET', user_key, 'rejected_at', string.format('%.0f', now_ms))
  end
end

-- rules whose hold or rejection a moderator overturned, for rules stats
if action == 'approve' and rules ~= '' then
  for rule in string.gmatch(rules, '[^,]+') do
    redis.call('HINCRBY', prefix .. 'rulestats', rule .. ':overturned', 1)
  end
end
-- readers' reports are settled with the comment: approving it dismisses
-- them, rejecting or removing it upholds them; either way each reporter's
-- record (their weight, report_create.lua) counts one more
local reports_key = prefix .. 'rp:' .. id
if redis.call('EXISTS', reports_key) == 1 then
  local outcome = 'upheld'
  if to == 'published' then outcome = 'dismissed' end
  local reporters = redis.call('HKEYS', reports_key)
  for _, reporter in ipairs(reporters) do
    redis.call('HINCRBY', prefix .. 'reporter:' .. reporter, outcome, 1)
  end
  if now[5] then -- the author view's reports received, by outcome
    redis.call('HINCRBY', prefix .. 'u:' .. now[5], 'reports_' .. outcome, #reporters)
  end
  redis.call('DEL', reports_key, prefix .. 'rpn:' .. id)
  redis.call('ZREM', prefix .. 'reported', id)
end
mg_event(prefix, events_cap, ({approve = 'approved', reject = 'rejected'})[action] or 'removed',
         id, article, now[5], to)
redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
           'at', at, 'moderator', moderator, 'action', action,
           'target', id, 'reason', reason)
return {'ok'}
