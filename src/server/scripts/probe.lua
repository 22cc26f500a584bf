-- probe.lua: the store's liveness probe and Redis' clock (mg_store_time);
-- running it proves the connection, the script cache and the server loop.
-- args: prefix?
--
-- With a key prefix, also the moderation queue's depth and its
-- oldest id, which /metrics exports (once a second is fresh enough for an
-- alert and costs Redis two cheap commands).
-- Returns TIME's {seconds, microseconds}, then {depth, oldest id or ""}.
local time = redis.call('TIME')
if prefix then
  local queue = prefix .. 'queue'
  local oldest = redis.call('ZRANGE', queue, 0, 0)
  return {time[1], time[2], redis.call('ZCARD', queue), oldest[1] or ''}
end
return time
