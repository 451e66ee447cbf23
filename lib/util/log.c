/*
 * log.c - syslog logging with an optional terminal copy
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static int	 log_level = LOG_LVL_INFO;
static int	 log_stderr;
static const char *log_ident = "pfxhttp";

void
log_init(const char *ident, int to_stderr)
{
	log_ident = ident;
	log_stderr = to_stderr;
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_enabled(int level)
{
	return (level <= log_level);
}

/* log_level_parse - map a config word to a level, -1 when unknown */

int
log_level_parse(const char *s)
{
	static const char *const names[] = {
		"none", "error", "warning", "info", "debug",
	};
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i]) == 0)
			return ((int)i);
	if (strcasecmp(s, "warn") == 0)
		return (LOG_LVL_WARN);
	return (-1);
}

__attribute__((format(printf, 3, 0)))
static void
log_vemit(int level, int prio, const char *fmt, va_list ap)
{
	int	 saved = errno;
	va_list	 ap2;

	/* level -1: always (fatal messages, even at logging.level none) */
	if (level > log_level) {
		errno = saved;
		return;
	}
	if (log_stderr) {
		va_copy(ap2, ap);
		fprintf(stderr, "%s: ", log_ident);
		vfprintf(stderr, fmt, ap2);
		fputc('\n', stderr);
		va_end(ap2);
	}
	vsyslog(prio, fmt, ap);
	errno = saved;
}

#define LOG_FN(fn, level, prio)					\
void									\
fn(const char *fmt, ...)						\
{									\
	va_list	 ap;							\
									\
	va_start(ap, fmt);						\
	log_vemit(level, prio, fmt, ap);				\
	va_end(ap);							\
}

LOG_FN(log_debug, LOG_LVL_DEBUG, LOG_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO, LOG_INFO)
LOG_FN(log_warnx, LOG_LVL_WARN, LOG_WARNING)
LOG_FN(log_errx, LOG_LVL_ERROR, LOG_ERR)

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vemit(-1, LOG_CRIT, fmt, ap);
	va_end(ap);
	_exit(1);
}

/*
 * log_nomem - "out of memory" without allocating: syslog(3) and stdio
 * may call malloc, so the datagram goes to /dev/log by hand
 */
void
log_nomem(void)
{
	struct sockaddr_un sun;
	char	 msg[192];
	int	 fd, n, body;

	body = snprintf(msg, sizeof(msg), "<%d>", LOG_MAIL | LOG_CRIT);
	n = snprintf(msg + body, sizeof(msg) - (size_t)body,
	    "%s[%ld]: fatal: out of memory", log_ident, (long)getpid());
	if (n <= 0 || (size_t)n >= sizeof(msg) - (size_t)body)
		return;
	n += body;
	if (log_stderr) {
		msg[n] = '\n';
		(void)write(STDERR_FILENO, msg + body, (size_t)(n + 1 - body));
		msg[n] = '\0';
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/dev/log", sizeof("/dev/log"));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)sendto(fd, msg, (size_t)n, MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, sizeof(sun));
	(void)close(fd);
}

const char *
log_safe(char *dst, size_t dstlen, const char *p, size_t n)
{
	size_t	 i, o = 0;
	unsigned char c;

	if (dstlen == 0)
		return ("");
	for (i = 0; i < n && o + 1 < dstlen; i++) {
		c = (unsigned char)p[i];
		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (i < n && o >= 4)
		memcpy(dst + o - 3, "...", 3);
	dst[o] = '\0';
	return (dst);
}
