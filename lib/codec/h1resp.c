/*
 * h1resp.c - an HTTP/1.1 response, parsed as its bytes arrive (see
 * h1resp.h; RFC 9112)
 */
#include <string.h>
#include <strings.h>

#include "h1resp.h"

#define LEN_DIGITS_MAX	15	/* decimal or hex: far below LLONG_MAX */

void
h1resp_init(struct h1resp *r)
{
	r->st = H1_STATUS;
	r->status = 0;
	r->keep_alive = 0;
	r->chunked = 0;
	r->have_len = 0;
	r->closing = 0;
	r->minor = 1;
	r->stopped = 0;
	r->left = 0;
	r->head_bytes = 0;
	r->linelen = 0;
	r->error = NULL;
}

void
h1resp_wipe(struct h1resp *r)
{
	explicit_bzero(r->line, sizeof(r->line));
	r->linelen = 0;
}

static void
fail(struct h1resp *r, const char *why)
{
	r->st = H1_ERROR;
	r->error = why;
}

int
h1_tchar(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL));
}

static int
ows(char c)
{
	return (c == ' ' || c == '\t');
}

/* name_is - the header name p[0..n) is NAME, whatever the case */

static int
name_is(const char *p, size_t n, const char *name)
{
	return (n == strlen(name) && strncasecmp(p, name, n) == 0);
}

static void
status_line(struct h1resp *r, const char *p, size_t n)
{
	int	 s;

	if (n < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (n > 12 && p[12] != ' ')) {
		fail(r, "malformed status line");
		return;
	}
	s = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	r->status = s;
	r->minor = p[7] - '0';
	r->chunked = r->have_len = r->closing = r->keep_alive = 0;
	r->left = 0;
	r->st = H1_HEADER;
}

/* connection_tokens - Connection: a list; close wins over keep-alive */

static void
connection_tokens(struct h1resp *r, const char *v, size_t n)
{
	size_t	 i = 0, a, e;

	while (i < n) {
		while (i < n && (ows(v[i]) || v[i] == ','))
			i++;
		for (a = i; i < n && v[i] != ','; i++)
			;
		for (e = i; e > a && ows(v[e - 1]); e--)
			;
		if (name_is(v + a, e - a, "close"))
			r->closing = 1;
		else if (name_is(v + a, e - a, "keep-alive"))
			r->keep_alive = 1;
	}
}

static void
content_length(struct h1resp *r, const char *v, size_t n)
{
	long long len = 0;
	size_t	 i;

	if (n == 0 || n > LEN_DIGITS_MAX) {
		fail(r, "bad Content-Length");
		return;
	}
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			fail(r, "bad Content-Length");
			return;
		}
		len = len * 10 + (v[i] - '0');
	}
	if (r->have_len && len != r->left) {
		fail(r, "two different Content-Lengths");
		return;
	}
	r->have_len = 1;
	r->left = len;
}

/* head_end - the empty line after the headers: how the body is framed */

static void
head_end(struct h1resp *r)
{
	if (r->status < 200) {
		if (r->status == 101) {
			fail(r, "unexpected 101 Switching Protocols");
			return;
		}
		r->st = H1_STATUS;	/* an interim response: the next one */
		return;
	}
	if (r->chunked && r->have_len) {
		fail(r, "both Content-Length and Transfer-Encoding");
		return;
	}
	/* HTTP/1.1 stays open unless closed; 1.0 only when asked to */
	r->keep_alive = (r->minor == 1 || r->keep_alive) && !r->closing;
	if (r->status == 204 || r->status == 304)
		r->st = H1_DONE;
	else if (r->chunked)
		r->st = H1_CHUNK_SIZE;
	else if (r->have_len)
		r->st = r->left == 0 ? H1_DONE : H1_BODY_LEN;
	else {
		r->st = H1_BODY_CLOSE;
		r->keep_alive = 0;
	}
}

static void
header_line(struct h1resp *r, const char *p, size_t n,
    const struct h1resp_cb *cb)
{
	const char *colon, *v;
	size_t	 i, nl, vl;

	if (n == 0) {
		head_end(r);
		return;
	}
	if (ows(p[0])) {
		fail(r, "folded header line");
		return;
	}
	if ((colon = memchr(p, ':', n)) == NULL || colon == p) {
		fail(r, "malformed header line");
		return;
	}
	nl = (size_t)(colon - p);
	for (i = 0; i < nl; i++)
		if (!h1_tchar((unsigned char)p[i])) {
			fail(r, "malformed header name");
			return;
		}
	for (v = colon + 1, vl = n - nl - 1; vl > 0 && ows(*v); v++, vl--)
		;
	while (vl > 0 && ows(v[vl - 1]))
		vl--;
	if (name_is(p, nl, "Content-Length"))
		content_length(r, v, vl);
	else if (name_is(p, nl, "Transfer-Encoding")) {
		if (r->chunked || !name_is(v, vl, "chunked"))
			fail(r, "unsupported Transfer-Encoding");
		r->chunked = 1;
	} else if (name_is(p, nl, "Connection"))
		connection_tokens(r, v, vl);
	if (r->st != H1_ERROR && cb->header != NULL &&
	    cb->header(cb->arg, p, n) != 0) {
		r->stopped = 1;
		fail(r, "stopped at a header");
	}
}

