/*
 * test-h1resp.c - the HTTP/1.1 response parser of tokend's own client
 *
 * Each case is a byte stream and what the parser must make of it:
 * "STATUS keep|close <body> +N" when the response is done (N bytes after
 * it left unread), "error" when it must refuse it, "more" when it waits
 * for more, and "eof: ..." what the end of the connection then gives.
 * Every case is fed whole, one byte at a time and in 3-byte pieces: the
 * outcome must be the same.  The header callback sees each line once.
 */
#include <stdio.h>

#include "h1resp.h"
#include "t.h"

static const struct {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*want;
	const char	*at_eof;	/* NULL: not checked */
} cases[] = {
	{ "content-length", W("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
	    "200 keep <hello> +0", NULL },
	{ "LF only lines", W("HTTP/1.1 200 OK\nContent-Length: 2\n\nhi"),
	    "200 keep <hi> +0", NULL },
	{ "no reason phrase", W("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n"),
	    "404 keep <> +0", NULL },
	{ "bytes after it", W("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP"),
	    "200 keep <x> +4", NULL },
	{ "connection close", W("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"),
	    "200 close <x> +0", NULL },
	{ "close in a list", W("HTTP/1.1 200 OK\r\nConnection: TE, Close\r\nContent-Length: 0\r\n\r\n"),
	    "200 close <> +0", NULL },
	{ "http/1.0", W("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"),
	    "200 close <x> +0", NULL },
	{ "http/1.0 keep-alive", W("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"),
	    "200 keep <x> +0", NULL },
	{ "chunked", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"),
	    "200 keep <hello world> +0", NULL },
	{ "chunked, hex and trailer", W("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
	    "A\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n"),
	    "200 keep <0123456789> +0", NULL },
	{ "chunk without CRLF", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nabX\r\n0\r\n\r\n"), "error", NULL },
	{ "bad chunk size", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\n"), "error", NULL },
	{ "empty chunk size", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "\r\n"), "error", NULL },
	{ "huge chunk size", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1000000000000000\r\n"), "error", NULL },
	{ "interim 100", W("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"),
	    "201 keep <ok> +0", NULL },
	{ "keep-alive of an interim answer is not kept", W("HTTP/1.1 100 Continue\r\nConnection: keep-alive\r\n\r\n"
	    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"), "200 close <x> +0", NULL },
	{ "101 refused", W("HTTP/1.1 101 Switching Protocols\r\n\r\n"), "error", NULL },
	{ "no length: to the end", W("HTTP/1.1 200 OK\r\n\r\nabc"),
	    "more", "200 close <abc>" },
	{ "204 has no body", W("HTTP/1.1 204 No Content\r\n\r\n"),
	    "204 keep <> +0", NULL },
	{ "cut body", W("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
	    "more", "error" },
	{ "cut head", W("HTTP/1.1 200 OK\r\nContent-"), "more", "error" },
	/* two readings of one response: refused */
	{ "length and chunked", W("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    "error", NULL },
	{ "two lengths", W("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"),
	    "error", NULL },
	{ "the same length twice", W("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"),
	    "200 keep <x> +0", NULL },
	{ "length list", W("HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nx"), "error", NULL },
	{ "signed length", W("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx"), "error", NULL },
	{ "huge length", W("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999\r\n\r\n"), "error", NULL },
	{ "gzip transfer-encoding", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
	    "error", NULL },
	{ "chunked twice", W("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    "error", NULL },
	{ "folded header", W("HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n"), "error", NULL },
	{ "space before colon", W("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello"), "error", NULL },
	{ "no colon", W("HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\n"), "error", NULL },
	{ "bare CR", W("HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n"), "error", NULL },
	{ "not HTTP", W("SSH-2.0-OpenSSH\r\n"), "error", NULL },
	{ "HTTP/2 status line", W("HTTP/2 200\r\n\r\n"), "error", NULL },
	{ "status 99", W("HTTP/1.1 099 x\r\n\r\n"), "error", NULL },
	{ "status 600", W("HTTP/1.1 600 x\r\n\r\n"), "error", NULL },
	{ "status glued to reason", W("HTTP/1.1 200OK\r\n\r\n"), "error", NULL },
	{ "empty status line", W("\r\nHTTP/1.1 200 OK\r\n\r\n"), "error", NULL },
};

struct got {
	char	 body[256];
	size_t	 bodylen;
	int	 lines;
};

static int
on_header(void *arg, const char *line, size_t len)
{
	struct got *g = arg;

	(void)line;
	(void)len;
	g->lines++;
	return (0);
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct got *g = arg;

	if (g->bodylen + n > sizeof(g->body))
		return (1);
	memcpy(g->body + g->bodylen, p, n);
	g->bodylen += n;
	return (0);
}

/* outcome - what the parser says of r */

static void
outcome(const struct h1resp *r, const struct got *g, size_t rest, char *out,
    size_t outlen, int with_rest)
{
	if (r->st == H1_ERROR)
		snprintf(out, outlen, "error");
	else if (r->st != H1_DONE)
		snprintf(out, outlen, "more");
	else if (with_rest)
		snprintf(out, outlen, "%d %s <%.*s> +%zu", r->status,
		    r->keep_alive ? "keep" : "close", (int)g->bodylen, g->body,
		    rest);
	else
		snprintf(out, outlen, "%d %s <%.*s>", r->status,
		    r->keep_alive ? "keep" : "close", (int)g->bodylen, g->body);
}

/* run - feed in pieces of step bytes (0: whole) */

static void
run(size_t i, size_t step, const char *how)
{
	struct h1resp r;
	struct got g;
	struct h1resp_cb cb = { on_header, on_body, &g };
	const char *p = cases[i].in;
	size_t	 n = cases[i].len, off = 0, k, used;
	char	 out[512];

	memset(&g, 0, sizeof(g));
	h1resp_init(&r);
	while (off < n) {
		k = step == 0 || n - off < step ? n - off : step;
		used = h1resp_feed(&r, p + off, k, &cb);
		off += used;
		if (used < k || r.st == H1_DONE || r.st == H1_ERROR)
			break;
	}
	outcome(&r, &g, n - off, out, sizeof(out), 1);
	is_str(out, cases[i].want, "%s (%s)", cases[i].name, how);
	if (r.st == H1_ERROR)
		ok(r.error != NULL && r.error[0] != '\0', "%s (%s): says why",
		    cases[i].name, how);
	if (cases[i].at_eof != NULL) {
		h1resp_eof(&r);
		outcome(&r, &g, 0, out, sizeof(out), 0);
		is_str(out, cases[i].at_eof, "%s (%s): at the end", cases[i].name,
		    how);
	}
}

int
main(void)
{
	struct h1resp r;
	struct got g;
	struct h1resp_cb cb = { on_header, on_body, &g };
	char	 big[H1_HEAD_MAX + 64];
	size_t	 i, off;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run(i, 0, "whole");
		run(i, 1, "bytewise");
		run(i, 3, "3-byte pieces");
	}

	/* every header line reaches the callback, the status line too */
	memset(&g, 0, sizeof(g));
	h1resp_init(&r);
	h1resp_feed(&r, W("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n"),
	    &cb);
	is_int(g.lines, 4, "the status line and three headers reach the callback");

	/* a body over what the callback takes stops the parser */
	memset(&g, 0, sizeof(g));
	h1resp_init(&r);
	memset(big, 'x', sizeof(big));
	off = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n");
	h1resp_feed(&r, big, off + 300, &cb);
	ok(r.st == H1_ERROR && r.stopped, "a body the callback refuses stops it");

	/* bounded: an endless line, an endless head */
	h1resp_init(&r);
	memset(big, 'a', sizeof(big));
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	h1resp_feed(&r, big, sizeof(big), &cb);
	ok(r.st == H1_ERROR, "a header line over %d bytes is refused", H1_LINE_MAX);
	h1resp_init(&r);
	off = (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
	while (off + 8 < sizeof(big))
		off += (size_t)snprintf(big + off, sizeof(big) - off, "X: 12\r\n");
	h1resp_feed(&r, big, off, &cb);
	ok(r.st == H1_ERROR, "a head over %d bytes is refused", H1_HEAD_MAX);
	return (done_testing());
}
