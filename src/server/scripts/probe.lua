-- probe.lua: the store's liveness probe and Redis' clock (mg_store_time);
-- running it proves the connection, the script cache and the server loop.
return redis.call('TIME')
