/*
 * check.h - local programs as backends: the line protocol and the exit
 * codes (pure: no I/O)
 *
 * An entry with `command` instead of `target` asks a program.  In
 * persistent mode one long-lived coprocess reads one request a line on
 * stdin (the rendered payload: one line, JSON by default) and writes one
 * reply a line on stdout; in exec mode a process per request reads the
 * payload on stdin and answers with its exit code (and stdout).  A reply
 * is read as an HTTP 200 body would be:
 *
 *	{...}		a JSON object, mapped with value_field and
 *			error_field (null or a missing value: not found)
 *	anything else	the value itself: a bare line, or a JSON string,
 *			number or list; an empty line is not found
 *
 * Every failure of a check is temporary: it never answers permanently
 * for a program that crashed, hung or wrote garbage.
 */
#ifndef PFX_CHECK_H
#define PFX_CHECK_H

#include <stddef.h>

#include "childenv.h"
#include "conf.h"
#include "verdict.h"

#define CHECK_LINE_MAX	(64 * 1024)	/* a reply line, or exec's stdout */
#define CHECK_PATH	"/usr/local/bin:/usr/bin:/bin"
#define CHECK_EXIT_FOUND	0
#define CHECK_EXIT_NOTFOUND	1
#define CHECK_EXIT_TEMPFAIL	75	/* EX_TEMPFAIL */

/* check_argv - the entry's command as execve() takes it (free() it) */
char	**check_argv(const struct conf_entry *);
/*
 * check_env - the clean environment: PATH, the entry's environment
 * entries (the last of one name wins), PFXHTTP_SECTION and PFXHTTP_NAME;
 * strv_free() it
 */
char	**check_env(const struct conf_entry *);
/* check_request_ok - may this payload go out as one line? */
int	 check_request_ok(const char *, size_t);
/* check_map_reply - one reply (without its newline) to a verdict */
void	 check_map_reply(const struct conf_entry *, const char *, size_t,
	    struct pfx_result *);
/*
 * check_map_exit - an exec process's end: wstatus as waitpid() gives it,
 * out its stdout
 */
void	 check_map_exit(const struct conf_entry *, int wstatus,
	    const char *out, size_t len, struct pfx_result *);
/* check_backoff_ms - the wait before a start after n failures in a row:
 * none after one, then 100ms doubling up to 10s */
long long check_backoff_ms(unsigned int fails);
/* check_failed - a program failure: always temporary, why in reason */
void	 check_failed(struct pfx_result *, enum pfx_verdict, const char *why);

#endif
