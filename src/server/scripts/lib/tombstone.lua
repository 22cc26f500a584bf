-- lib/tombstone.lua: a comment made a tombstone, in place, by the script
-- that calls it (delete.lua: its author deletes it; erase_step.lua: a
-- batch of an author's comments erased). Comes after lib/events.lua
-- ("-- uses: events tombstone"): it writes the change's event.
--
-- The tombstone keeps what a thread needs (id, article_id, parent_id,
-- created_at) and the author's id, which is the site's own pseudonymous id
-- and what makes a repeated erasure find the same comments again; the
-- body, the author's name, the signature, the score and matches, the
-- decision, the address and user agent (c:ID:addr), meta, the normalized
-- body, earlier revisions (c:ID:rev), the comment's reports and the body
-- kept for an idempotent retry are erased. It leaves every list (the
-- article's listing, the queue, rejected, reported) and the counts by
-- status (stats, u:AUTHOR) move to "deleted". A rejected comment's
-- tombstone keeps the record's expiry: it goes when the record would have.
--
-- mg_tombstone(prefix, cap, kind, id, deleted_at, author) -> "deleted"
-- (made now, with an event of type kind), "already" (a tombstone before:
-- nothing written, no event), "not_author" (author is not the comment's),
-- "gone" (no such comment, or its record has expired).
local function mg_tombstone_json(r, deleted_at)
  local function text(v)
    if v == nil or v == cjson.null then return 'null' end
    return cjson.encode(v)
  end
  -- the members in the order of every record (record.c), status then
  -- deleted_at (edited_at and revision kept: how often it changed);
  -- written by hand because cjson keeps no order
  return '{"id":' .. text(r.id) .. ',"article_id":' .. text(r.article_id) ..
         ',"author_id":' .. text(r.author_id) .. ',"author_name":null,"body":null' ..
         ',"parent_id":' .. text(r.parent_id) .. ',"created_at":' .. text(r.created_at) ..
         ',"edited_at":' .. text(r.edited_at) ..
         ',"revision":' .. string.format('%d', tonumber(r.revision) or 1) ..
         ',"status":"deleted","deleted_at":' .. text(deleted_at) ..
         ',"score":0,"matches":[],"key_id":null,"signature":null' ..
         ',"rules_version":' .. text(r.rules_version) .. ',"decision":null}'
end

local function mg_tombstone(prefix, cap, kind, id, deleted_at, author)
  local key = prefix .. 'c:' .. id
  local c = redis.call('HMGET', key, 'json', 'status', 'idem')
  if not c[1] then return 'gone' end
  local r = cjson.decode(c[1])
  if r.author_id ~= author then return 'not_author' end
  local status = c[2]
  if status == 'deleted' then return 'already' end
  local article = r.article_id
  local tomb = mg_tombstone_json(r, deleted_at)
  redis.call('HSET', key, 'json', tomb, 'status', 'deleted')
  redis.call('HDEL', key, 'meta', 'norm', 'addr', 'idem')
  -- out of the list its status put it in
  if status == 'published' then
    redis.call('ZREM', prefix .. 'a:' .. article .. ':pub', id)
  elseif status == 'pending' then
    redis.call('ZREM', prefix .. 'queue', id)
    redis.call('ZREM', prefix .. 'a:' .. article .. ':queue', id)
    redis.call('ZREM', prefix .. 'qscore', id)
    redis.call('ZREM', prefix .. 'a:' .. article .. ':qscore', id)
  elseif status == 'rejected' then
    redis.call('ZREM', prefix .. 'rejected', id)
  end
  -- readers' reports go with the body they were about; the author's
  -- reports received stop counting them as open
  local reports = prefix .. 'rp:' .. id
  local reporters = redis.call('HLEN', reports)
  if reporters > 0 then
    redis.call('ZREM', prefix .. 'reported', id)
    redis.call('HINCRBY', prefix .. 'u:' .. author, 'reports_received', -reporters)
  end
  redis.call('DEL', key .. ':addr', key .. ':rev', reports, prefix .. 'rpn:' .. id)
  -- an idempotent retry's stored answer: a 201's or 202's record (as it
  -- was then, perhaps decided since) becomes the tombstone; any other
  -- answer (a 422's matches) is dropped
  if c[3] then
    local answer = redis.call('HGET', c[3], 'status')
    if answer == '201' or answer == '202' then
      redis.call('HSET', c[3], 'body', tomb)
    elseif answer then
      redis.call('DEL', c[3])
    end
  end
  redis.call('HINCRBY', prefix .. 'stats', status, -1)
  redis.call('HINCRBY', prefix .. 'stats', 'deleted', 1)
  redis.call('HINCRBY', prefix .. 'u:' .. author, status, -1)
  redis.call('HINCRBY', prefix .. 'u:' .. author, 'deleted', 1)
  mg_event(prefix, cap, kind, id, article, author, 'deleted')
  return 'deleted'
end
