/*
 * test-socketmap.c - the socketmap codec (socketmap_table(5), server side)
 *
 * Conversations are fed whole and in small pieces; each request is
 * described as "R[map|key]" and answered FOUND with its key, so the
 * output shows the order of replies.  max_request is 32, max_reply 64.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec.h"

static const struct codec_case cases[] = {
	{ "basic",
	    W("13:aliases alice,"),
	    "R[aliases|alice]",
	    W("8:OK alice,") },
	{ "key with spaces",
	    W("19:aliases John  Doe x,"),
	    "R[aliases|John  Doe x]",
	    W("14:OK John  Doe x,") },
	{ "split at first space",
	    W("5:a b c,"),
	    "R[a|b c]",
	    W("6:OK b c,") },
	{ "key starts with space",
	    W("8:map  key,"),
	    "R[map| key]",
	    W("7:OK  key,") },
	{ "no space",
	    W("7:aliases,"),
	    "",
	    W("9:NOTFOUND ,") },
	{ "empty key",
	    W("8:aliases ,"),
	    "",
	    W("9:NOTFOUND ,") },
	{ "empty map name",
	    W("6: alice,"),
	    "",
	    W("9:NOTFOUND ,") },
	{ "empty request",
	    W("0:,"),
	    "",
	    W("9:NOTFOUND ,") },
	{ "NUL in key",
	    W("13:aliases al\000ce,"),
	    "",
	    W("32:PERM request contains a NUL byte,") },
	{ "NUL in map name",
	    W("4:a\000 b,"),
	    "",
	    W("32:PERM request contains a NUL byte,") },
	{ "oversized then in sync",
	    W("48:aliases xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,11:aliases bob,"),
	    "R[aliases|bob]",
	    W("31:PERM request exceeds size limit,6:OK bob,") },
	{ "exactly max_request",
	    W("32:aliases yyyyyyyyyyyyyyyyyyyyyyyy,"),
	    "R[aliases|yyyyyyyyyyyyyyyyyyyyyyyy]",
	    W("27:OK yyyyyyyyyyyyyyyyyyyyyyyy,") },
	{ "pipelined",
	    W("3:m a,3:m b,3:m c,"),
	    "R[m|a]R[m|b]R[m|c]",
	    W("4:OK a,4:OK b,4:OK c,") },
	{ "framing error",
	    W("13:aliases alice;"),
	    "C",
	    W("") },
	{ "garbage",
	    W("hello"),
	    "C",
	    W("") },
	{ "error after a request",
	    W("3:m a,x"),
	    "R[m|a]C",
	    W("4:OK a,") },
	{ "bytes after the error unread",
	    W("x3:m a,"),
	    "C",
	    W("") },
	{ "EOF in length",
	    W("1"),
	    "...",
	    W("") },
	{ "EOF in payload",
	    W("13:aliases al"),
	    "...",
	    W("") },
	{ "EOF before comma",
	    W("13:aliases alice"),
	    "...",
	    W("") },
	{ "EOF after a request",
	    W("3:m a,5:m"),
	    "R[m|a]...",
	    W("4:OK a,") },
	{ "8-bit key",
	    W("7:m caf\303\251,"),
	    "R[m|caf\303\251]",
	    W("8:OK caf\303\251,") },
};

static const struct reply_case replies[] = {
	{ "FOUND", PFX_FOUND,
	    W("value"),
	    W("8:OK value,") },
	{ "FOUND with spaces and tab", PFX_FOUND,
	    W("a\011b c"),
	    W("8:OK a\011b c,") },
	{ "FOUND 8-bit", PFX_FOUND,
	    W("caf\303\251"),
	    W("8:OK caf\303\251,") },
	{ "FOUND empty is NOTFOUND", PFX_FOUND,
	    W(""),
	    W("9:NOTFOUND ,") },
	{ "FOUND with NUL", PFX_FOUND,
	    W("a\000b"),
	    W("30:PERM value contains a NUL byte,") },
	{ "NOTFOUND", PFX_NOTFOUND,
	    W("ignored"),
	    W("9:NOTFOUND ,") },
	{ "TEMP", PFX_TEMPFAIL,
	    W("backend answered HTTP 503"),
	    W("30:TEMP backend answered HTTP 503,") },
	{ "TEMP sanitised", PFX_TEMPFAIL,
	    W("db\015\012down\000x"),
	    W("15:TEMP db  down x,") },
	{ "TEMP empty reason", PFX_TEMPFAIL,
	    W(""),
	    W("22:TEMP unspecified error,") },
	{ "TIMEOUT", PFX_TIMEOUT,
	    W("backend timed out"),
	    W("25:TIMEOUT backend timed out,") },
	{ "TIMEOUT sanitised", PFX_TIMEOUT,
	    W("a\011b\033[1m"),
	    W("15:TIMEOUT a b [1m,") },
	{ "PERM", PFX_PERMFAIL,
	    W("unknown map name"),
	    W("21:PERM unknown map name,") },
	{ "PERM sanitised", PFX_PERMFAIL,
	    W("bad\177\001x"),
	    W("11:PERM bad  x,") },

};

static void
describe(const struct pfx_req *req, struct buf *ev)
{
	const char *v;
	size_t	 n;

	(void)buf_puts(ev, "R[");
	v = pfx_req_get(req, "name", &n);
	(void)buf_append(ev, v != NULL ? v : "(null)", v != NULL ? n : 6);
	(void)buf_putc(ev, '|');
	if ((v = pfx_req_get(req, "key", &n)) != NULL)
		(void)buf_append(ev, v, n);
	(void)buf_putc(ev, ']');
}

/* check_len - a value or reason of n copies of c, expected payload want */

