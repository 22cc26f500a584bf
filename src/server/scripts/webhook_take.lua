-- webhook_take.lua: the next batch one instance (consumer) delivers to one
-- webhook (the consumer group wh:GID on PREFIXevents), keeping each
-- comment's events in order across instances (docs/architecture.md
-- "Webhooks").
--
-- args: prefix gid consumer batch alive_ms types
--
-- 1. This consumer is alive for alive_ms (PREFIXwh:alive:CONSUMER; a 1 s
--    heartbeat, webhook_alive.lua, keeps it so while a delivery waits).
-- 2. The group is made when missing (at the stream's end, MKSTREAM).
-- 3. Every consumer of the group whose liveness key is gone (a stopped or
--    killed instance) has its pending entries claimed here, whole, with
--    the comments it owned; then it is deleted from the group.
-- 4. New entries are read: a type not in `types` (",published,held,") is
--    acknowledged at once; an entry of a comment another live consumer
--    owns (it holds an earlier event of that comment, not yet delivered)
--    is handed to that consumer, so a comment's events are delivered by
--    one consumer, in order; otherwise this one owns the comment.
--    PREFIXwh:GID:owner maps comment -> "consumer|last entry id".
-- 5. Returns {more, id, type, comment, article, author, status, ...}: up
--    to `batch` of this consumer's pending entries in stream order; more
--    is 1 when the read in 4 filled the batch (take again at once).
local stream = prefix .. 'events'
local group = 'wh:' .. gid
local owner = prefix .. 'wh:' .. gid .. ':owner'
local n = tonumber(batch)

redis.call('SET', prefix .. 'wh:alive:' .. consumer, '1', 'PX', alive_ms)

local function alive(c)
  return c == consumer or redis.call('EXISTS', prefix .. 'wh:alive:' .. c) == 1
end

-- a flat {k1, v1, k2, v2} reply's value of k
local function field(flat, k)
  if not flat then return nil end
  for i = 1, #flat, 2 do
    if flat[i] == k then return flat[i + 1] end
  end
  return nil
end

local consumers = redis.pcall('XINFO', 'CONSUMERS', stream, group)
if consumers.err then
  redis.pcall('XGROUP', 'CREATE', stream, group, '$', 'MKSTREAM')
  consumers = {}
end

-- 3. a dead consumer's pending entries become this one's
local function take_over(dead)
  for _ = 1, 100 do
    local pel = redis.call('XPENDING', stream, group, '-', '+', 100, dead)
    if #pel == 0 then
      redis.call('XGROUP', 'DELCONSUMER', stream, group, dead)
      return
    end
    local ids = {}
    for i, p in ipairs(pel) do ids[i] = p[1] end
    local claimed = redis.call('XCLAIM', stream, group, consumer, 0, unpack(ids))
    for _, e in ipairs(claimed) do
      local comment = field(e[2], 'comment')
      local o = comment and redis.call('HGET', owner, comment)
      if o and string.sub(o, 1, #dead + 1) == dead .. '|' then
        redis.call('HSET', owner, comment, consumer .. string.sub(o, #dead + 1))
      end
    end
  end
end

for _, c in ipairs(consumers) do
  local name = field(c, 'name')
  if name and not alive(name) then take_over(name) end
end

-- 4. new entries
local own = redis.call('XPENDING', stream, group, '-', '+', n, consumer)
local more = 0
if #own < n then
  local want = n - #own
  local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', want,
                       'STREAMS', stream, '>')
  local entries = r and r[1] and r[1][2] or {}
  if #entries == want then more = 1 end
  for _, e in ipairs(entries) do
    local id, f = e[1], e[2]
    local kind, comment = field(f, 'type'), field(f, 'comment')
    if not kind or not comment or not string.find(types, ',' .. kind .. ',', 1, true) then
      redis.call('XACK', stream, group, id)
    else
      local o = redis.call('HGET', owner, comment)
      local oc = o and string.match(o, '^(.*)|')
      if oc and oc ~= consumer and alive(oc) then
        redis.call('XCLAIM', stream, group, oc, 0, id, 'JUSTID')
        redis.call('HSET', owner, comment, oc .. '|' .. id)
      else
        redis.call('HSET', owner, comment, consumer .. '|' .. id)
      end
    end
  end
end

-- 5. this consumer's pending entries, oldest first
local out = {more}
local r = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', n,
                     'STREAMS', stream, '0')
for _, e in ipairs(r and r[1] and r[1][2] or {}) do
  local f = e[2]
  if not f or not field(f, 'type') then
    redis.call('XACK', stream, group, e[1]) -- trimmed away: nothing to send
  else
    for _, v in ipairs({e[1], field(f, 'type'), field(f, 'comment'), field(f, 'article'),
                        field(f, 'author') or '', field(f, 'status') or ''}) do
      out[#out + 1] = v
    end
  end
end
return out
