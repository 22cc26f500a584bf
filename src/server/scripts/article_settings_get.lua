-- article_settings_get.lua: an article's mode and closing time, with Redis'
-- clock, so that every instance tells "past closes_at" the same way the
-- submit script does. An article never configured has no key: the
-- defaults, mode "open" and no closing time.
--
-- args: prefix article
--
-- Arguments by position: 1 key prefix, 2 article id
-- Returns {mode, closes_ms or "", now_ms}
local s = redis.call('HMGET', prefix .. 'a:' .. article .. ':settings', 'mode', 'closes')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
return {s[1] or 'open', s[2] or '', string.format('%.0f', now)}
