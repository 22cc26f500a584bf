-- submit.lua: one comment submission, atomically, in this order:
--   1. idempotency: a repeat of a known request gets its first response and
--      counts for nothing; the same key with another request is a conflict;
--   2. the article's mode (article_settings_put.lua writes it): closed, or
--      past its closes_at by Redis' clock, refuses; pre-moderated sends a
--      comment the rules would publish back to be held; so does an author
--      on the watch list (author_watch.lua);
--   3. bans on the author, the address, or any banned subnet holding it;
--   4. rate limits (GCRA, as redis-cell), all with Redis' own clock, so
--      instances with skewed clocks agree: every submission that gets here
--      counts against every limit, unless one refuses it;
--   5. history rules (duplicates, copy-paste campaigns, new commenters),
--      when the rule set has them;
--   6. the parent check; 7. the record, its index, the counters, the
--      author's index (u:AUTHOR, u:AUTHOR:c: GET /v1/authors/{author_id}),
--      the idempotency record, what later history checks look at.
-- Everything that can refuse runs before the first write, so a refusal
-- writes nothing but the rate limit state of a counted submission.
--
-- The limiter keeps one state per (dimension, value): the theoretical
-- arrival times of all that dimension's limits, packed together, in a hash
-- per generation, so that the states are read with one HMGET (and one more
-- for those not yet written this generation) and written with one HSET. Bans
-- are looked up with one EXISTS. Lua work is kept small (no string.format,
-- the states packed rather than printed and parsed, the limits compiled
-- into the script by the store rather than sent with every call): each
-- call, argument and formatted number costs Redis' single thread time;
-- tests/bench/submit measures the whole.
--
-- args: prefix id article parent status record meta idem fingerprint response_status response_body idem_ttl retention created author ip_hex rl_author rl_ip rl_subnet rl_article rl_global digest dup_window camp_window camp_authors new_below suspect check rules ack est_published est_clean audit_cap addr_ip addr_ua addr_ttl score norm events_cap
-- uses: events ratelimit index mode rulestats campaign
--
-- Arguments by position: 1 key prefix, 2 id, 3 article_id, 4 parent_id or "", 5 status
-- (published | pending | rejected), 6 record JSON, 7 meta JSON, 8 idempotency
-- key or "" (already scoped to the caller), 9 request fingerprint,
-- 10 response status, 11 response body ("" when it is the record, ARGV 6),
-- 12 idempotency TTL (s), 13 retention
-- of rejected comments (s), 14 created_at (ms), 15 author_id, 16 client
-- address as hex (8 digits IPv4, 32 IPv6) or "", 17-21 what each rate limit
-- dimension keys on, "" to skip it: author id, address hex, subnet
-- ("hex/prefix"), article id, "all"; 22-28 the history rules (below);
-- 29 the ids of the rules that fired, comma-separated, or ""; 30 ack ("1":
-- the store follows this call with WAIT, see the replay below); 31-32 when
-- an author is established (history.established: published comments, and
-- days in ms without a rejection; "0" off); 33 audit entries kept;
-- 34-36 the client's address and user agent ("" when not given) and how
-- long they are kept (s, privacy.ip_retention_s): they go to a key of their
-- own, c:ID:addr, that Redis expires, so that nothing has to sweep them;
-- 37 the verdict's score and 38 the normalized body, what the queue's
-- sort=score index and q= filter read (kept for pending comments only);
-- 39 the events stream's length (events.max_len): a stored comment's
-- event (published, held or rejected) is written here with it.
--
-- Returns {"stored"} | {"replay", status, body} | {"unconfirmed"} | {"conflict"} |
-- {"invalid_parent"} | {"closed"} | {"premoderated"} | {"watched"} |
-- {"banned", kind, until or ""} |
-- {"limited", dimension, retry_after_s} |
-- {"history", "duplicate" | "campaign" | "new_commenter"}

