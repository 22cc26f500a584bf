-- audit_add.lua: one entry in the audit log for an action that is not a
-- decision or a ban (those record themselves in their own scripts): a
-- moderator's rules reload.
--
-- args: prefix at moderator action target reason audit_cap
--
-- Arguments by position: 1 key prefix, 2 time (ms), 3 moderator, 4 action, 5 target,
-- 6 reason or "", 7 audit entries kept (approximately)
-- Returns the entry's stream id.
return redis.call('XADD', prefix .. 'audit', 'MAXLEN', '~', audit_cap, '*',
                  'at', at, 'moderator', moderator, 'action', action,
                  'target', target, 'reason', reason)
