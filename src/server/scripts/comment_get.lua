-- comment_get.lua: one comment's record as moderators see it: the stored
-- record with its unsigned `meta` added, the client's address and user
-- agent from c:ID:addr (submit.lua writes it, with an expiry of
-- privacy.ip_retention_s; once Redis has erased it both are null). A
-- record the site sent neither for (its hash has no `addr` flag) has no
-- meta. The site's GET reads the record alone and never sees them.
--
-- args: prefix id
--
-- Returns the record JSON with "meta" as its last member, or nil when no
-- comment has this id.
local record = redis.call('HMGET', prefix .. 'c:' .. id, 'json', 'addr')
local json = record[1]
if not json then
  return false
end
if record[2] ~= '1' then
  return json
end
local addr = redis.call('HMGET', prefix .. 'c:' .. id .. ':addr', 'ip', 'ua')
local function value(v)
  if not v or v == '' then return cjson.null end
  return v
end
-- the record is a JSON object written compactly: its last byte is "}"
return string.sub(json, 1, -2) .. ',"meta":' ..
       cjson.encode({client_ip = value(addr[1]), user_agent = value(addr[2])}) .. '}'
