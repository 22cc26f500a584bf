-- report_list.lua: one page of GET /v1/reported: the comments whose
-- reports reached the threshold, most reports first (ties: newest id
-- first). The cursor is the last id of the previous page; the page goes
-- on from where that id stands now (it may have moved as reports came in).
--
-- args: prefix after limit
--
-- Returns {total, more (0|1), last id or "", items JSON array text}; each
-- item {"comment": record, "reports": {count, weight, reasons, reporters}};
-- the record carries its unsigned meta (the client's address and user
-- agent, c:ID:addr, null once expired), as in the queue (list_index.lua):
-- this list is the moderators' only.
-- An id whose record expired leaves the list, and its reports go.
limit = tonumber(limit)
local key = prefix .. 'reported'
local start = 0
if after ~= '' then
  local r = redis.call('ZREVRANK', key, after)
  if r then start = r + 1 end
end
local ids = redis.call('ZREVRANGE', key, start, start + limit)
local more = 0
if #ids > limit then
  more = 1
  ids[#ids] = nil
end
local items, last = {}, ''
for _, id in ipairs(ids) do
  local rec = redis.call('HMGET', prefix .. 'c:' .. id, 'json', 'addr')
  local json = rec[1]
  if json then
    if rec[2] == '1' then
      local addr = redis.call('HMGET', prefix .. 'c:' .. id .. ':addr', 'ip', 'ua')
      json = string.sub(json, 1, -2) .. ',"meta":' .. cjson.encode({
        client_ip = (addr[1] and addr[1] ~= '') and addr[1] or cjson.null,
        user_agent = (addr[2] and addr[2] ~= '') and addr[2] or cjson.null}) .. '}'
    end
    local flat = redis.call('HGETALL', prefix .. 'rpn:' .. id)
    local count, weight, reasons = 0, 0, {}
    for i = 1, #flat, 2 do
      local f, v = flat[i], flat[i + 1]
      if f == 'count' then count = tonumber(v)
      elseif f == 'weight' then weight = math.floor(tonumber(v) * 1000 + 0.5) / 1000
      elseif string.sub(f, 1, 7) == 'reason:' then reasons[string.sub(f, 8)] = tonumber(v)
      end
    end
    local reporters = redis.call('HKEYS', prefix .. 'rp:' .. id)
    table.sort(reporters)
    items[#items + 1] = '{"comment":' .. json .. ',"reports":' ..
      cjson.encode({count = count, weight = weight, reasons = reasons,
                    reporters = reporters}) .. '}'
    last = id
  else
    redis.call('ZREM', key, id)
    redis.call('DEL', prefix .. 'rp:' .. id, prefix .. 'rpn:' .. id)
  end
end
return {redis.call('ZCARD', key), more, last, '[' .. table.concat(items, ',') .. ']'}
