-- lib/rulestats.lua: the rules that fired on a text stored now, counted for
-- GET /v1/stats (stats.lua): per rule and minute in the hour's hash
-- (bucket, field r:RULE:MM), and per rule in rulestats (RULE:fired, and
-- RULE:held or RULE:rejected by the status the text got). submit.lua
-- counts each submission and edit.lua each edit: a rule counts each time
-- it judges a text, as decide.lua's RULE:overturned counts each time a
-- moderator overturns it, so overturned never outgrows fired.
--
-- mg_rules_count(prefix, rules, status, bucket, mm): rules the ids,
-- comma-separated ("" none); mm ":MM", the minute of the hour.
local function mg_rules_count(prefix, rules, status, bucket, mm)
  if rules == '' then return end
  local verdict = ({pending = ':held', rejected = ':rejected'})[status]
  for rule in string.gmatch(rules, '[^,]+') do
    -- '1', not 1: Redis formats a Lua number with snprintf on every call
    redis.call('HINCRBY', bucket, 'r:' .. rule .. mm, '1')
    redis.call('HINCRBY', prefix .. 'rulestats', rule .. ':fired', '1')
    if verdict then
      redis.call('HINCRBY', prefix .. 'rulestats', rule .. verdict, '1')
    end
  end
end
