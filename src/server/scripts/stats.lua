-- stats.lua: what GET /v1/stats reports, as one JSON object: comments by
-- status, the queue's depth and oldest id, submissions and rule hits over
-- the last 60 minutes (minute buckets) and the last 24 hours (hour buckets,
-- the current one included), and each rule's totals.
--
-- The buckets are hashes st:m:MINUTE and st:h:HOUR (minutes and hours since
-- the epoch, Redis' clock) that submit.lua counts into: field `n` for
-- submissions, `r:RULE` for each rule that fired. rulestats holds, per rule,
-- RULE:fired, RULE:held, RULE:rejected (submit.lua) and RULE:overturned
-- (decide.lua).
--
-- ARGV: 1 key prefix
local p = ARGV[1]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local minute, hour = math.floor(now / 60000), math.floor(now / 3600000)

local function pairs_of(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = tonumber(flat[i + 1]) end
  return t
end

local function sum(prefix, from, to)
  local total, rules = 0, {}
  for b = from, to do
    local bucket = pairs_of(redis.call('HGETALL', p .. prefix .. b))
    for field, n in pairs(bucket) do
      if field == 'n' then
        total = total + n
      else
        local rule = string.sub(field, 3)
        rules[rule] = (rules[rule] or 0) + n
      end
    end
  end
  return total, rules
end

local sub_hour, hits_hour = sum('st:m:', minute - 59, minute)
local sub_day, hits_day = sum('st:h:', hour - 23, hour)

local rules = {}
for field, n in pairs(pairs_of(redis.call('HGETALL', p .. 'rulestats'))) do
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

local oldest = redis.call('ZRANGE', p .. 'queue', 0, 0)
return cjson.encode({
  now_ms = now,
  by_status = pairs_of(redis.call('HGETALL', p .. 'stats')),
  queue_depth = redis.call('ZCARD', p .. 'queue'),
  oldest_pending_id = oldest[1] or '',
  submissions_hour = sub_hour,
  submissions_day = sub_day,
  rules = rules,
})
