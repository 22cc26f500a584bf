-- webhook_info.lua: what GET /v1/webhooks shows of each webhook: for each
-- gid of `gids` (comma-separated), {lag, pending, last_success_at,
-- last_error_at, last_error, delivered, failed}. lag is the group's
-- entries not yet read (XINFO GROUPS; -1 when Redis cannot tell),
-- pending those read and not yet acknowledged; the rest is the state
-- hash webhook_ack.lua writes ("" when never written).
--
-- args: prefix gids
local groups = redis.pcall('XINFO', 'GROUPS', prefix .. 'events')
if groups.err then groups = {} end
local out = {}
for gid in string.gmatch(gids, '[^,]+') do
  local lag, pending = 0, 0
  for _, g in ipairs(groups) do
    local info = {}
    for i = 1, #g, 2 do info[g[i]] = g[i + 1] end
    if info['name'] == 'wh:' .. gid then
      lag = info['lag'] or -1
      pending = info['pending'] or 0
    end
  end
  local s = redis.call('HMGET', prefix .. 'wh:' .. gid, 'last_success_at',
                       'last_error_at', 'last_error', 'delivered', 'failed')
  out[#out + 1] = {lag, pending, s[1] or '', s[2] or '', s[3] or '', s[4] or '0', s[5] or '0'}
end
return out
