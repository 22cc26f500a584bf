-- revisions.lua: a comment's record and its earlier revisions
-- (GET /v1/comments/{id}/revisions): edit.lua keeps each record it
-- replaces, as it was served, at the end of c:ID:rev, so the list is
-- oldest first.
--
-- args: prefix id
--
-- Returns {record JSON, earlier JSON...}, or nil when no comment has this id.
local key = prefix .. 'c:' .. id
local json = redis.call('HGET', key, 'json')
if not json then
  return false
end
local out = {json}
for _, earlier in ipairs(redis.call('LRANGE', key .. ':rev', 0, -1)) do
  out[#out + 1] = earlier
end
return out
