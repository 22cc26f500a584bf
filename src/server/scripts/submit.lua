-- submit.lua: one comment submission, atomically: the idempotency check,
-- the parent check, the record and its index, the counters, and the
-- idempotency record. Everything that can refuse runs before the first
-- write, so a refusal writes nothing.
--
-- ARGV: 1 key prefix, 2 id, 3 article_id, 4 parent_id or "", 5 status
-- (published | pending | rejected), 6 record JSON, 7 meta JSON (what the site
-- told us that the record does not show: client_ip, user_agent...),
-- 8 idempotency key or "" (already scoped to the caller), 9 request
-- fingerprint, 10 response status, 11 response body, 12 idempotency TTL (s),
-- 13 retention of rejected comments (s), 14 created_at (ms since the epoch)
--
-- Returns {"stored"} | {"replay", status, body} | {"conflict"} |
-- {"invalid_parent"}
local p, id, article, parent, status = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local idem = ARGV[8]

local idem_key
if idem ~= '' then
  idem_key = p .. 'idem:' .. idem
  local prev = redis.call('HMGET', idem_key, 'fp', 'status', 'body')
  if prev[1] then
    if prev[1] == ARGV[9] then
      return {'replay', prev[2], prev[3]}
    end
    return {'conflict'}
  end
end

if parent ~= '' then
  local parent_article = redis.call('HGET', p .. 'c:' .. parent, 'article')
  if parent_article ~= article then
    return {'invalid_parent'}
  end
end

local record_key = p .. 'c:' .. id
redis.call('HSET', record_key, 'json', ARGV[6], 'article', article,
           'status', status, 'meta', ARGV[7])
if status == 'published' then
  -- one score for all: members sort by id, and UUIDv7 ids sort by time
  redis.call('ZADD', p .. 'a:' .. article .. ':pub', 0, id)
elseif status == 'pending' then
  redis.call('ZADD', p .. 'queue', 0, id)
else
  local created, retention = tonumber(ARGV[14]), tonumber(ARGV[13])
  redis.call('ZADD', p .. 'rejected', created, id)
  redis.call('EXPIRE', record_key, retention)
  redis.call('ZREMRANGEBYSCORE', p .. 'rejected', '-inf',
             '(' .. (created - retention * 1000))
end
redis.call('HINCRBY', p .. 'stats', status, 1)

if idem_key then
  redis.call('HSET', idem_key, 'fp', ARGV[9], 'status', ARGV[10],
             'body', ARGV[11])
  redis.call('EXPIRE', idem_key, ARGV[12])
end
return {'stored'}
