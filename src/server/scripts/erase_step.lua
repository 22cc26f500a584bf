-- erase_step.lua: one bounded step of DELETE /v1/authors/{author_id}: the
-- next `limit` comment ids of the author's index (u:AUTHOR:c, every
-- comment of the author, submit.lua), after the cursor, each made a
-- tombstone (lib/tombstone.lua) with an "erased" event; tombstones already
-- are passed over, ids whose record has expired leave the index. The
-- caller (handle_erase.c) runs steps until one comes back short, so that no
-- single call holds Redis for long (docs/operations.md, "Erasure").
--
-- args: prefix author after limit deleted_at events_cap
-- uses: events tombstone
--
-- Arguments: the key prefix; the author id; the last id of the previous
-- step or ""; the most ids to look at; the erasure's time (RFC 3339); the
-- events stream's length (events.max_len).
-- Returns {erased, last id looked at or "", done (1 | 0)}.
local index = prefix .. 'u:' .. author .. ':c'
limit = tonumber(limit)
local min = '-'
if after ~= '' then min = '(' .. after end
local ids = redis.call('ZRANGEBYLEX', index, min, '+', 'LIMIT', 0, limit)
local erased = 0
for _, id in ipairs(ids) do
  local outcome = mg_tombstone(prefix, events_cap, 'erased', id, deleted_at, author)
  if outcome == 'deleted' then
    erased = erased + 1
  elseif outcome == 'gone' then
    redis.call('ZREM', index, id)
  end
end
return {erased, ids[#ids] or '', #ids < limit and 1 or 0}
