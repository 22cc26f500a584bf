-- list_articles.lua: one page of the articles that have had a published
-- comment, in id order, after a cursor (the last article id of the previous
-- page), with each one's count of published comments. submit.lua and
-- decide.lua add an article when they publish into it; an article stays
-- listed when its comments are removed (its count is then 0).
--
-- args: prefix after limit
--
-- Arguments by position: 1 key prefix, 2 after-article or "", 3 limit
-- Returns {total, more (0|1), article1, count1, article2, count2, ...}
limit = tonumber(limit)
local index = prefix .. 'articles'
local min = '-'
if after ~= '' then min = '(' .. after end
local ids = redis.call('ZRANGEBYLEX', index, min, '+', 'LIMIT', 0, limit + 1)
local more = 0
if #ids > limit then
  more = 1
  ids[#ids] = nil
end
local out = {redis.call('ZCARD', index), more}
for _, article in ipairs(ids) do
  out[#out + 1] = article
  out[#out + 1] = redis.call('ZCARD', prefix .. 'a:' .. article .. ':pub')
end
return out
