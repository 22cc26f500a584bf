-- events_last.lua: the id of the events stream's newest entry, or "0-0"
-- when it has none: what the feed's waiting requests are woken by (one
-- call a tick for all of them, handle_events.c).
--
-- args: prefix
--
-- Arguments by position: 1 key prefix
-- Returns the stream id
local e = redis.call('XREVRANGE', prefix .. 'events', '+', '-', 'COUNT', 1)
if #e == 0 then
  return '0-0'
end
return e[1][1]
