/* store.h: the only module that speaks to Redis (hiredis async on the libuv
 * loop). It owns every key name and every Lua script.
 *
 * Async contract: a call either fails now (returns a negative mg_status and
 * never calls its callback) or returns 0 and calls its callback exactly once
 * later, on the loop thread, with the status first. Every command has a
 * deadline (redis.timeout_ms): past it the callback gets MG_ETIMEDOUT and the
 * connection is dropped and re-made, since a hung Redis answers nothing else
 * either. The store connects in the background and reconnects forever with
 * capped exponential backoff; it never blocks the loop. */
#ifndef MODGATE_STORE_H
#define MODGATE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modgate/config.h"
#include "modgate/error.h"
#include "modgate/verdict.h"

struct uv_loop_s;
struct mg_store;

struct mg_store_stats {
    bool ready;              /* connected, authenticated, scripts loaded, last probe answered */
    uint64_t connects;       /* successful connections made */
    uint64_t reconnects;     /* connections made after a loss */
    uint64_t errors;         /* commands that failed (error reply, lost link) */
    uint64_t timeouts;       /* commands that passed their deadline */
    uint64_t script_loads;   /* SCRIPT LOAD calls (start, and after NOSCRIPT) */
    uint64_t noscript;       /* NOSCRIPT replies seen (then loaded and retried) */
    /* The moderation queue at the last probe (every second while ready): */
    bool queue_known;             /* a probe has told */
    uint64_t queue_depth;         /* pending comments */
    int64_t queue_oldest_age_ms;  /* the oldest one's age; -1 when none */
};

/* Creates the store on loop with cfg's redis settings (cfg is borrowed and
 * must outlive the store) and starts connecting. Caller owns *out; end it
 * with mg_store_close. */
int mg_store_new(struct uv_loop_s *loop, const struct mg_config *cfg,
                 struct mg_store **out) MG_MUST_CHECK;

/* Makes rl the rate limits of the submissions from now on (a reload):
 * the submit script is written again around them (the limits live in its
 * source) and loaded into Redis. rl is copied into the script, not kept. */
void mg_store_set_rate_limits(struct mg_store *store, const struct mg_rl_config *rl);

/* True while Redis answers (see stats.ready). */
bool mg_store_ready(const struct mg_store *store);

void mg_store_get_stats(const struct mg_store *store,
                        struct mg_store_stats *out);

/* Who hears the link change: ready true when it comes up (connected,
 * authenticated, scripts loaded: mg_store_ready turns true), false when a
 * link that was up is lost. One watcher per store; cb NULL removes it. It
 * is called from inside the store's own callbacks, so it must not close
 * the store. (The service manager's readiness: src/server/notify.c.) */
typedef void (*mg_store_link_cb)(bool ready, void *data);
void mg_store_watch(struct mg_store *store, mg_store_link_cb cb, void *data);

/* Runs the probe script (EVALSHA, reloaded on NOSCRIPT): Redis' own clock in
 * milliseconds. MG_EUNAVAIL now when not connected. */
typedef void (*mg_store_time_cb)(int status, int64_t redis_ms, void *data);
int mg_store_time(struct mg_store *store, mg_store_time_cb cb,
                  void *data) MG_MUST_CHECK;

/* ---- comments ---- */

/* A rate-limited dimension of a submission and the value it keys on. The
 * limits applied are the configuration's (cfg->rate_limits), worked into
 * the submit script when the store is made and on mg_store_set_rate_limits. */

/* A new comment, ready to store. Strings are borrowed (copied before the
 * call returns). */