static void
chunk_size_line(struct h1resp *r, const char *p, size_t n)
{
	long long size = 0;
	size_t	 i;
	int	 d;

	for (i = 0; i < n; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			break;
		if (i == LEN_DIGITS_MAX) {
			fail(r, "chunk size too large");
			return;
		}
		size = size * 16 + d;
	}
	/* then nothing, or an extension (ignored) after optional blanks */
	while (i > 0 && i < n && ows(p[i]))
		i++;
	if (i == 0 || (i < n && p[i] != ';')) {
		fail(r, "malformed chunk size");
		return;
	}
	if (size == 0)
		r->st = H1_TRAILER;
	else {
		r->left = size;
		r->st = H1_CHUNK_DATA;
	}
}

/* line - one whole line (its CRLF or LF removed) in the state it ends */

static void
line(struct h1resp *r, const char *p, size_t n, const struct h1resp_cb *cb)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (memchr(p, '\r', n) != NULL) {
		fail(r, "bare CR in a line");
		return;
	}
	switch (r->st) {
	case H1_STATUS:
		status_line(r, p, n);
		if (r->st == H1_HEADER && cb->header != NULL &&
		    cb->header(cb->arg, p, n) != 0) {
			r->stopped = 1;
			fail(r, "stopped at the status line");
		}
		break;
	case H1_HEADER:
		header_line(r, p, n, cb);
		break;
	case H1_CHUNK_SIZE:
		chunk_size_line(r, p, n);
		break;
	case H1_CHUNK_END:
		if (n != 0)
			fail(r, "no line end after a chunk");
		else
			r->st = H1_CHUNK_SIZE;
		break;
	case H1_TRAILER:
		if (n == 0)
			r->st = H1_DONE;	/* trailer fields are ignored */
		break;
	default:
		break;
	}
}

static int
in_head(enum h1_state st)
{
	return (st == H1_STATUS || st == H1_HEADER || st == H1_TRAILER);
}

/* take_line - bytes of a line state; how many it used */

static size_t
take_line(struct h1resp *r, const char *p, size_t n,
    const struct h1resp_cb *cb)
{
	const char *nl = memchr(p, '\n', n);
	size_t	 k = nl != NULL ? (size_t)(nl - p) : n;

	if (in_head(r->st) && (r->head_bytes += k + (nl != NULL)) >
	    H1_HEAD_MAX) {
		fail(r, "response head too large");
		return (0);
	}
	if (r->linelen + k >= sizeof(r->line)) {
		fail(r, "line too long");
		return (0);
	}
	memcpy(r->line + r->linelen, p, k);
	r->linelen += k;
	if (nl == NULL)
		return (n);
	line(r, r->line, r->linelen, cb);
	r->linelen = 0;
	return (k + 1);
}

/* take_body - body bytes, at most r->left unless the end frames it */

static size_t
take_body(struct h1resp *r, const char *p, size_t n,
    const struct h1resp_cb *cb)
{
	size_t	 k = n;

	if (r->st != H1_BODY_CLOSE && (long long)k > r->left)
		k = (size_t)r->left;
	if (cb->body != NULL && cb->body(cb->arg, p, k) != 0) {
		r->stopped = 1;
		fail(r, "body refused");
		return (0);
	}
	if (r->st == H1_BODY_CLOSE)
		return (k);
	if ((r->left -= (long long)k) == 0)
		r->st = r->st == H1_BODY_LEN ? H1_DONE : H1_CHUNK_END;
	return (k);
}

size_t
h1resp_feed(struct h1resp *r, const char *p, size_t n,
    const struct h1resp_cb *cb)
{
	size_t	 used = 0;

	while (used < n && r->st != H1_DONE && r->st != H1_ERROR) {
		if (r->st == H1_BODY_LEN || r->st == H1_CHUNK_DATA ||
		    r->st == H1_BODY_CLOSE)
			used += take_body(r, p + used, n - used, cb);
		else
			used += take_line(r, p + used, n - used, cb);
	}
	return (used);
}

void
h1resp_eof(struct h1resp *r)
{
	if (r->st == H1_BODY_CLOSE)
		r->st = H1_DONE;
	else if (r->st != H1_DONE && r->st != H1_ERROR)
		fail(r, "connection closed before the response ended");
}