local idem_key
if idem ~= '' then
  idem_key = prefix .. 'idem:' .. idem
  local prev = redis.call('HMGET', idem_key, 'fp', 'status', 'body')
  if prev[1] then
    if prev[1] == fingerprint then
      -- WAIT counts what this connection wrote. A replay writes nothing,
      -- and on a connection made since the first answer was lost WAIT
      -- would then confirm at once: write the same value again, so that
      -- WAIT confirms the stream up to here, the first write included.
      -- Refused (min-replicas-to-write, OOM): not known to be replicated.
      if ack == '1' then
        local touched = redis.pcall('HSET', idem_key, 'fp', fingerprint)
        if type(touched) == 'table' and touched.err then
          return {'unconfirmed'}
        end
      end
      return {'replay', prev[2], prev[3]}
    end
    return {'conflict'}
  end
end

-- Redis' clock in ms, read once and only when something needs it.
local now_ms
local function clock()
  if not now_ms then
    local time = redis.call('TIME')
    now_ms = time[1] * 1000 + time[2] / 1000
  end
  return now_ms
end

-- the article's mode and the watch list (lib/mode.lua) -----------------------
-- Before bans and limits: a comment refused here counts for nothing.
local refusal = mg_mode_check(prefix, article, author, status, clock, true)
if refusal then
  return refusal
end

