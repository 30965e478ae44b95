/*
 * log — one line per event on stderr. Operational messages are plain
 * text; the access log is JSON (http/server.c).
 */
#ifndef TS_LOG_H
#define TS_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Write a complete line (including '\n') with one write(2). */
void log_line(const char *line, unsigned long len);

#endif
