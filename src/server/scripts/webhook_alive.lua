-- webhook_alive.lua: this instance's webhook consumer is alive for
-- alive_ms more (the 1 s heartbeat while a delivery waits on a receiver or
-- a backoff); another instance claims its pending deliveries only once the
-- key is gone (webhook_take.lua). With alive_ms "0" the key is deleted:
-- a graceful stop, so the others claim at once.
--
-- args: prefix consumer alive_ms
local key = prefix .. 'wh:alive:' .. consumer
if alive_ms == '0' then
  return redis.call('DEL', key)
end
redis.call('SET', key, '1', 'PX', alive_ms)
return 1
