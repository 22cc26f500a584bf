-- check_history.lua: the history rules of submit.lua (its "history" block)
-- for POST /v1/check: the same conditions, in the same order, on the same
-- keys, but read-only. It runs no write command at all: no record, no rate
-- limit state, no history, so a check changes nothing that a later
-- submission (or check) sees. Change it together with submit.lua's block.
--
-- args: prefix author digest dup_window camp_window camp_authors new_below suspect status est_published est_clean
-- uses: campaign
--
-- Arguments by position: 1 key prefix, 2 author_id, 3 the normalized body's digest, 4 the
-- duplicate window (ms, 0 off: also for a body shorter than its min_chars),
-- 5 the campaign window (ms, 0 off, likewise), 6 the campaign's distinct
-- authors, 7 the new commenters' threshold of published comments (0 off),
-- 8 suspect ("1"), 9 the status the other rules give (published | pending |
-- rejected), 10-11 history.established (published comments, clean ms;
-- "0" off): an established author skips new_commenter, as in submit.lua.
--
-- Returns one word per rule, in the order duplicate, campaign,
-- new_commenter: "off" (its window or threshold is 0), "rejected" (the
-- comment is rejected already: a submission checks no history then),
-- "held" (it is held already, and the rule could only hold it), "passed"
-- or "fired". A submission stops at the first rule that fires, with the
-- stricter status; so does this, which is why a rule that fires changes
-- the status the ones after it see.
dup_window, camp_window = tonumber(dup_window), tonumber(camp_window)
new_below = tonumber(new_below) -- camp_authors stays text: lib/campaign.lua
suspect = suspect == '1'

-- why a rule is not looked at, as submit.lua's conditions say, or nil
local function skipped(on, published_only)
  if not on then return 'off' end
  if status == 'rejected' then return 'rejected' end
  if published_only and status ~= 'published' then return 'held' end
  return nil
end

local out = {}
out[1] = skipped(dup_window > 0, false)
if not out[1] then
  if redis.call('EXISTS', prefix .. 'hist:dup:' .. author .. ':' .. digest) == 1 then
    out[1], status = 'fired', 'rejected'
  else
    out[1] = 'passed'
  end
end

out[2] = skipped(camp_window > 0, true)
if not out[2] then
  local time = redis.call('TIME')
  local since = time[1] * 1000 + time[2] / 1000 - camp_window
  local camp_key = prefix .. 'hist:camp:' .. digest
  if mg_campaign_reached(camp_key, since, author, camp_authors) then
    out[2], status = 'fired', 'pending'
  else
    out[2] = 'passed'
  end
end

out[3] = skipped(new_below > 0, true)
if not out[3] then
  out[3] = 'passed'
  local established = false
  est_published, est_clean = tonumber(est_published), tonumber(est_clean)
  if est_published > 0 then
    local u = redis.call('HMGET', prefix .. 'u:' .. author, 'published', 'rejected_at')
    local time = redis.call('TIME')
    local now = time[1] * 1000 + time[2] / 1000
    local last_rejected = tonumber(u[2] or '')
    established = tonumber(u[1] or '0') >= est_published and
                  (not last_rejected or now - last_rejected >= est_clean)
  end
  if suspect and not established then
    local published = tonumber(redis.call('GET', prefix .. 'hist:pub:' .. author) or '0')
    if published < new_below then out[3] = 'fired' end
  end
end
return out