struct mg_store_comment {
    const char *id;
    const char *article_id;
    const char *parent_id;   /* NULL when none */
    const char *status;      /* "published", "pending" or "rejected" */
    const char *record_json; /* the record as the API returns it */
    const char *meta_json;   /* author_created_at...: kept, not shown */
    /* Shown to moderators only, kept privacy.ip_retention_s (c:ID:addr) */
    const char *client_ip;  /* as given, or NULL */
    const char *user_agent; /* as given, or NULL */
    double score;           /* the verdict's: the queue's sort=score */
    const char *normalized; /* the normalized body: the queue's q=, or NULL */
    int64_t created_ms;
    /* Idempotency: when idem_key is set, a later call with the same key gets
     * this response back instead of storing again (for 24 hours), provided
     * the fingerprint matches. */
    const char *idem_key;         /* NULL when none; scoped by the caller */
    const char *idem_fingerprint; /* of the request */
    int response_status;
    const char *response_body; /* NULL: the record itself (201, 202), which
                                  is then sent to Redis once, not twice */
    /* Checked before storing: bans on the author and the address (and every
     * banned subnet holding it), then the rate limits. */
    const char *author_id;
    const char *client_ip_hex; /* mg_ip_hex of the client, or NULL */
    const struct mg_rl_key *limits; /* each dimension at most once */
    size_t nlimits;
    /* The history rules as the verdict gives them for this body (verdict.h:
     * the rule set's thresholds, off for a body too short), NULL or not
     * `on` when the set has none. With history_check the script decides
     * them (and may answer MG_STORE_HISTORY, having written nothing);
     * without, it only records this comment for the ones after it. */
    const struct mg_verdict_history *history;
    const char *body_digest; /* mg_verdict.body_digest */
    bool suspect;            /* mg_verdict.suspect */
    bool history_check;
    const char *rule_ids; /* the rules that fired, comma-separated, or NULL:
                             counted for GET /v1/stats */
};

enum mg_store_submit_outcome {
    MG_STORE_STORED,         /* written, with its indexes */
    MG_STORE_REPLAY,         /* the idempotency key was seen: see replay_* */
    MG_STORE_IDEM_CONFLICT,  /* the key was seen with another request */
    MG_STORE_INVALID_PARENT, /* parent_id is not a comment of the article */
    MG_STORE_BANNED,         /* see ban_kind, ban_until */
    MG_STORE_RATE_LIMITED,   /* see limit, retry_after_s */
    MG_STORE_HISTORY,        /* a history rule changes the verdict: see
                                history; nothing was written */
    MG_STORE_CLOSED,         /* the article takes no comments (closed, or
                                past its closes_at); nothing was written */
    MG_STORE_PREMODERATED,   /* status was "published" and the article is
                                pre-moderated: send it again held; nothing
                                was written */
    MG_STORE_WATCHED,        /* status was "published" and the author is on
                                the watch list: likewise */
};

struct mg_store_submit_result {
    enum mg_store_submit_outcome outcome;
    int replay_status;       /* MG_STORE_REPLAY: the first response */
    const char *replay_body; /* borrowed, valid during the callback */
    size_t replay_len;
    const char *ban_kind;    /* MG_STORE_BANNED: "author_id", "ip", "subnet" */
    int64_t ban_until_ms;    /* Redis' clock; 0 when permanent */
    const char *limit;       /* MG_STORE_RATE_LIMITED: the dimension */
    int64_t retry_after_s;   /* whole seconds, rounded up */
    const char *history;     /* MG_STORE_HISTORY: "duplicate" (reject),
                                "campaign" or "new_commenter" (hold) */
};

/* Stores c in one script call: all of it or nothing. status 0 means Redis
 * answered and res says how (and, with redis.min_replicas_ack, that the
 * replicas have what it stored); otherwise res is NULL and the status says
 * what is known: MG_EUNAVAIL, nothing was stored (Redis refused the script
 * before its first write, or it could not be sent); MG_ETIMEDOUT,
 * MG_ELOST, MG_ECLOSED, MG_EPROTO (no answer, or one not understood) and
 * MG_ENOACK (stored, or replayed, but too few replicas confirmed): it may
 * have been stored. A call that fails at once sent nothing. */
typedef void (*mg_store_submit_cb)(int status,
                                   const struct mg_store_submit_result *res,
                                   void *data);
int mg_store_submit(struct mg_store *store, const struct mg_store_comment *c,
                    mg_store_submit_cb cb, void *data) MG_MUST_CHECK;

/* ---- the history rules, read-only (POST /v1/check) ---- */

/* What a submission's history check would do with one rule. */
enum mg_store_history_state {
    MG_HISTORY_OFF,      /* the rule set does not have the rule */
    MG_HISTORY_SHORT,    /* the normalized body is shorter than its min_chars */
    MG_HISTORY_REJECTED, /* the comment is rejected already (by the other
                            rules, or a history rule before this one): a
                            submission checks no history then */
    MG_HISTORY_HELD,     /* it is held already, and the rule only holds */
    MG_HISTORY_PASSED,   /* checked; it does not fire */
    MG_HISTORY_FIRED,    /* checked; it fires (and ends the check, as a
                            submission's first history verdict does) */
};

