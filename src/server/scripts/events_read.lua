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
-- A cursor has expired when events after it are gone (the stream's
-- max-deleted-entry-id, Redis >= 7.0, is past it: trimmed by age or by
-- MAXLEN) or when the event after it is older than the retention: that one
-- is due to be trimmed, and the trimming runs once a minute and drops whole
-- nodes, so its age decides rather than the moment of the trim. A cursor
-- with nothing after it never expires: a client that has read everything
-- has missed nothing, however quiet the feed.
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
local last, deleted = '0-0', '0-0'
if redis.call('EXISTS', key) == 1 then
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then
      last = info[i + 1]
    elseif info[i] == 'max-deleted-entry-id' then
      deleted = info[i + 1]
    end
  end
end
local entries
if after == '' then
  entries = redis.call('XRANGE', key, string.format('%d-0', math.max(oldest, 0)), '+',
                       'COUNT', limit)
else
  if before(after, deleted) then
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