static void
check_len(const char *name, size_t max_reply, enum pfx_verdict v, int c,
    size_t n, const char *want)
{
	struct proto_opts po = { .max_request = 32, .max_reply = max_reply,
	    .default_action = NULL };
	char	*text = malloc(n), *ref = malloc(strlen(want) + 16);

	memset(text, c, n);
	snprintf(ref, strlen(want) + 16, "%zu:%s,", strlen(want), want);
	check_reply(name, &proto_socketmap, &po, v, text, n, ref, strlen(ref));
	free(text);
	free(ref);
}

static char *
rep(const char *prefix, int c, size_t n)
{
	size_t	 p = strlen(prefix);
	char	*s = malloc(p + n + 1);

	memcpy(s, prefix, p);
	memset(s + p, c, n);
	s[p + n] = '\0';
	return (s);
}

int
main(void)
{
	struct proto_opts po = { .max_request = 32, .max_reply = 64,
	    .default_action = NULL };
	char	*s;

	check_tables("socketmap", &proto_socketmap, &po, cases,
	    sizeof(cases) / sizeof(cases[0]), describe, answer_key, replies,
	    sizeof(replies) / sizeof(replies[0]));

	/* the whole reply payload, "OK " included, is bounded by max_reply */
	check_len("FOUND exactly max_reply", 64, PFX_FOUND, 'v', 61,
	    s = rep("OK ", 'v', 61));
	free(s);
	check_len("FOUND one over max_reply", 64, PFX_FOUND, 'v', 62,
	    "PERM reply exceeds socketmap_max_reply_size");
	check_len("FOUND at Postfix's 100000", 100000, PFX_FOUND, 'v', 99997,
	    s = rep("OK ", 'v', 99997));
	free(s);
	check_len("FOUND over Postfix's 100000", 100000, PFX_FOUND, 'v', 99998,
	    "PERM reply exceeds socketmap_max_reply_size");
	check_len("PERM reason cut at 200", 1000, PFX_PERMFAIL, 'r', 300,
	    s = rep("PERM ", 'r', 200));
	free(s);
	check_len("TEMP reason within max_reply", 64, PFX_TEMPFAIL, 'r', 100,
	    s = rep("TEMP ", 'r', 59));
	free(s);
	return (done_testing());
}