/* A comment to check the history rules on, as mg_store_comment carries
 * them. Strings are borrowed (copied before the call returns). */
struct mg_store_history_query {
    const char *author_id;
    const char *status; /* what the other rules decided: "published",
                           "pending" or "rejected" */
    const struct mg_verdict_history *history; /* mg_verdict.history, on */
    const char *body_digest; /* mg_verdict.body_digest, not empty */
    bool suspect;            /* mg_verdict.suspect */
};

/* states[MG_HISTORY_RULE_COUNT], indexed by enum mg_history_rule (verdict.h),
 * borrowed during the callback; NULL when status is not 0. */
typedef void (*mg_store_history_cb)(int status,
                                    const enum mg_store_history_state *states,
                                    void *data);

/* Decides q's history rules exactly as mg_store_submit would (the same
 * keys, thresholds and min_chars), with one script that runs no write
 * command: nothing is recorded, no rate limit is used. MG_EINVAL now when q
 * has no history or digest; otherwise as mg_store_submit. */
int mg_store_history_check(struct mg_store *store,
                           const struct mg_store_history_query *q,
                           mg_store_history_cb cb, void *data) MG_MUST_CHECK;

/* One comment's record JSON; json is NULL when there is no such comment.
 * json is borrowed, valid during the callback. */
typedef void (*mg_store_record_cb)(int status, const char *json, size_t len,
                                   void *data);
int mg_store_get_comment(struct mg_store *store, const char *id,
                         mg_store_record_cb cb, void *data) MG_MUST_CHECK;

/* The record as moderators see it: with its unsigned "meta", the client's
 * address and user agent (null once privacy.ip_retention_s has passed). */
int mg_store_get_comment_meta(struct mg_store *store, const char *id,
                              mg_store_record_cb cb, void *data) MG_MUST_CHECK;

/* The address behind a comment, for a ban by comment: */
enum mg_store_addr_outcome {
    MG_ADDR_FOUND,   /* ip is the address */
    MG_ADDR_UNKNOWN, /* no comment has this id */
    MG_ADDR_EXPIRED, /* erased after privacy.ip_retention_s, or never given */
};
typedef void (*mg_store_addr_cb)(int status, enum mg_store_addr_outcome outcome,
                                 const char *ip, void *data);
int mg_store_comment_addr(struct mg_store *store, const char *id,
                          mg_store_addr_cb cb, void *data) MG_MUST_CHECK;

/* The lists of comments there are pages of. */
enum mg_store_index {
    MG_INDEX_PUBLISHED, /* an article's published comments, oldest first */
    MG_INDEX_QUEUE,     /* pending comments (of one article, or all), oldest
                           first */
    MG_INDEX_REJECTED,  /* comments the rules rejected, still kept, newest
                           first */
};

/* A page of comments. Everything is borrowed, valid during the callback. */
struct mg_store_page {
    size_t total; /* comments in the whole list */
    bool more;    /* comments follow the last one here */
    const char *next_id; /* where the next page starts, when not the last
                            id here (a filtered page), else NULL */
    size_t count;
    const char **ids;
    const char **records;
    const size_t *record_lens;
};
typedef void (*mg_store_page_cb)(int status, const struct mg_store_page *page,
                                 void *data);
/* article_id: the article (MG_INDEX_PUBLISHED), the article or NULL
 * (MG_INDEX_QUEUE), ignored (MG_INDEX_REJECTED). after_id: the last id of
 * the previous page, or NULL for the first. */
int mg_store_list(struct mg_store *store, enum mg_store_index index,
                  const char *article_id, const char *after_id, size_t limit,
                  mg_store_page_cb cb, void *data) MG_MUST_CHECK;

/* A page of the moderation queue (GET /v1/queue): by age or score, of one
 * article or all, filtered by rule, author and normalized text (each NULL
 * or "" for none); queue_page.lua says what each costs. Records carry
 * their meta. */
struct mg_store_queue_query {
    const char *article_id;
    const char *after_id;
    size_t limit;
    bool by_score;
    const char *rule;
    const char *author_id;
    const char *text; /* normalized */
};
int mg_store_queue(struct mg_store *store, const struct mg_store_queue_query *q,
                   mg_store_page_cb cb, void *data) MG_MUST_CHECK;

/* A page of the articles that have had a published comment, in id order,
 * each with its count of published comments. Borrowed during the callback. */
