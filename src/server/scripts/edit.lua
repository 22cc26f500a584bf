-- edit.lua: the author's edit of one comment (PATCH /v1/comments/{id}),
-- all or nothing. The caller read the record, checked the author, the
-- status and the window on its own clock, judged the new text and built
-- the new record (signed when published); this script, in this order:
--   1. applies it only if the record is still the one the caller read (a
--      moderator's decision or another edit meanwhile: a conflict, with
--      the status the comment now has);
--   2. checks the window again on Redis' clock, so instances with skewed
--      clocks agree: created (ms) + window (ms) must not have passed;
--   3. the article's mode and the watch list, as submit.lua: closed
--      refuses, pre-moderated or watched sends a text the rules would
--      publish back to be held; a ban on the author refuses;
--   4. the author's rate limits (lib/ratelimit.lua: the states a
--      submission uses, so an edit counts as one);
--   5. keeps the record as it was served at the end of c:ID:rev, writes the
--      new one, moves the comment between the indexes of its old and new
--      status (an article's listing, the queue and its scores, the rejected
--      list with its expiry), the counts by status, and the event "edited".
-- Everything that can refuse runs before the first write.
--
-- args: prefix id old record status created window retention score norm events_cap rl_author rl_field rl_limits rl_hash rl_generation rules
-- uses: events ratelimit index mode rulestats
--
-- Arguments: the key prefix; the comment's id; the record JSON the caller
-- read (old) and the new one (record) with its status (published |
-- pending | rejected); created_at in ms; the edit window (ms); the
-- retention of rejected comments (s); the verdict's score and the
-- normalized text (the queue's sort=score and q=); the events stream's
-- length; the author's rate limit value ("" when not limited: a trusted
-- author, or no author limits), that dimension's state field prefix, its
-- limits as "interval,window,..." (ms), the generation hashes' prefix and
-- the generation (ms), as the store's prologue of submit.lua has them;
-- the ids of the rules that fired on the new text, comma-separated, or ""
-- (counted for GET /v1/stats as a submission's are, lib/rulestats.lua).
--
-- Returns {"ok"} | {"gone"} | {"conflict", current status} |
-- {"window_closed"} | {"closed"} | {"premoderated"} | {"watched"} |
-- {"banned", kind, until or ""} | {"limited", dimension, retry_after_s}
local key = prefix .. 'c:' .. id
local now = redis.call('HMGET', key, 'json', 'status', 'article', 'author')
if not now[1] then
  return {'gone'}
end
if now[1] ~= old then
  return {'conflict', now[2]}
end
-- records stored before u:AUTHOR existed have no author field
local from, article, author = now[2], now[3], now[4] or cjson.decode(old).author_id

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now_ms > tonumber(created) + tonumber(window) then
  return {'window_closed'}
end

local refusal = mg_mode_check(prefix, article, author, status, function() return now_ms end)
if refusal then
  return refusal
end
local ban = redis.call('HMGET', prefix .. 'ban:author_id:' .. author, 'kind', 'until')
if ban[1] then
  return {'banned', ban[1], ban[2] or ''}
end

local taken
if rl_author ~= '' then
  local limits = {name = 'author', field = rl_field}
  for number in string.gmatch(rl_limits, '[^,]+') do
    limits[#limits + 1] = tonumber(number)
  end
  local limited
  limited, taken = mg_rl_take({limits}, {rl_author}, rl_hash, tonumber(rl_generation), now_ms)
  if limited then
    return limited
  end
end
mg_rl_commit(taken)

-- the record as it was, then as it is
redis.call('RPUSH', key .. ':rev', old)
if status == 'pending' then
  -- the normalized text, while pending: the queue's q= reads it
  redis.call('HSET', key, 'json', record, 'status', status, 'norm', norm)
else
  redis.call('HSET', key, 'json', record, 'status', status)
end

-- out of the old status' indexes, into the new one's (a pending comment
-- stays in the queue, with its new score)
if from == 'pending' and status ~= 'pending' then
  redis.call('ZREM', prefix .. 'queue', id)
  redis.call('ZREM', prefix .. 'a:' .. article .. ':queue', id)
  redis.call('ZREM', prefix .. 'qscore', id)
  redis.call('ZREM', prefix .. 'a:' .. article .. ':qscore', id)
  redis.call('HDEL', key, 'norm')
elseif from == 'published' and status ~= 'published' then
  redis.call('ZREM', prefix .. 'a:' .. article .. ':pub', id)
end
mg_index_add(prefix, id, article, status, score)
if status == 'rejected' then
  -- kept for the same retention as what the rules reject, then gone, and
  -- its earlier revisions with it
  redis.call('ZADD', prefix .. 'rejected', 0, id)
  redis.call('EXPIRE', key, retention)
  redis.call('EXPIRE', key .. ':rev', retention)
end
if from ~= status then
  redis.call('HINCRBY', prefix .. 'stats', from, -1)
  redis.call('HINCRBY', prefix .. 'stats', status, 1)
  local user_key = prefix .. 'u:' .. author
  redis.call('HINCRBY', user_key, from, -1)
  redis.call('HINCRBY', user_key, status, 1)
  if status == 'rejected' then
    redis.call('HSET', user_key, 'rejected_at', string.format('%.0f', now_ms))
  end
end
if rules ~= '' then
  local minute = math.floor(now_ms / 60000)
  local bucket = prefix .. 'st:' .. math.floor(minute / 60)
  mg_rules_count(prefix, rules, status, bucket, ':' .. (minute % 60))
  redis.call('EXPIRE', bucket, 90000, 'NX') -- as submit.lua's first count of an hour
end
mg_event(prefix, events_cap, 'edited', id, article, author, status)
return {'ok'}
