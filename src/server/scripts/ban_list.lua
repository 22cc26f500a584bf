-- ban_list.lua: every ban in force, soonest to expire first, permanent ones
-- last; forgets index entries of bans that expired.
-- args: prefix
--
-- Arguments by position: 1 key prefix
-- Returns {kind, value, reason, by, at, until, kind, value, ...}
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', prefix .. 'bans', '-inf', '(' .. now)
local out = {}
for _, member in ipairs(redis.call('ZRANGE', prefix .. 'bans', 0, -1)) do
  local ban = redis.call('HMGET', prefix .. 'ban:' .. member, 'kind', 'value',
                         'reason', 'by', 'at', 'until')
  if ban[1] then
    for i = 1, 6 do
      out[#out + 1] = ban[i] or ''
    end
  end
end
return out
