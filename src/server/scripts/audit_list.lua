-- audit_list.lua: one page of the audit log, newest first, after a cursor
-- (the stream id of the last entry of the previous page).
--
-- args: prefix after limit
--
-- Arguments by position: 1 key prefix, 2 after stream id or "", 3 limit
-- Returns {more (0|1), id1, {field, value, ...}, id2, ...}
limit = tonumber(limit)
local max = '+'
if after ~= '' then max = '(' .. after end
local entries = redis.call('XREVRANGE', prefix .. 'audit', max, '-', 'COUNT', limit + 1)
local more = 0
if #entries > limit then
  more = 1
  entries[#entries] = nil
end
local out = {more}
for _, e in ipairs(entries) do
  out[#out + 1] = e[1]
  out[#out + 1] = e[2]
end
return out