-- bans -----------------------------------------------------------------------
-- hex masked to a prefix of plen bits, as mg_ip_mask + mg_ip_hex write it
local function mask(hex, plen)
  local full = math.floor(plen / 4)
  local out = string.sub(hex, 1, full)
  local rest = plen % 4
  if rest > 0 then
    local nibble = tonumber(string.sub(hex, full + 1, full + 1), 16)
    out = out .. string.format('%x', bit.band(nibble, ({8, 12, 14})[rest]))
    full = full + 1
  end
  return out .. string.rep('0', #hex - full)
end

-- The watch list's key (the mode's last check, for a comment that would
-- be published) goes in the same EXISTS as the bans': one command when
-- neither holds, which is nearly always; when one does, the watch list is
-- asked alone first, so that "watched" still comes before "banned".
local watch_key = status == 'published' and prefix .. 'watch:' .. author or nil
local ban_keys = {prefix .. 'ban:author_id:' .. author}
if ip_hex ~= '' then
  ban_keys[2] = prefix .. 'ban:ip:' .. ip_hex
  local family = (#ip_hex == 8) and '4' or '6'
  for _, plen in ipairs(redis.call('SMEMBERS', prefix .. 'ban:prefixes:' .. family)) do
    ban_keys[#ban_keys + 1] = prefix .. 'ban:subnet:' .. mask(ip_hex, tonumber(plen)) .. '/' .. plen
  end
end
local flagged
if watch_key then
  flagged = redis.call('EXISTS', watch_key, unpack(ban_keys)) > 0
  if flagged and redis.call('EXISTS', watch_key) == 1 then
    return {'watched'}
  end
else
  flagged = redis.call('EXISTS', unpack(ban_keys)) > 0
end
if flagged then
  for _, key in ipairs(ban_keys) do
    local ban = redis.call('HMGET', key, 'kind', 'until')
    if ban[1] then
      return {'banned', ban[1], ban[2] or ''}
    end
  end
end

-- rate limits ----------------------------------------------------------------
-- LIMITS (the prologue modgate's store writes in front of this script from
-- its configuration) has per dimension, in the order of ARGV 17-21, its
-- name, the prefix of its state fields, and per limit the emission interval
-- (ms: period / count) and the window (ms: period); RL_HASH and
-- RL_GENERATION name the generation hashes (lib/ratelimit.lua says how).
local rl_dims, rl_values, rl_taken = {}, {}, nil
for d = 1, 5 do
  local limits = LIMITS[d]
  if limits then
    -- the d-th of the dimensions' values, without a table per call
    local value = select(d, rl_author, rl_ip, rl_subnet, rl_article, rl_global)
    if value ~= '' then
      rl_dims[#rl_dims + 1] = limits
      rl_values[#rl_values + 1] = value
    end
  end
end
if #rl_dims > 0 then
  local limited
  limited, rl_taken = mg_rl_take(rl_dims, rl_values, RL_HASH, RL_GENERATION, clock())
  if limited then
    return limited
  end
end

-- history ----------------------------------------------------------------------
-- ARGV 22 the normalized body's digest ("" when the rule set has no history
-- rules), 23 the duplicate window (ms, 0 off), 24 the campaign window (ms,
-- 0 off), 25 the campaign's distinct authors, 26 the new commenters'
-- threshold of published comments (0 off), 27 suspect ("1": a scoring rule
-- fired or there is a link), 28 check ("1": decide; "0": the caller already
-- applied a history verdict, only record). A history verdict returns before
-- any write, the rate limits included: the caller sends the submission
-- again with its new status and check "0", and that call counts.
-- the windows' text kept for the writes below: a number given to
-- redis.call is formatted with snprintf on every call (and the constants
-- below are written as text for the same reason)
local dup_px, camp_px = dup_window, camp_window
dup_window, camp_window = tonumber(dup_window), tonumber(camp_window)
new_below = tonumber(new_below) -- camp_authors stays text: lib/campaign.lua
local dup_key = prefix .. 'hist:dup:' .. author .. ':' .. digest
local camp_key = prefix .. 'hist:camp:' .. digest
local pub_key = prefix .. 'hist:pub:' .. author
-- history.established: est_published published comments (as u:AUTHOR
-- counts them, approvals included) and no rejection for est_clean ms; such
-- an author skips history.new_commenter. Read before this comment counts.
est_published, est_clean = tonumber(est_published), tonumber(est_clean)
-- 'first' too, read here so that the author's fields are written below
-- with one HSET (a read costs Redis about half what a write does).
local user_key = prefix .. 'u:' .. author
local established, was_established = false, nil
local u = redis.call('HMGET', user_key, 'first', 'published', 'rejected_at', 'est')
local first_seen = u[1]
if est_published > 0 then
  local last_rejected = tonumber(u[3] or '')
  established = tonumber(u[2] or '0') >= est_published and
                (not last_rejected or clock() - last_rejected >= est_clean)
  was_established = u[4] == '1'
end
if digest ~= '' and check == '1' and status ~= 'rejected' then
  if dup_window > 0 and redis.call('EXISTS', dup_key) == 1 then
    return {'history', 'duplicate'}
  end
  if status == 'published' and camp_window > 0 then
    if mg_campaign_reached(camp_key, clock() - camp_window, author, camp_authors) then
      return {'history', 'campaign'}
    end
  end
  if status == 'published' and new_below > 0 and suspect == '1' and not established then
    local published = tonumber(redis.call('GET', pub_key) or '0')
    if published < new_below then
      return {'history', 'new_commenter'}
    end
  end
end

mg_rl_commit(rl_taken)

-- the comment ----------------------------------------------------------------
if parent ~= '' then
  local parent_article = redis.call('HGET', prefix .. 'c:' .. parent, 'article')
  if parent_article ~= article then
    return {'invalid_parent'}
  end
end

local record_key = prefix .. 'c:' .. id
-- a field and its value onto the end of an HSET's arguments
local function add_field(args, name, value)
  local n = #args
  args[n + 1], args[n + 2] = name, value
end
local fields = {'json', record, 'article', article, 'status', status, 'meta', meta,
                'author', author}
if idem_key then
  -- the stored answer holds the record: a deletion (lib/tombstone.lua)
  -- finds it here
  add_field(fields, 'idem', idem_key)
end
if status == 'pending' then
  -- the normalized text, while pending: the queue's q= reads it
  add_field(fields, 'norm', norm)
end
local has_addr = addr_ip ~= '' or addr_ua ~= ''
if has_addr then
  -- the record says the site sent them: meta then shows them, or null
  -- once erased; a record without has no meta at all
  add_field(fields, 'addr', '1')
end
redis.call('HSET', record_key, unpack(fields))
mg_index_add(prefix, id, article, status, score)
if status == 'rejected' then
  -- in id order like every index; ids older than the retention leave it
  -- (a UUIDv7's first 12 hex digits are its time in ms) as their records
  -- expire
  redis.call('ZADD', prefix .. 'rejected', '0', id)
  redis.call('EXPIRE', record_key, retention)
  local hex = string.format('%012x', tonumber(created) - tonumber(retention) * 1000)
  redis.call('ZREMRANGEBYLEX', prefix .. 'rejected', '-',
             '(' .. string.sub(hex, 1, 8) .. '-' .. string.sub(hex, 9, 12))
end
if has_addr then
  local addr_key = record_key .. ':addr'
  redis.call('HSET', addr_key, 'ip', addr_ip, 'ua', addr_ua)
  redis.call('EXPIRE', addr_key, addr_ttl)
end
redis.call('HINCRBY', prefix .. 'stats', status, '1')
mg_event(prefix, events_cap,
         ({published = 'published', pending = 'held'})[status] or 'rejected',
         id, article, author, status)

-- the author's index: first and last seen (ms), comments by status (decide.lua
-- moves them), the last rejection, and their comment ids (by id, so by
-- time): GET /v1/authors/{author_id} reads a page of them
local seen = now_ms or tonumber(created)
local seen_text = string.format('%.0f', seen)
-- one HSET: first (when the HMGET above found none), last, the last
-- rejection, and whether the author is established (below)
local user = {'last', seen_text}
if not first_seen then
  user = {'first', seen_text, 'last', seen_text}
end
if status == 'rejected' then
  add_field(user, 'rejected_at', seen_text)
end
local est_changed = was_established ~= nil and established ~= was_established
if est_changed then
  add_field(user, 'est', established and '1' or '0')
end
redis.call('HSET', user_key, unpack(user))
redis.call('HINCRBY', user_key, status, '1')
-- every one of them, uncapped: erasing an author (erase_step.lua) walks it
redis.call('ZADD', user_key .. ':c', '0', id)
-- an author who became (or stopped being) established, as this submission
-- found them, goes in the audit log once per change
if est_changed then
  redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
             'at', seen_text, 'moderator', 'modgate',
             'action', established and 'established' or 'not_established',
             'target', 'author_id:' .. author,
             'reason', 'history.established: ' .. est_published ..
             ' published, no rejection in ' .. math.floor(est_clean / 86400000) .. ' days')
end

-- what GET /v1/stats sums (stats.lua): one hash per hour, st:HOUR, with a
-- field per minute, n:MM, and per rule and minute, r:RULE:MM; one HINCRBY
-- a submission (and one a rule that fired). Its time is Redis' when the
-- limiter read it, else this instance's clock: skewed clocks move a
-- submission by a minute at worst, and no TIME call is spent on it.
local minute = math.floor((now_ms or tonumber(created)) / 60000)
local bucket = prefix .. 'st:' .. math.floor(minute / 60)
local mm = ':' .. (minute % 60)
if redis.call('HINCRBY', bucket, 'n' .. mm, '1') == 1 then
  redis.call('EXPIRE', bucket, '90000') -- the day's 24 hours, and a margin
end
mg_rules_count(prefix, rules, status, bucket, mm)

-- what later submissions' history rules look at
if digest ~= '' then
  if dup_window > 0 then
    redis.call('SET', dup_key, '1', 'PX', dup_px)
  end
  if camp_window > 0 then
    local now = clock()
    redis.call('ZADD', camp_key, now, author)
    redis.call('ZREMRANGEBYSCORE', camp_key, '-inf', '(' .. (now - camp_window))
    redis.call('PEXPIRE', camp_key, camp_px)
  end
  if status == 'published' then
    -- a year without publishing makes an author new again
    redis.call('INCR', pub_key)
    redis.call('EXPIRE', pub_key, '31536000')
  end
end

if idem_key then
  local body = response_body
  if body == '' then body = record end
  redis.call('HSET', idem_key, 'fp', fingerprint, 'status', response_status,
             'body', body)
  redis.call('EXPIRE', idem_key, idem_ttl)
end
return {'stored'}
