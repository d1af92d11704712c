/*
 * log.h: the daemon's one logging API.  Lines go to stderr in the
 * foreground and to syslog otherwise.  log_warn appends strerror(errno),
 * log_warnx does not.  fatal/fatalx are for start-up, broken invariants and
 * out-of-memory only: nothing a client sends may reach them.
 */
#ifndef LATCHKEY_LOG_H
#define LATCHKEY_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_WARN = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

void	log_init(int foreground, enum log_level level, const char *ident);
void	log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
