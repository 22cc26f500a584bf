-- lib/events.lua: the event every change of a comment's state writes, in
-- the same script as the change, so that no event is lost and none exists
-- without its change (docs/api.md "Events"). A script that changes a
-- comment's state says "-- uses: events" and calls mg_event once.
--
-- The stream PREFIXevents holds one entry per event, its fields type,
-- comment, article, author and status; the entry's id is the event's id
-- and the feed's cursor, and its first part (Redis' clock in ms, never
-- going back) is the event's time, so no TIME call is spent on it. The
-- stream keeps about `cap` entries (MAXLEN ~, events.max_len); the feed
-- trims what is older than events.retention_s.
local function mg_event(prefix, cap, kind, id, article, author, status)
  return redis.call('XADD', prefix .. 'events', 'MAXLEN', '~', cap, '*',
                    'type', kind, 'comment', id, 'article', article,
                    'author', author or '', 'status', status)
end
