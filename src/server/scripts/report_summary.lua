-- report_summary.lua: a comment's open reports as moderators see them in
-- its record: {"count": n, "reasons": {reason: n}}, or "" when it has none
-- (the record is then shown as it is stored).
--
-- args: prefix id
local flat = redis.call('HGETALL', prefix .. 'rpn:' .. id)
local count, reasons = 0, {}
for i = 1, #flat, 2 do
  local f, v = flat[i], flat[i + 1]
  if f == 'count' then count = tonumber(v)
  elseif string.sub(f, 1, 7) == 'reason:' then reasons[string.sub(f, 8)] = tonumber(v)
  end
end
if count == 0 then
  return ''
end
return cjson.encode({count = count, reasons = reasons})
