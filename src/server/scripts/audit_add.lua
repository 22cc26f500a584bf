-- audit_add.lua: one entry in the audit log for an action that is not a
-- decision or a ban (those record themselves in their own scripts): a
-- moderator's rules reload.
--
-- ARGV: 1 key prefix, 2 time (ms), 3 moderator, 4 action, 5 target,
-- 6 reason or "", 7 audit entries kept (approximately)
-- Returns the entry's stream id.
return redis.call('XADD', ARGV[1] .. 'audit', 'MAXLEN', '~', ARGV[7], '*',
                  'at', ARGV[2], 'moderator', ARGV[3], 'action', ARGV[4],
                  'target', ARGV[5], 'reason', ARGV[6])
