/* log.c - timestamped lines on stderr; one fprintf per line so threads do not interleave. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int g_level = LOG_INFO;

void log_set_level(int level) { g_level = level; }

void log_msg(int level, const char *fmt, ...)
{
    if (level < g_level)
        return;
    static const char *names[] = { "debug", "info", "warn", "error" };
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level], msg);
}
