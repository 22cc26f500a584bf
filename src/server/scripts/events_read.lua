-- events_read.lua: one page of the events feed (GET /v1/events), oldest
-- first, after a cursor, with the check that the cursor has not expired:
-- one script, so that the check and the read see the same stream.
--
-- args: prefix after limit retention_ms
--
-- Arguments by position: 1 key prefix, 2 the cursor (a stream id, checked
-- by the caller) or "" for the oldest event within the retention, 3 limit,
-- 4 events.retention_s in ms.
--
-- A cursor has expired when events after it may be gone. Redis 7.0's
-- trimming (MAXLEN by each XADD, MINID by the trim) leaves
-- max-deleted-entry-id alone (only XDEL sets it) and drops from the front
-- only, so: when entries were dropped (entries-added > length), a cursor
-- before the first entry kept (or, none kept, before the last id) has lost
-- what was between; the one event it named was dropped too, and what came
-- after it cannot be known. And when the event after the cursor is older
-- than the retention: it is due to be trimmed, and the trimming runs once a
-- minute and drops whole nodes, so its age decides rather than the moment
-- of the trim. A cursor whose event is kept and with nothing old after it
-- never expires: a client that keeps up has missed nothing.
-- Returns {"expired"} | {"ok", cursor, id1, {field, value, ...}, id2, ...}
-- where cursor is what next_cursor is when no event is returned: the
-- cursor given, or without one the stream's last id ("0-0" when none).
local key = prefix .. 'events'
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local am, as = parts(a)
  local bm, bs = parts(b)
  return am < bm or (am == bm and as < bs)
end
local t = redis.call('TIME')
local oldest = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) -
               tonumber(retention_ms)
local last, deleted, first, trimmed = '0-0', '0-0', nil, false
if redis.call('EXISTS', key) == 1 then
  local info, n = redis.call('XINFO', 'STREAM', key), {}
  for i = 1, #info, 2 do
    n[info[i]] = info[i + 1]
  end
  last = n['last-generated-id']
  deleted = n['max-deleted-entry-id'] or '0-0'
  first = n['first-entry'] and n['first-entry'][1]
  trimmed = tonumber(n['entries-added'] or 0) > tonumber(n['length'])
end
local entries
if after == '' then
  entries = redis.call('XRANGE', key, string.format('%d-0', math.max(oldest, 0)), '+',
                       'COUNT', limit)
else
  if before(after, deleted) or (trimmed and before(after, first or last)) then
    return {'expired'}
  end
  entries = redis.call('XRANGE', key, '(' .. after, '+', 'COUNT', limit)
  if #entries > 0 and parts(entries[1][1]) < oldest then
    return {'expired'}
  end
  last = after
end
local out = {'ok', last}
for _, e in ipairs(entries) do
  out[#out + 1] = e[1]
  out[#out + 1] = e[2]
end
return out
