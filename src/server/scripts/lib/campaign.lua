-- lib/campaign.lua: history.campaign's question, the same for a
-- submission (submit.lua) and a check (check_history.lua, which must stay
-- in step with it): have `authors` distinct authors, this one counted,
-- sent this text since `since` (ms)? key is hist:camp:DIGEST (a sorted set
-- of authors by when they last sent it); authors is the count as text,
-- given to LIMIT as it came (a Lua number would be formatted by Redis
-- with snprintf). One command: the window's first `authors` members;
-- with this author among them the others are one fewer, and without, at
-- least as many as it takes.
local function mg_campaign_reached(key, since, author, authors)
  local recent = redis.call('ZRANGE', key, since, '+inf', 'BYSCORE', 'LIMIT', '0', authors)
  local others = #recent
  for i = 1, others do
    if recent[i] == author then
      others = others - 1
      break
    end
  end
  return others + 1 >= tonumber(authors)
end
