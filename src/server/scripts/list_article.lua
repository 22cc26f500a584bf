-- list_article.lua: one page of an article's published comments, oldest
-- first, after a cursor (the last id of the previous page). Ids are UUIDv7,
-- so their text order is their time order: a page boundary is a point in
-- that order, and comments added meanwhile never shift it.
--
-- ARGV: 1 key prefix, 2 article_id, 3 after-id or "", 4 limit
-- Returns {total, more (0|1), id1, json1, id2, json2, ...}
local p, article, after, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local index = p .. 'a:' .. article .. ':pub'
local min = '-'
if after ~= '' then
  min = '(' .. after
end
local ids = redis.call('ZRANGEBYLEX', index, min, '+', 'LIMIT', 0, limit + 1)
local more = 0
if #ids > limit then
  more = 1
  ids[#ids] = nil
end
local out = {redis.call('ZCARD', index), more}
for _, id in ipairs(ids) do
  local json = redis.call('HGET', p .. 'c:' .. id, 'json')
  if json then
    out[#out + 1] = id
    out[#out + 1] = json
  end
end
return out