struct mg_store_article {
    const char *id;
    long long published;
};
typedef void (*mg_store_articles_cb)(int status, const struct mg_store_article *articles,
                                     size_t count, size_t total, bool more,
                                     void *data);
/* after: the last article id of the previous page, or NULL. */
int mg_store_list_articles(struct mg_store *store, const char *after, size_t limit,
                           mg_store_articles_cb cb, void *data) MG_MUST_CHECK;

/* ---- moderation ---- */

/* A moderator's decision, ready to apply: the caller read the record (its
 * status is `from`) and built the decided one. Applied only if the status is
 * still `from`, with the record's indexes, the counts and an audit entry,
 * all at once. Strings are borrowed (copied before the call returns). */
struct mg_store_decision {
    const char *id;
    const char *from, *to;   /* statuses */
    const char *record_json; /* the decided record */
    const char *action;      /* "approve", "reject", "remove" */
    const char *moderator;
    const char *reason;      /* "" when none */
    int64_t at_ms;
    const char *rule_ids;    /* rules that fired on it, comma-separated, or "" */
};
enum mg_store_decide_outcome {
    MG_DECIDED,
    MG_DECISION_CONFLICT, /* the status changed meanwhile: see current */
    MG_DECISION_GONE,     /* the record is gone (a rejected one expired) */
};
typedef void (*mg_store_decide_cb)(int status, enum mg_store_decide_outcome outcome,
                                   const char *current, void *data);
int mg_store_decide(struct mg_store *store, const struct mg_store_decision *d,
                    mg_store_decide_cb cb, void *data) MG_MUST_CHECK;

/* Records an action in the audit log (decisions and bans record their own):
 * the callback's status says whether it was written. */
typedef void (*mg_store_done_cb)(int status, void *data);
int mg_store_audit_add(struct mg_store *store, int64_t at_ms, const char *moderator,
                       const char *action, const char *target, const char *reason,
                       mg_store_done_cb cb, void *data) MG_MUST_CHECK;

/* A page of the audit log, newest first. Borrowed during the callback;
 * id is the entry's stream id (the cursor of the next page). */
struct mg_store_audit_entry {
    const char *id, *at_ms, *moderator, *action, *target, *reason;
};
typedef void (*mg_store_audit_cb)(int status,
                                  const struct mg_store_audit_entry *entries,
                                  size_t count, bool more, void *data);
/* after_id: the stream id of the last entry of the previous page, or NULL. */
int mg_store_audit(struct mg_store *store, const char *after_id, size_t limit,
                   mg_store_audit_cb cb, void *data) MG_MUST_CHECK;

/* What GET /v1/stats reports, as stats.lua's JSON object (borrowed during
 * the callback). */
typedef void (*mg_store_json_cb)(int status, const char *json, size_t len,
                                 void *data);
int mg_store_stats(struct mg_store *store, mg_store_json_cb cb,
                   void *data) MG_MUST_CHECK;

/* ---- bans ---- */

/* A ban to record. kind is "author_id", "ip" or "subnet"; key_value is the
 * form the submit script looks up (the author id; mg_ip_hex of the address;
 * the masked hex, "/", the prefix length); value the form people read. */
struct mg_store_ban {
    const char *kind;
    const char *key_value;
    const char *value;
    const char *reason; /* "" when none */
    const char *by;     /* the moderator's name */
    int64_t duration_s; /* 0 when permanent */
    int family;         /* subnets: 4 or 6 */
    int prefix;         /* subnets: the prefix length */
};

/* at_ms and until_ms are Redis' clock (until_ms 0 when permanent), so that
 * every instance shows the times the expiry follows. */
typedef void (*mg_store_ban_cb)(int status, int64_t at_ms, int64_t until_ms,
                                void *data);
int mg_store_ban_create(struct mg_store *store, const struct mg_store_ban *ban,
                        mg_store_ban_cb cb, void *data) MG_MUST_CHECK;

/* found is false when there was no such ban (or it had expired). */
typedef void (*mg_store_found_cb)(int status, bool found, void *data);
/* value is the ban's value as people write it and by the moderator, for the
 * audit log. */
int mg_store_ban_delete(struct mg_store *store, const char *kind,
                        const char *key_value, const char *value,
                        const char *by, mg_store_found_cb cb,
                        void *data) MG_MUST_CHECK;

/* A ban in force, borrowed during the callback; reason is NULL when empty,
 * until_ms 0 when permanent. */
