/* timefmt.h: RFC 3339 UTC times with milliseconds, as every API time is. */
#ifndef MODGATE_TIMEFMT_H
#define MODGATE_TIMEFMT_H

#include <stdint.h>

#define MG_TIME_LEN 25 /* "2026-11-29T18:49:26.123Z" + NUL */

/* Milliseconds since the epoch from the wall clock. */
int64_t mg_time_now_ms(void);

/* Formats ms since the epoch; out holds MG_TIME_LEN bytes. */
void mg_time_format(int64_t ms, char out[MG_TIME_LEN]);

/* Parses an RFC 3339 date-time ("2026-01-03T10:00:00Z", with optional
 * fraction and a Z or +hh:mm offset) into ms since the epoch. MG_EINVAL when
 * it is not one (or names an impossible date). */
int mg_time_parse(const char *text, int64_t *ms);

#endif
