-- lib/mode.lua: what the article's mode (article_settings_put.lua) and the
-- watch list (author_watch.lua) make of a comment about to be stored, the
-- same for a submission (submit.lua) and an edit (edit.lua): closed, or
-- past its closes_at by Redis' clock, refuses; pre-moderation, or an
-- author on the watch list, sends what the rules would publish back to be
-- held. Both answer before any write, so a refusal counts for nothing; the
-- caller sends the comment again held (status "pending"), and that call
-- meets the mode again (closed meanwhile, it is refused).
--
-- mg_mode_check(prefix, article, author, status, clock, watch_later) -> nil
-- (go on) | {"closed"} | {"premoderated"} | {"watched"}; clock() is Redis'
-- time in ms. With watch_later true the caller asks about the watch list
-- itself, next and before anything else can refuse: submit.lua does it in
-- the one EXISTS it asks about the bans with.
local function mg_mode_check(prefix, article, author, status, clock, watch_later)
  local settings = redis.call('HMGET', prefix .. 'a:' .. article .. ':settings',
                              'mode', 'closes')
  if settings[1] then
    if settings[1] == 'closed' or (settings[2] and clock() >= tonumber(settings[2])) then
      return {'closed'}
    end
    if settings[1] == 'premoderated' and status == 'published' then
      return {'premoderated'}
    end
  end
  if not watch_later and status == 'published' and
     redis.call('EXISTS', prefix .. 'watch:' .. author) == 1 then
    return {'watched'}
  end
  return nil
end
