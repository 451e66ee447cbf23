/*
 * log.h - syslog logging, never to the protocol stream
 *
 * spawn(8) wires stderr to the Postfix socket, so messages go to syslog
 * (facility mail, ident pfxhttp) and to stderr only when it is a terminal.
 * Untrusted text is passed through log_safe() first.
 */
#ifndef PFX_LOG_H
#define PFX_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LVL_NONE = 0,
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void	 log_init(const char *ident, int to_stderr);
void	 log_set_level(int);
int	 log_level_parse(const char *);
int	 log_enabled(int);
void	 log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	 log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* fatalx - log (at every level, even none) and _exit(1) */
__attribute__((noreturn, format(printf, 1, 2)))
void	 fatalx(const char *, ...);
/* log_nomem - "out of memory" to syslog and the terminal, no malloc */
void	 log_nomem(void);

/* log_safe - render untrusted bytes printable, at most max bytes */
const char *log_safe(char *dst, size_t dstlen, const char *p, size_t n);

#endif
