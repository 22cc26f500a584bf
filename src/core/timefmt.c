/* timefmt.c: RFC 3339 UTC timestamps with milliseconds. */
#include "modgate/timefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "modgate/error.h"

int64_t mg_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* v (0-99) as two digits at o; returns the byte after them. */
static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
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
    int year = tm.tm_year + 1900;
    if (year >= 0 && year <= 9999) { /* every field fixed-width: no printf */
        char *o = out;
        o = put2(put2(o, year / 100), year % 100);
        *o++ = '-';
        o = put2(o, tm.tm_mon + 1);
        *o++ = '-';
        o = put2(o, tm.tm_mday);
        *o++ = 'T';
        o = put2(o, tm.tm_hour);
        *o++ = ':';
        o = put2(o, tm.tm_min);
        *o++ = ':';
        o = put2(o, tm.tm_sec);
        *o++ = '.';
        *o++ = (char)('0' + millis / 100);
        o = put2(o, millis % 100);
        *o++ = 'Z';
        *o = '\0';
        return;
    }
    /* gmtime's fields are in range, but the compiler cannot know: format
     * into room for any int, then keep the fixed-width result. */
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, millis);
    memcpy(out, tmp, MG_TIME_LEN - 1);
    out[MG_TIME_LEN - 1] = '\0';
}

/* n decimal digits at *p into *out; advances *p. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* RFC 3339 section 5.6 date-time:
 *   YYYY-MM-DD ("T" / "t") hh:mm:ss [.1*DIGIT] ("Z" / "z" / +hh:mm / -hh:mm)
 * The space separator some profiles allow is refused. */
int mg_time_parse(const char *text, int64_t *ms)
{
    const char *p = text;
    int year, month, day, hour, minute, second;
    if (!digits(&p, 4, &year) || !expect(&p, '-') || !digits(&p, 2, &month) ||
        !expect(&p, '-') || !digits(&p, 2, &day))
        return MG_EINVAL;
    if (*p != 'T' && *p != 't')
        return MG_EINVAL;
    p++;
    if (!digits(&p, 2, &hour) || !expect(&p, ':') || !digits(&p, 2, &minute) ||
        !expect(&p, ':') || !digits(&p, 2, &second))
        return MG_EINVAL;
    if (month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 60)
        return MG_EINVAL;
    if (second == 60) /* a leap second: the epoch has no room for it */
        second = 59;

    int millis = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return MG_EINVAL;
        /* keep milliseconds, truncate the rest */
        int kept = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (kept < 3) {
                millis = millis * 10 + (*p - '0');
                kept++;
            }
        }
        for (; kept < 3; kept++) /* ".5" is 500 ms */
            millis *= 10;
    }

    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh, om;
        p++;
        if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om))
            return MG_EINVAL;
        if (oh > 23 || om > 59)
            return MG_EINVAL;
        offset_min = sign * (oh * 60 + om);
    } else {
        return MG_EINVAL;
    }
    if (*p != '\0')
        return MG_EINVAL;

    struct tm tm = {
        .tm_year = year - 1900,
        .tm_mon = month - 1,
        .tm_mday = day,
        .tm_hour = hour,
        .tm_min = minute,
        .tm_sec = second,
    };
    int64_t secs = (int64_t)timegm(&tm);
    /* local time = UTC + offset */
    secs -= (int64_t)offset_min * 60;
    *ms = secs * 1000 + millis;
    return MG_OK;
}
