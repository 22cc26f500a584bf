-- report_summary.lua: a comment's open reports as moderators see them in
-- its record: {"count": n, "reasons": {reason: n}} (count 0 when none).
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
  return '{"count":0,"reasons":{}}'
end
return cjson.encode({count = count, reasons = reasons})