struct mg_store_ban_view {
    const char *kind, *value, *reason, *by;
    int64_t at_ms, until_ms;
};
typedef void (*mg_store_bans_cb)(int status, const struct mg_store_ban_view *bans,
                                 size_t count, void *data);
int mg_store_ban_list(struct mg_store *store, mg_store_bans_cb cb,
                      void *data) MG_MUST_CHECK;

/* ---- article settings (store_articles.c) ---- */

/* An article's mode: whether comments to it are taken, and how. An article
 * never configured is open with no closing time. */
enum mg_article_mode {
    MG_MODE_OPEN,         /* the rules decide */
    MG_MODE_PREMODERATED, /* what the rules would publish is held */
    MG_MODE_CLOSED,       /* no comment is taken */
};
/* "open", "premoderated", "closed"; parse: false for any other word. */
const char *mg_article_mode_name(enum mg_article_mode mode);
bool mg_article_mode_parse(const char *word, enum mg_article_mode *out);

/* An article's settings as stored, and Redis' clock when they were read
 * (submissions compare closes_ms with that clock too). */
struct mg_store_article_settings {
    enum mg_article_mode mode;
    bool has_closes; /* closes_ms is set */
    int64_t closes_ms;
    int64_t now_ms;
};
/* The mode a comment sent now meets: closed once closes_ms has passed. */
enum mg_article_mode mg_article_mode_now(const struct mg_store_article_settings *s);

typedef void (*mg_store_settings_cb)(int status, const struct mg_store_article_settings *s,
                                     void *data);
int mg_store_article_settings_get(struct mg_store *store, const char *article_id,
                                  mg_store_settings_cb cb, void *data) MG_MUST_CHECK;
/* Sets them (mode, and closes_ms when has_closes) and writes an audit entry
 * by moderator, at once; cb's status says whether it was written. */
int mg_store_article_settings_put(struct mg_store *store, const char *article_id,
                                  const struct mg_store_article_settings *s,
                                  const char *moderator, mg_store_done_cb cb,
                                  void *data) MG_MUST_CHECK;
/* ---- readers' reports (store_reports.c) ---- */

/* A reader's report, ready to store. Strings are borrowed. */
struct mg_store_report {
    const char *comment_id;
    const char *reporter_id;
    const char *reason;      /* spam | abuse | off_topic | other */
    const char *report_json; /* the report as the API returns it */
};
/* Stores r unless the comment is gone, not published, the reporter's own,
 * already reported by them, or the reporter is over their limits
 * (rate_limits.reporter); counts it, weighs it, lists the comment in
 * "reported" from reports.threshold and holds it from
 * reports.hold_threshold, in one script. json is the script's answer, a
 * JSON object with "outcome" (report_create.lua), borrowed during the
 * callback. */
int mg_store_report(struct mg_store *store, const struct mg_store_report *r,
                    mg_store_json_cb cb, void *data) MG_MUST_CHECK;
/* A page of GET /v1/reported: items is the JSON array text of the items,
 * last_id the cursor's id when more follow (else NULL); both borrowed. */
typedef void (*mg_store_reported_cb)(int status, const char *items, size_t len,
                                     size_t total, const char *last_id, void *data);
int mg_store_reported(struct mg_store *store, const char *after_id, size_t limit,
                      mg_store_reported_cb cb, void *data) MG_MUST_CHECK;
/* A comment's open reports, {"count", "reasons"} as JSON; "" when none. */
int mg_store_report_summary(struct mg_store *store, const char *id,
                            mg_store_json_cb cb, void *data) MG_MUST_CHECK;
/* Approving a published comment that has reports: dismisses them (each
 * reporter's record counts it) with an audit entry. The callback hears
 * MG_DECIDED with current = the record JSON, MG_DECISION_CONFLICT with the
 * status (also when it has no reports), or MG_DECISION_GONE. */
int mg_store_reports_dismiss(struct mg_store *store, const char *id,
                             const char *moderator, const char *reason, int64_t at_ms,
                             mg_store_decide_cb cb, void *data) MG_MUST_CHECK;

/* ---- authors (store_authors.c) ---- */

/* Puts author on the watch list (on; reason "" for none) or takes them off,
 * with an audit entry by moderator, at once. found is false when on is
 * false and the author was not watched (nothing was written); at_ms is the
 * watch's time (Redis' clock) when on. */
