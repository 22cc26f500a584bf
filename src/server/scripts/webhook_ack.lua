-- webhook_ack.lua: the outcome of one POST of a batch to webhook GID, in
-- the webhook's state hash PREFIXwh:GID (url, its secrets redacted; last_success_at,
-- last_error_at, last_error, delivered, failed), read by GET /v1/webhooks.
--
-- args: prefix gid outcome ids comments at url error failed_cap
--
-- outcome "delivered": the entries `ids` (comma-separated) are acknowledged
-- in the group wh:GID and counted; "failed" (retried past
-- events.webhook_max_age_s): acknowledged too, counted, the error kept,
-- and their ids added to the capped stream PREFIXwh:GID:failed; "error":
-- one attempt failed and will be retried: only the error is kept.
-- `comments` are the entries' comments, in the same order: an owner entry
-- (webhook_take.lua) whose last id is acknowledged here is cleared.
local stream = prefix .. 'events'
local group = 'wh:' .. gid
local state = prefix .. 'wh:' .. gid
redis.call('HSET', state, 'url', url)
if outcome == 'error' then
  redis.call('HSET', state, 'last_error_at', at, 'last_error', error)
  return 0
end

local list, owners = {}, {}
for id in string.gmatch(ids, '[^,]+') do list[#list + 1] = id end
for c in string.gmatch(comments, '[^,]+') do owners[#owners + 1] = c end
if #list == 0 then return 0 end
redis.call('XACK', stream, group, unpack(list))
local owner = state .. ':owner'
for i, id in ipairs(list) do
  local c = owners[i]
  local o = c and redis.call('HGET', owner, c)
  if o and string.sub(o, -(#id + 1)) == '|' .. id then
    redis.call('HDEL', owner, c)
  end
end
if outcome == 'delivered' then
  redis.call('HSET', state, 'last_success_at', at)
  redis.call('HINCRBY', state, 'delivered', #list)
else
  redis.call('HSET', state, 'last_error_at', at, 'last_error', error)
  redis.call('HINCRBY', state, 'failed', #list)
  redis.call('XADD', state .. ':failed', 'MAXLEN', '~', failed_cap, '*', 'ids', ids)
end
return #list
