-- events_trim.lua: drops the events older than the retention, by Redis'
-- clock. Each instance runs it once a minute; MINID ~ drops whole nodes
-- only, so it is cheap, and running it from several instances is
-- harmless. (The stream's length is bounded by each XADD's MAXLEN.)
--
-- args: prefix retention_ms
--
-- Arguments by position: 1 key prefix, 2 events.retention_s in ms
-- Returns the number of entries dropped
local t = redis.call('TIME')
local oldest = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) -
               tonumber(retention_ms)
if oldest <= 0 then
  return 0
end
return redis.call('XTRIM', prefix .. 'events', 'MINID', '~', string.format('%d', oldest))
