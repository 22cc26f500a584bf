-- lib/index.lua: a comment into the indexes of its status, as submit.lua
-- stores a new one and edit.lua moves an edited one (a rejected one is
-- each script's own: its expiry and pruning differ). A pending comment's
-- normalized text (field norm of its record, what the queue's q= reads)
-- is the caller's to write, in the one HSET it writes the record with:
-- each command a script calls costs Redis about as much as a small
-- command sent alone (docs/operations.md, "Redis per submission").
local function mg_index_add(prefix, id, article, status, score)
  -- the scores as text: a Lua number is formatted (snprintf) on every call
  if status == 'published' then
    -- one score for all: members sort by id, and UUIDv7 ids sort by time
    redis.call('ZADD', prefix .. 'a:' .. article .. ':pub', '0', id)
    redis.call('ZADD', prefix .. 'articles', '0', article)
  elseif status == 'pending' then
    redis.call('ZADD', prefix .. 'queue', '0', id)
    redis.call('ZADD', prefix .. 'a:' .. article .. ':queue', '0', id)
    -- highest score first, ties oldest first: the score negated (queue_page.lua)
    redis.call('ZADD', prefix .. 'qscore', -tonumber(score), id)
    redis.call('ZADD', prefix .. 'a:' .. article .. ':qscore', -tonumber(score), id)
  end
end
