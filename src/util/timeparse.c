/* timeparse.c - Prometheus-compatible time and duration parsing. */
#include "util/mem.h"
#include "util/timeparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_float(slice s, double *out)
{
    char tmp[64];
    if (s.n == 0 || s.n >= sizeof tmp)
        return -1;
    mem_copy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (*end || end == tmp)
        return -1;
    /* reject hex floats / inf / nan words as times */
    for (size_t i = 0; i < s.n; i++)
        if (!strchr("0123456789.-+eE", tmp[i]))
            return -1;
    *out = v;
    return 0;
}

static int digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

/* days since 1970-01-01 for a proleptic Gregorian date */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_rfc3339(slice s, int64_t *ms)
{
    char b[64];
    if (s.n < 20 || s.n >= sizeof b)
        return -1;
    mem_copy(b, s.p, s.n);
    b[s.n] = '\0';
    int Y, M, D, h, m, sec;
    if (digits(b, 4, &Y) || b[4] != '-' || digits(b + 5, 2, &M) || b[7] != '-' || digits(b + 8, 2, &D) ||
        (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || digits(b + 11, 2, &h) || b[13] != ':' ||
        digits(b + 14, 2, &m) || b[16] != ':' || digits(b + 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    /* Go's time.Parse rejects days past the month's end ("day out of range") */
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] || (M == 2 && D == 29 && !leap))
        return -1;
    const char *p = b + 19;
    int64_t frac_ms = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        int64_t scale = 100;
        while (*p >= '0' && *p <= '9') {
            if (nd < 3) {
                frac_ms += (*p - '0') * scale;
                scale /= 10;
            }
            nd++;
            p++;
        }
        if (nd == 0)
            return -1;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
            return -1;
        off = (int64_t)(oh * 60 + om) * 60 * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t secs = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec - off;
    *ms = secs * 1000 + frac_ms;
    return 0;
}

int parse_time_ms(slice s, int64_t *ms)
{
    double f;
    if (parse_float(s, &f) == 0) {
        if (!isfinite(f) || fabs(f) > 9.2e15)
            return -1;
        /* Prometheus: time.Unix(sec, nsec) then ms; round to the nearest ms */
        double whole = floor(f);
        double frac = f - whole;
        *ms = (int64_t)whole * 1000 + (int64_t)llround(frac * 1000.0);
        return 0;
    }
    return parse_rfc3339(s, ms);
}

int parse_promql_duration_ms(slice s, int64_t *ms)
{
    /* units in descending order; each at most once, as Prometheus requires */
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = { { "y", 365LL * 86400000 }, { "w", 7LL * 86400000 }, { "d", 86400000 }, { "h", 3600000 },
                  { "m", 60000 },           { "s", 1000 },           { "ms", 1 } };
    size_t i = 0;
    int last = -1;
    int64_t total = 0;
    if (s.n == 0)
        return -1;
    while (i < s.n) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return -1;
        int64_t v = 0;
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return -1;
            v = v * 10 + (s.p[i] - '0');
            i++;
        }
        int u = -1;
        for (int k = 0; k < 7; k++) {
            size_t ul = strlen(units[k].u);
            if (i + ul <= s.n && !memcmp(s.p + i, units[k].u, ul)) {
                /* "m" vs "ms": prefer the longer match */
                if (k == 4 && i + 2 <= s.n && s.p[i + 1] == 's')
                    continue;
                u = k;
                i += ul;
                break;
            }
        }
        if (u < 0 || u <= last)
            return -1;
        last = u;
        if (v > INT64_MAX / units[u].ms || total > INT64_MAX - v * units[u].ms)
            return -1;
        total += v * units[u].ms;
    }
    *ms = total;
    return 0;
}

int parse_duration_ms(slice s, int64_t *ms)
{
    double f;
    if (parse_float(s, &f) == 0) {
        if (!isfinite(f) || f < 0 || f > 9.2e15)
            return -1;
        *ms = (int64_t)llround(f * 1000.0);
        return 0;
    }
    return parse_promql_duration_ms(s, ms);
}

int format_rfc3339_ms(char *out, size_t cap, int64_t ms)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return snprintf(out, cap, "invalid");
    return snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}
