/* log — see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "timeutil.h"

__attribute__((format(printf, 2, 0))) static void vlog(const char *level, const char *fmt,
                                                       va_list ap)
{
    char ts[40], msg[1024], line[1200];
    time_iso_us(time_now_us(), ts, sizeof ts);
    vsnprintf(msg, sizeof msg, fmt, ap);
    int n = snprintf(line, sizeof line, "%s %s %s\n", ts, level, msg);
    if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
    if (n > 0) log_line(line, (unsigned long)n);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("info", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", fmt, ap);
    va_end(ap);
}

void log_line(const char *line, unsigned long len)
{
    ssize_t r = write(STDERR_FILENO, line, len);
    (void)r;
}
