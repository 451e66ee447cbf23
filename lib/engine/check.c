/*
 * check.c - local programs as backends: replies and exit codes to
 * verdicts, the program's argv and environment (see check.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "childenv.h"
#include "mapping.h"
#include "xalloc.h"

#define BACKOFF_FIRST_MS	100
#define BACKOFF_MAX_MS		(10 * 1000)

char **
check_argv(const struct conf_entry *e)
{
	char	**v = xcalloc(e->ncommand + 1, sizeof(char *));
	size_t	 i;

	for (i = 0; i < e->ncommand; i++)
		v[i] = e->command[i];
	return (v);
}

char **
check_env(const struct conf_entry *e)
{
	struct childenv ce;

	childenv_init(&ce, 2);
	childenv_set(&ce, "PFXHTTP_SECTION", conf_kind_section(e->kind));
	childenv_set(&ce, "PFXHTTP_NAME", e->name);
	return (childenv_finish(&ce, e->environment, e->nenvironment,
	    CHECK_PATH));
}

int
check_request_ok(const char *p, size_t n)
{
	return (memchr(p, '\n', n) == NULL);
}

void
check_failed(struct pfx_result *res, enum pfx_verdict v, const char *why)
{
	result_set(res, v == PFX_TIMEOUT ? PFX_TIMEOUT : PFX_TEMPFAIL, why);
}

void
check_map_reply(const struct conf_entry *e, const char *p, size_t n,
    struct pfx_result *res)
{
	size_t	 b = 0;

	while (b < n && (p[b] == ' ' || p[b] == '\t' || p[b] == '\r'))
		b++;
	if (b < n && p[b] == '{')
		lookup_map_body(e, e->status_code, "application/json", p, n,
		    res);
	else
		lookup_map_plain(e, p, n, res);
	/* a program's answer is never taken for a permanent failure */
	if (res->verdict == PFX_PERMFAIL)
		res->verdict = PFX_TEMPFAIL;
}

void
check_map_exit(const struct conf_entry *e, int st, const char *out,
    size_t len, struct pfx_result *res)
{
	char	 why[64];

	if (WIFEXITED(st) && WEXITSTATUS(st) == CHECK_EXIT_FOUND) {
		/* the output is one reply; its final newline is not part */
		while (len > 0 && (out[len - 1] == '\n' ||
		    out[len - 1] == '\r'))
			len--;
		check_map_reply(e, out, len, res);
		return;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == CHECK_EXIT_NOTFOUND) {
		result_set(res, PFX_NOTFOUND, NULL);
		return;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == CHECK_EXIT_TEMPFAIL)
		snprintf(why, sizeof(why), "check failed temporarily (exit"
		    " 75)");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		snprintf(why, sizeof(why), "check program did not run (exit"
		    " 127)");
	else if (WIFEXITED(st))
		snprintf(why, sizeof(why), "check failed (exit status %d)",
		    WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "check killed by signal %d",
		    WTERMSIG(st));
	else
		snprintf(why, sizeof(why), "check ended with wait status %#x",
		    (unsigned)st);
	check_failed(res, PFX_TEMPFAIL, why);
}

long long
check_backoff_ms(unsigned int fails)
{
	long long ms = BACKOFF_FIRST_MS;

	/* the first restart is at once: one bad request is no pattern */
	if (fails <= 1)
		return (0);
	while (--fails > 1 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return (ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS);
}
