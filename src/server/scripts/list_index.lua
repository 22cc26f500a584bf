-- list_index.lua: one page of comments from an index, after a cursor (the
-- last id of the previous page), oldest or newest first. Every index holds
-- ids with score 0, so it is in id order, which for UUIDv7 ids is creation
-- order: a page boundary is a point in that order, and comments added
-- meanwhile never shift it. The indexes: an article's published comments
-- (a:ARTICLE:pub), the queue of pending ones (queue, a:ARTICLE:queue) and
-- the rules-rejected ones kept for review (rejected).
--
-- args: prefix index_key after limit order retention meta
--
-- Arguments by position: 1 key prefix, 2 index key after the prefix, 3 after-id or "",
-- 4 limit, 5 "asc" | "desc", 6 retention in ms, or "" when the index keeps
-- everything: ids older than that are dropped from it first (their records
-- expire by themselves), 7 "1": add each record's unsigned meta, the
-- client's address and user agent (c:ID:addr, null once expired), as
-- moderators see it, to the records the site sent either for
-- Returns {total, more (0|1), id1, json1, id2, json2, ...}
limit = tonumber(limit)
local index = prefix .. index_key
if retention ~= '' then
  -- a UUIDv7's first 12 hex digits are its creation time in ms
  local time = redis.call('TIME')
  local cutoff = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
                 - tonumber(retention)
  local hex = string.format('%012x', cutoff)
  redis.call('ZREMRANGEBYLEX', index, '-',
             '(' .. string.sub(hex, 1, 8) .. '-' .. string.sub(hex, 9, 12))
end
local ids
if order == 'asc' then
  local min = '-'
  if after ~= '' then min = '(' .. after end
  ids = redis.call('ZRANGEBYLEX', index, min, '+', 'LIMIT', 0, limit + 1)
else
  local max = '+'
  if after ~= '' then max = '(' .. after end
  ids = redis.call('ZREVRANGEBYLEX', index, max, '-', 'LIMIT', 0, limit + 1)
end
local more = 0
if #ids > limit then
  more = 1
  ids[#ids] = nil
end
local out = {0, more}
for _, id in ipairs(ids) do
  local json = redis.call('HGET', prefix .. 'c:' .. id, 'json')
  if json then
    if meta == '1' and redis.call('HGET', prefix .. 'c:' .. id, 'addr') == '1' then
      local addr = redis.call('HMGET', prefix .. 'c:' .. id .. ':addr', 'ip', 'ua')
      local ip, ua = addr[1], addr[2]
      if not ip or ip == '' then ip = cjson.null end
      if not ua or ua == '' then ua = cjson.null end
      json = string.sub(json, 1, -2) .. ',"meta":' ..
             cjson.encode({client_ip = ip, user_agent = ua}) .. '}'
    end
    out[#out + 1] = id
    out[#out + 1] = json
  else
    redis.call('ZREM', index, id) -- its record expired
  end
end
out[1] = redis.call('ZCARD', index)
return out
