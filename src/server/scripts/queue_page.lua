-- queue_page.lua: one page of the moderation queue (GET /v1/queue), the
-- whole queue or one article's, by age (queue, a:ARTICLE:queue: ids with
-- score 0, so in id order, oldest first) or by score (qscore,
-- a:ARTICLE:qscore: the verdict's score negated, so highest first, ties
-- oldest first), optionally filtered by a rule that fired, an author, or
-- text contained in the normalized body.
--
-- Cost: the indexes serve the order and the article; the filters (rule,
-- author, q) are not indexed: a filtered page examines at most `scan`
-- queue entries after the cursor and returns those that match, with a
-- cursor after the last one examined, so that a page may hold fewer than
-- `limit` comments, even none, and still have a next one. Every entry
-- examined costs an HMGET and, for rule or author, a cjson.decode.
--
-- A score index missing entries (comments held before it existed) is
-- rebuilt from the queue when its size differs from the queue's: once,
-- O(queue).
--
-- args: prefix article after limit sort rule author q scan meta
--
-- Arguments: 1 key prefix, 2 article id or "", 3 after-id (the cursor) or
-- "", 4 limit, 5 "age" | "score", 6 rule id or "", 7 author id or "",
-- 8 normalized text or "", 9 the most entries a filtered page examines,
-- 10 "1": add each record's meta (client_ip, user_agent; moderators), to
-- the records the site sent either for (the `addr` flag).
-- Returns {total, next id or "", id1, json1, id2, json2, ...}; total is the
-- index's size, unfiltered.
limit, scan = tonumber(limit), tonumber(scan)
local base = prefix
if article ~= '' then base = prefix .. 'a:' .. article .. ':' end
local queue = base .. 'queue'
local index = queue

local function record_score(id)
  local json = redis.call('HGET', prefix .. 'c:' .. id, 'json')
  if not json then return nil end
  return -(tonumber(cjson.decode(json).score) or 0)
end

if sort == 'score' then
  index = base .. 'qscore'
  if redis.call('ZCARD', index) ~= redis.call('ZCARD', queue) then
    redis.call('DEL', index)
    for _, id in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
      local s = record_score(id)
      if s then
        redis.call('ZADD', index, s, id)
      else
        redis.call('ZREM', queue, id) -- its record is gone
      end
    end
  end
end

local filtered = rule ~= '' or author ~= '' or q ~= ''
local want = limit + 1
if filtered then want = scan + 1 end

-- the ids after the cursor, in the page's order
local ids
if sort == 'score' then
  local start = 0
  if after ~= '' then
    local rank = redis.call('ZRANK', index, after)
    if rank then
      start = rank + 1
    else
      -- decided meanwhile: from where its score puts it, past its ties
      -- with older ids
      local s = record_score(after)
      if s then
        start = redis.call('ZCOUNT', index, '-inf', '(' .. string.format('%.17g', s))
        for _, tie in ipairs(redis.call('ZRANGE', index, s, s, 'BYSCORE')) do
          if tie < after then start = start + 1 end
        end
      end
    end
  end
  ids = redis.call('ZRANGE', index, start, start + want - 1)
else
  local min = '-'
  if after ~= '' then min = '(' .. after end
  ids = redis.call('ZRANGEBYLEX', index, min, '+', 'LIMIT', 0, want)
end

local function matches(id, json)
  if not filtered then return true end
  if q ~= '' then
    local norm = redis.call('HGET', prefix .. 'c:' .. id, 'norm')
    if not norm then
      -- held before norm was kept: the body, lower-cased, stands in
      norm = string.lower(cjson.decode(json).body or '')
    end
    if not string.find(norm, q, 1, true) then return false end
  end
  if rule == '' and author == '' then return true end
  local record = cjson.decode(json)
  if author ~= '' and record.author_id ~= author then return false end
  if rule ~= '' then
    for _, m in ipairs(record.matches or {}) do
      if m.rule == rule then return true end
    end
    return false
  end
  return true
end

local function with_meta(id, json)
  if meta ~= '1' or redis.call('HGET', prefix .. 'c:' .. id, 'addr') ~= '1' then
    return json
  end
  local addr = redis.call('HMGET', prefix .. 'c:' .. id .. ':addr', 'ip', 'ua')
  local ip, ua = addr[1], addr[2]
  if not ip or ip == '' then ip = cjson.null end
  if not ua or ua == '' then ua = cjson.null end
  return string.sub(json, 1, -2) .. ',"meta":' ..
         cjson.encode({client_ip = ip, user_agent = ua}) .. '}'
end

local out = {0, ''}
local found, examined, last = 0, 0, nil
local budget = limit
if filtered then budget = scan end
for _, id in ipairs(ids) do
  if found == limit or examined == budget then
    out[2] = last -- there is more after the last one looked at
    break
  end
  examined = examined + 1
  last = id
  local json = redis.call('HGET', prefix .. 'c:' .. id, 'json')
  if not json then
    redis.call('ZREM', queue, id)
    redis.call('ZREM', index, id)
  elseif matches(id, json) then
    found = found + 1
    out[#out + 1] = id
    out[#out + 1] = with_meta(id, json)
  end
end
out[1] = redis.call('ZCARD', queue)
return out
