/* timefmt.c: RFC 3339 UTC timestamps with milliseconds. */
#include "modgate/timefmt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t mg_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mg_time_format(int64_t ms, char out[MG_TIME_LEN])
{
    time_t secs = (time_t)(ms / 1000);
    int millis = (int)(ms % 1000);
    if (millis < 0) { /* before 1970: keep the fraction positive */
        millis += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* gmtime's fields are in range, but the compiler cannot know: format
     * into room for any int, then keep the fixed-width result. */
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, millis);
    memcpy(out, tmp, MG_TIME_LEN - 1);
    out[MG_TIME_LEN - 1] = '\0';
}
