-- comment_addr.lua: the address behind a comment, for a ban by comment
-- (POST /v1/bans with ip_of or subnet_of): read here and banned by the
-- server, never sent back to the moderator.
--
-- args: prefix id
--
-- Returns {"unknown"} when no comment has this id, {"expired"} when its
-- address is gone (erased after privacy.ip_retention_s, or never given),
-- else {"ip", address}.
if redis.call('EXISTS', prefix .. 'c:' .. id) == 0 then
  return {'unknown'}
end
local ip = redis.call('HGET', prefix .. 'c:' .. id .. ':addr', 'ip')
if not ip or ip == '' then
  return {'expired'}
end
return {'ip', ip}
