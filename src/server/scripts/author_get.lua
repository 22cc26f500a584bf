-- author_get.lua: what GET /v1/authors/{author_id} shows, as one JSON
-- object of raw values (store_authors.c and handle_authors.c shape it): the
-- author's index as submit.lua and decide.lua keep it (u:AUTHOR: first,
-- last, published, pending, rejected, rejected_at, reports_received,
-- reports_upheld, reports_dismissed), the watch entry, the
-- ban on the author id in force, their record as a reporter (reporter:ID:
-- filed, upheld, dismissed; report_create.lua), a page of their comments,
-- newest first
-- (u:AUTHOR:c; rejected comments whose records expired are left out), and
-- Redis' clock.
--
-- args: prefix author after limit
--
-- Arguments by position: 1 key prefix, 2 author id, 3 the last comment id of
-- the previous page or "", 4 page size
-- Returns the JSON text, or "" when modgate knows nothing of the author
-- (no index, no watch, no ban, no report filed).
local user_key = prefix .. 'u:' .. author
local ids_key = user_key .. ':c'
local function hash(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
local user = hash(user_key)
local watch = hash(prefix .. 'watch:' .. author)
local ban = hash(prefix .. 'ban:author_id:' .. author)
local reporter = hash(prefix .. 'reporter:' .. author)
if not user and not watch and not ban and not reporter then
  return ''
end
limit = tonumber(limit)
local max = after ~= '' and ('(' .. after) or '+'
local ids = redis.call('ZREVRANGEBYLEX', ids_key, max, '-', 'LIMIT', 0, limit + 1)
local more = #ids > limit
local comments = {}
for i = 1, math.min(#ids, limit) do
  local json = redis.call('HGET', prefix .. 'c:' .. ids[i], 'json')
  if json then comments[#comments + 1] = json end
end
local time = redis.call('TIME')
return cjson.encode({
  user = user or {}, watch = watch or false, ban = ban or false,
  reporter = reporter or {},
  comments = comments, more = more, last = ids[math.min(#ids, limit)] or '',
  total = redis.call('ZCARD', ids_key),
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000),
})
