/*
 * test-tcptable.c - the tcp_table codec (tcp_table(5), server side)
 *
 * Requests are described as "R[key]" (bytes other than printable ASCII
 * shown as \xHH) and answered FOUND with the key itself, so the reply
 * shows the %XX encoding.  max_request (the line limit) is 32.
 */
#include <stdlib.h>

#include "codec.h"

#define LONG40	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct codec_case cases[] = {
	{ "basic",		W("get alice\n"),	"R[alice]",
	    W("200 alice\n") },
	{ "escaped space",	W("get a%20b\n"),	"R[a b]",
	    W("200 a%20b\n") },
	{ "hex either case",	W("get %41%6a%6A%7e\n"), "R[Ajj~]",
	    W("200 Ajj~\n") },
	{ "escaped percent",	W("get 100%25\n"),	"R[100%]",
	    W("200 100%25\n") },
	{ "8-bit key",		W("get %e2%82%ac\n"),	"R[\\xe2\\x82\\xac]",
	    W("200 %E2%82%AC\n") },
	{ "raw space kept",	W("get a b\n"),		"R[a b]",
	    W("200 a%20b\n") },
	{ "bad hex %G1",	W("get %G1\n"),		"",
	    W("400 malformed%20key\n") },
	{ "bad hex %1G",	W("get a%1Gb\n"),	"",
	    W("400 malformed%20key\n") },
	{ "truncated %",	W("get abc%\n"),	"",
	    W("400 malformed%20key\n") },
	{ "truncated %4",	W("get abc%4\n"),	"",
	    W("400 malformed%20key\n") },
	{ "decoded NUL",	W("get a%00b\n"),	"",
	    W("400 malformed%20key\n") },
	{ "raw NUL",		W("get a\0b\n"),	"",
	    W("400 malformed%20key\n") },
	{ "empty key",		W("get \n"),		"",
	    W("400 malformed%20key\n") },
	{ "put",		W("put a b\n"),		"",
	    W("400 unsupported%20command\n") },
	{ "upper-case GET",	W("GET a\n"),		"",
	    W("400 unsupported%20command\n") },
	{ "get without key",	W("get\n"),		"",
	    W("400 unsupported%20command\n") },
	{ "empty line",		W("\n"),		"",
	    W("400 unsupported%20command\n") },
	{ "CRLF tolerated",	W("get alice\r\n"),	"R[alice]",
	    W("200 alice\n") },
	{ "CR inside kept",	W("get a\rb\n"),	"R[a\\x0db]",
	    W("200 a%0Db\n") },
	{ "line at the limit",	W("get 0123456789012345678901234567\n"),
	    "R[0123456789012345678901234567]",
	    W("200 0123456789012345678901234567\n") },
	{ "over-long line, in sync", W("get " LONG40 "\nget bob\n"),
	    "R[bob]", W("400 request%20too%20long\n200 bob\n") },
	{ "over-long CRLF line", W("get 0123456789012345678901234567\r\n"),
	    "", W("400 request%20too%20long\n") },
	{ "error then request",	W("put x\nget y\n"),	"R[y]",
	    W("400 unsupported%20command\n200 y\n") },
	{ "pipelined",		W("get a\nget b\nget c\n"), "R[a]R[b]R[c]",
	    W("200 a\n200 b\n200 c\n") },
	{ "EOF mid-line",	W("get ali"),		"...",
	    W("") },
	{ "EOF mid over-long line", W("get " LONG40),	"...",
	    W("") },
	{ "EOF after a request", W("get a\nget"),	"R[a]...",
	    W("200 a\n") },
	{ "empty input",	W(""),			"",
	    W("") },
};

static const struct reply_case replies[] = {
	{ "FOUND",		PFX_FOUND,	W("a@b.c"),
	    W("200 a@b.c\n") },
	{ "FOUND quoted",	PFX_FOUND,	W("a b%c\t\x01\x7f\xff"),
	    W("200 a%20b%25c%09%01%7F%FF\n") },
	{ "FOUND with NUL",	PFX_FOUND,	W("a\0b"),
	    W("200 a%00b\n") },
	{ "FOUND empty",	PFX_FOUND,	W(""),
	    W("500 not%20found\n") },
	{ "NOTFOUND",		PFX_NOTFOUND,	W("ignored"),
	    W("500 not%20found\n") },
	{ "TEMPFAIL",		PFX_TEMPFAIL,	W("backend answered HTTP 503"),
	    W("400 backend%20answered%20HTTP%20503\n") },
	{ "TEMPFAIL sanitised",	PFX_TEMPFAIL,	W("db\r\ndown"),
	    W("400 db%20%20down\n") },
	{ "TEMPFAIL no reason",	PFX_TEMPFAIL,	W(""),
	    W("400 temporary%20failure\n") },
	{ "TIMEOUT",		PFX_TIMEOUT,	W("backend timed out"),
	    W("400 backend%20timed%20out\n") },
	{ "PERMFAIL",		PFX_PERMFAIL,	W("backend answered HTTP 403"),
	    W("400 backend%20answered%20HTTP%20403\n") },
};

static void
describe(const struct pfx_req *req, struct buf *ev)
{
	const char *key;
	size_t	 i, keylen;
	unsigned char c;

	(void)buf_puts(ev, "R[");
	if ((key = pfx_req_get(req, "key", &keylen)) == NULL)
		keylen = 0;
	for (i = 0; i < keylen; i++) {
		c = (unsigned char)key[i];
		if (c >= 0x20 && c < 0x7f)
			(void)buf_putc(ev, c);
		else
			(void)buf_printf(ev, "\\x%02x", c);
	}
	(void)buf_putc(ev, ']');
}

/* check_len - FOUND of n copies of c; ok says whether it fits 4096 */

static void
check_len(const struct proto_opts *po, int c, size_t n, int fits)
{
	char	*text = malloc(n), *want = malloc(3 * n + 8);
	size_t	 wl;

	memset(text, c, n);
	if (fits) {
		memcpy(want, "200 ", 4);
		wl = 4;
		if (c == '%')
			while (wl < 4 + 3 * n) {
				memcpy(want + wl, "%25", 3);
				wl += 3;
			}
		else {
			memset(want + 4, c, n);
			wl += n;
		}
		want[wl++] = '\n';
	} else {
		static const char toolong[] = "400 reply%20too%20long\n";

		wl = sizeof(toolong) - 1;
		memcpy(want, toolong, wl);
	}
	check_reply(fits ? "line fits 4096 bytes" : "line over 4096 bytes",
	    &proto_tcptable, po, PFX_FOUND, text, n, want, wl);
	free(text);
	free(want);
}

int
main(void)
{
	struct proto_opts po = { .max_request = 32, .max_reply = 100000,
	    .default_action = NULL };

	check_tables("tcp", &proto_tcptable, &po, cases,
	    sizeof(cases) / sizeof(cases[0]), describe, answer_key, replies,
	    sizeof(replies) / sizeof(replies[0]));
	/* "200 " + value + LF <= 4096 (DICT_TCP_MAXLEN) */
	check_len(&po, 'a', 4091, 1);
	check_len(&po, 'a', 4092, 0);
	check_len(&po, '%', 1363, 1);		/* 4 + 4089 + 1 */
	check_len(&po, '%', 1364, 0);		/* 4 + 4092 + 1 */
	return (done_testing());
}