typedef void (*mg_store_watch_cb)(int status, bool found, int64_t at_ms, void *data);
int mg_store_author_watch(struct mg_store *store, const char *author_id, bool on,
                          const char *reason, const char *moderator,
                          mg_store_watch_cb cb, void *data) MG_MUST_CHECK;

/* What author_get.lua knows of author_id, as its JSON text (json NULL when
 * nothing at all), with a page of limit comments, newest first, after the
 * comment id after (NULL: from the newest). */
int mg_store_author_get(struct mg_store *store, const char *author_id, const char *after,
                        size_t limit, mg_store_json_cb cb, void *data) MG_MUST_CHECK;

/* ---- the events feed (store_events.c) ---- */

/* One event of the stream (lib/events.lua), borrowed during the callback:
 * id is its stream id; author is "" when the comment has none. */
struct mg_store_event {
    const char *id, *type, *comment, *article, *author, *status;
};
/* A page of the feed, oldest first: up to limit events after the stream id
 * after (NULL: from the oldest within retention_ms), read with the check
 * that after has not expired (events_read.lua says when it has): expired
 * true and no events then. cursor is next_cursor when count is 0: after,
 * or without one the stream's last id ("0-0" when none). */
typedef void (*mg_store_events_cb)(int status, bool expired,
                                   const struct mg_store_event *events, size_t count,
                                   const char *cursor, void *data);
int mg_store_events_read(struct mg_store *store, const char *after, size_t limit,
                         int64_t retention_ms, mg_store_events_cb cb,
                         void *data) MG_MUST_CHECK;
/* The newest event's id ("0-0" when none): one cheap call that tells every
 * waiting feed request whether to read again. Borrowed during cb. */
typedef void (*mg_store_last_id_cb)(int status, const char *id, void *data);
int mg_store_events_last(struct mg_store *store, mg_store_last_id_cb cb,
                         void *data) MG_MUST_CHECK;
/* Drops the events older than retention_ms by Redis' clock (XTRIM MINID ~). */
int mg_store_events_trim(struct mg_store *store, int64_t retention_ms,
                         mg_store_done_cb cb, void *data) MG_MUST_CHECK;
/* ---- deletion and erasure (store_erase.c) ---- */

/* DELETE /v1/comments/{id}: author_id deletes comment id, which becomes a
 * tombstone with deleted_at (RFC 3339) and a "deleted" event, at once
 * (delete.lua; what a tombstone keeps: lib/tombstone.lua). */
enum mg_store_delete_outcome {
    MG_DELETE_DONE,
    MG_DELETE_ALREADY,    /* a tombstone already: nothing written */
    MG_DELETE_NOT_AUTHOR, /* author_id is not the comment's author */
    MG_DELETE_GONE,       /* no such comment (or its record expired) */
};
typedef void (*mg_store_delete_cb)(int status, enum mg_store_delete_outcome outcome,
                                   void *data);
int mg_store_comment_delete(struct mg_store *store, const char *id, const char *author_id,
                            const char *deleted_at, mg_store_delete_cb cb,
                            void *data) MG_MUST_CHECK;

/* One step of an author's erasure (erase_step.lua): the author's next
 * limit comment ids after the id after (NULL: from the first) made
 * tombstones, each with an "erased" event. The callback hears how many
 * were erased now, the last id looked at (borrowed; the next step's after)
 * and whether the index is done. */
typedef void (*mg_store_erase_cb)(int status, int64_t erased, const char *last, bool done,
                                  void *data);
int mg_store_erase_step(struct mg_store *store, const char *author_id, const char *after,
                        size_t limit, const char *deleted_at, mg_store_erase_cb cb,
                        void *data) MG_MUST_CHECK;
/* ---- webhooks (store_webhooks.c; docs/architecture.md "Webhooks") ---- */

/* events[0..n) (struct mg_store_event, above): this consumer's pending
 * entries of webhook gid, in stream order; more: new entries filled the
 * batch (take again at once). */
typedef void (*mg_store_webhook_events_cb)(int status, const struct mg_store_event *events,
                                           size_t n, bool more, void *data);
/* webhook_take.lua: keeps consumer alive for alive_ms, makes the group,
 * claims the pending entries of consumers no longer alive, reads new
 * entries (acknowledging the types not in types, ",a,b,", and handing
 * those of a comment another live consumer owns to it), and answers this
 * consumer's pending entries, at most batch. */
