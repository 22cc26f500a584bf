-- stats.lua: what GET /v1/stats reports, as one JSON object: comments by
-- status, the queue's depth and oldest id, submissions and rule hits over
-- the last 60 minutes and the last day (the current hour and the 23 before
-- it), and each rule's totals.
--
-- submit.lua counts into one hash per hour, st:HOUR (hours since the
-- epoch), with a field per minute of it: n:MM for submissions, r:RULE:MM
-- for each rule that fired. rulestats holds, per rule, RULE:fired,
-- RULE:held, RULE:rejected (submit.lua) and RULE:overturned (decide.lua).
--
-- args: prefix
--
-- Arguments by position: 1 key prefix
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local minute, hour = math.floor(now / 60000), math.floor(now / 3600000)

local function pairs_of(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = tonumber(flat[i + 1]) end
  return t
end

-- the last 60 minutes, and the current hour and the 23 before it
local sub_hour, hits_hour, sub_day, hits_day = 0, {}, 0, {}
for h = hour - 23, hour do
  local bucket = pairs_of(redis.call('HGETALL', prefix .. 'st:' .. h))
  for field, n in pairs(bucket) do
    local rule, mm = string.match(field, '^r:(.+):(%d+)$')
    if not rule then mm = string.match(field, '^n:(%d+)$') end
    if mm then
      local recent = h * 60 + tonumber(mm) > minute - 60
      if rule then
        hits_day[rule] = (hits_day[rule] or 0) + n
        if recent then hits_hour[rule] = (hits_hour[rule] or 0) + n end
      else
        sub_day = sub_day + n
        if recent then sub_hour = sub_hour + n end
      end
    end
  end
end

local rules = {}
for field, n in pairs(pairs_of(redis.call('HGETALL', prefix .. 'rulestats'))) do
  local rule, what = string.match(field, '^(.*):([a-z]+)$')
  if rule then
    rules[rule] = rules[rule] or {fired = 0, held = 0, rejected = 0, overturned = 0}
    rules[rule][what] = n
  end
end
for rule, n in pairs(hits_hour) do
  rules[rule] = rules[rule] or {fired = 0, held = 0, rejected = 0, overturned = 0}
  rules[rule].hits_hour = n
end
for rule, n in pairs(hits_day) do
  rules[rule] = rules[rule] or {fired = 0, held = 0, rejected = 0, overturned = 0}
  rules[rule].hits_day = n
end

local oldest = redis.call('ZRANGE', prefix .. 'queue', 0, 0)
return cjson.encode({
  now_ms = now,
  by_status = pairs_of(redis.call('HGETALL', prefix .. 'stats')),
  queue_depth = redis.call('ZCARD', prefix .. 'queue'),
  oldest_pending_id = oldest[1] or '',
  submissions_hour = sub_hour,
  submissions_day = sub_day,
  rules = rules,
})
