-- report_create.lua: a reader's report on a published comment, all or
-- nothing, so that reports sent to several instances at once count
-- exactly: the checks (the comment, a repeat, its own author, its status,
-- the reporter's rate limit), the report, the comment's counts and weight,
-- the reported list and the hold happen in one script.
--
-- args: prefix id reporter reason report threshold hold limits events_cap
-- uses: events
--
-- Arguments: the key prefix; the comment id; the reporter id; the reason;
-- the report's JSON as the API returns it (built by the caller); the
-- weight from which the comment is listed in "reported" (> 0); the weight
-- from which it is held (0: never); the reporter's limits, "count/period_s"
-- separated by commas, or "" for none; the events stream's length (a
-- created report writes a "reported" event, with the comment's status
-- after it). Fixed windows per limit (one
-- counter per reporter, period and window), on Redis' clock.
--
-- Keys: rp:ID (reporter -> report JSON), rpn:ID (count, weight,
-- reason:NAME -> n), reported (ids by count), reporter:RID (upheld,
-- dismissed: what moderators made of this reporter's reports), rrl:RID:...
--
-- A reporter's weight is (1 + upheld) / (1 + upheld + dismissed): 1 for a
-- new reporter, falling towards 0 as moderators dismiss their reports
-- (docs/api.md "Reader reports").
--
-- Returns a JSON object: {"outcome": "created" | "exists", "report": ...},
-- {"outcome": "gone"}, {"outcome": "own_comment"},
-- {"outcome": "conflict", "status": s},
-- {"outcome": "rate_limited", "retry_after": seconds}
local ckey = prefix .. 'c:' .. id
local c = redis.call('HMGET', ckey, 'status', 'json', 'article')
if not c[1] or not c[2] then
  return '{"outcome":"gone"}'
end
local rkey = prefix .. 'rp:' .. id
local old = redis.call('HGET', rkey, reporter)
if old then
  return '{"outcome":"exists","report":' .. old .. '}'
end
local author = cjson.decode(c[2]).author_id
if author == reporter then
  return '{"outcome":"own_comment"}'
end
if c[1] ~= 'published' then
  return cjson.encode({outcome = 'conflict', status = c[1]})
end

local now_s = tonumber(redis.call('TIME')[1])
local counters = {}
for count, period in string.gmatch(limits, '(%d+)/(%d+)') do
  count, period = tonumber(count), tonumber(period)
  local window = math.floor(now_s / period)
  local k = prefix .. 'rrl:' .. reporter .. ':' .. period .. ':' .. window
  if tonumber(redis.call('GET', k) or '0') >= count then
    return cjson.encode({outcome = 'rate_limited',
                         retry_after = (window + 1) * period - now_s})
  end
  counters[#counters + 1] = {k, period}
end
for _, k in ipairs(counters) do
  redis.call('INCR', k[1])
  redis.call('EXPIRE', k[1], k[2])
end

local rec = redis.call('HMGET', prefix .. 'reporter:' .. reporter, 'upheld', 'dismissed')
local upheld, dismissed = tonumber(rec[1] or '0'), tonumber(rec[2] or '0')
local w = (1 + upheld) / (1 + upheld + dismissed)

redis.call('HSET', rkey, reporter, report)
-- for the author view: reports filed by the reporter, received by the author
redis.call('HINCRBY', prefix .. 'reporter:' .. reporter, 'filed', 1)
redis.call('HINCRBY', prefix .. 'u:' .. author, 'reports_received', 1)
local nkey = prefix .. 'rpn:' .. id
local n = redis.call('HINCRBY', nkey, 'count', 1)
redis.call('HINCRBY', nkey, 'reason:' .. reason, 1)
local weight = tonumber(redis.call('HINCRBYFLOAT', nkey, 'weight', string.format('%.6f', w)))
-- the sum of sixths of a third is not exactly a whole: a millionth of slack
if weight + 1e-6 >= tonumber(threshold) then
  redis.call('ZADD', prefix .. 'reported', n, id)
end
hold = tonumber(hold)
if hold > 0 and weight + 1e-6 >= hold then
  -- held: pending again, off the article's listing, in the queue; the
  -- record says pending and has no signature (null) until a moderator decides
  local article = c[3]
  local json = c[2]
  json = string.gsub(json, '"status":"published"', '"status":"pending"', 1)
  json = string.gsub(json, '"key_id":"[^"]*"', '"key_id":null', 1)
  json = string.gsub(json, '"signature":"[^"]*"', '"signature":null', 1)
  redis.call('HSET', ckey, 'json', json, 'status', 'pending')
  redis.call('ZREM', prefix .. 'a:' .. article .. ':pub', id)
  redis.call('ZADD', prefix .. 'queue', 0, id)
  redis.call('ZADD', prefix .. 'a:' .. article .. ':queue', 0, id)
  redis.call('HINCRBY', prefix .. 'stats', 'published', -1)
  redis.call('HINCRBY', prefix .. 'stats', 'pending', 1)
end
local status_after = 'published'
if hold > 0 and weight + 1e-6 >= hold then status_after = 'pending' end
mg_event(prefix, events_cap, 'reported', id, c[3], author, status_after)
return '{"outcome":"created","report":' .. report .. '}'