int mg_store_webhook_take(struct mg_store *store, const char *gid, const char *consumer,
                          size_t batch, int alive_ms, const char *types,
                          mg_store_webhook_events_cb cb, void *data) MG_MUST_CHECK;
/* The outcome of a POST of a batch (webhook_ack.lua): outcome is
 * "delivered", "failed" (given up: acknowledged, counted) or "error" (to be
 * retried: only error is kept). ids and comments are the batch's,
 * comma-separated, in the same order. */
struct mg_store_webhook_ack {
    const char *gid, *url, *outcome, *ids, *comments, *error;
    int64_t at_ms;
};
int mg_store_webhook_ack(struct mg_store *store, const struct mg_store_webhook_ack *a,
                         mg_store_done_cb cb, void *data) MG_MUST_CHECK;
/* The heartbeat: consumer is alive alive_ms more; 0 deletes its key (a
 * graceful stop: the others claim its deliveries at once). */
int mg_store_webhook_alive(struct mg_store *store, const char *consumer, int alive_ms,
                           mg_store_done_cb cb, void *data) MG_MUST_CHECK;
/* What GET /v1/webhooks shows of one webhook (strings "" when unknown;
 * lag -1 when Redis cannot tell). Borrowed during the callback. */
struct mg_store_webhook_info {
    int64_t lag, pending, delivered, failed;
    const char *last_success_at, *last_error_at, *last_error; /* ms as text */
};
typedef void (*mg_store_webhook_info_cb)(int status, const struct mg_store_webhook_info *info,
                                         size_t n, void *data);
/* gids comma-separated; info in the same order. */
int mg_store_webhook_info(struct mg_store *store, const char *gids,
                          mg_store_webhook_info_cb cb, void *data) MG_MUST_CHECK;

/* Disconnects; callbacks still pending get MG_ECLOSED. on_closed runs once
 * every handle is closed, after which the store is freed. */
void mg_store_close(struct mg_store *store, void (*on_closed)(void *data),
                    void *data);

/* ---- an author's edit (store_edit.c, edit.lua) ---- */

/* An edit as the handler built it from the record it read. Borrowed. */
struct mg_store_edit {
    const char *id;
    const char *old_json;    /* the record read: the edit applies only to it */
    const char *record_json; /* the new record */
    const char *status;      /* its status: published | pending | rejected */
    int64_t created_ms;      /* the comment's created_at */
    int64_t window_ms;       /* edits.window_s, checked on Redis' clock */
    double score;
    const char *normalized;  /* the new text as rules see it (the queue's q=) */
    const char *rl_author;   /* the author's rate limit value; NULL: none */
    const struct mg_rl_config *rate_limits; /* the limits in force */
    const char *rule_ids;    /* the rules that fired, comma-separated; NULL none */
};
enum mg_store_edit_outcome {
    MG_EDITED,
    MG_EDIT_GONE,         /* no such comment (any more) */
    MG_EDIT_CONFLICT,     /* the record changed meanwhile: see current */
    MG_EDIT_WINDOW_CLOSED,
    MG_EDIT_CLOSED,       /* the article takes no comments */
    MG_EDIT_PREMODERATED, /* status was "published": send it again held */
    MG_EDIT_WATCHED,      /* likewise, for an author on the watch list */
    MG_EDIT_BANNED,       /* the author is banned: see ban_until_ms */
    MG_EDIT_RATE_LIMITED, /* see retry_after_s */
};
struct mg_store_edit_result {
    enum mg_store_edit_outcome outcome;
    const char *current;   /* MG_EDIT_CONFLICT: the status now (borrowed) */
    int64_t ban_until_ms;  /* MG_EDIT_BANNED: 0 for a permanent ban */
    int64_t retry_after_s; /* MG_EDIT_RATE_LIMITED */
};
typedef void (*mg_store_edit_cb)(int status, const struct mg_store_edit_result *res,
                                 void *data);
int mg_store_edit(struct mg_store *store, const struct mg_store_edit *e,
                  mg_store_edit_cb cb, void *data) MG_MUST_CHECK;

/* A comment's record (jsons[0]) and its earlier revisions, oldest first
 * (jsons[1..n-1]); n 0: no such comment. Borrowed during the callback. */
typedef void (*mg_store_revisions_cb)(int status, const char *const *jsons,
                                      const size_t *lens, size_t n, void *data);
int mg_store_revisions(struct mg_store *store, const char *id,
                       mg_store_revisions_cb cb, void *data) MG_MUST_CHECK;

#endif
