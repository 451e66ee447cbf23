/*
 * fuzz-h1resp.c - HTTP/1.1 responses (tokend's own HTTP client)
 *
 * The input is what a backend sends.  The parser uses no byte beyond
 * the input and stops using bytes only when done or refusing; the body
 * it hands over is never longer than the input; fed in pieces of any
 * size it reaches the same state, status, framing and body; a finished
 * response that keeps the connection was framed by its length or
 * chunks; an error says why.
 */
#include <string.h>

#include "fuzz.h"
#include "h1resp.h"

struct sink {
	char	 body[4096];
	size_t	 len;
	int	 full;
};

static int
on_body(void *arg, const char *p, size_t n)
{
	struct sink *s = arg;

	if (s->len + n > sizeof(s->body)) {
		s->full = 1;
		return (1);
	}
	memcpy(s->body + s->len, p, n);
	s->len += n;
	return (0);
}

static size_t
feed(struct h1resp *r, struct sink *s, const char *p, size_t n, size_t step)
{
	struct h1resp_cb cb = { NULL, on_body, s };
	size_t	 off = 0, k, used;

	h1resp_init(r);
	memset(s, 0, sizeof(*s));
	while (off < n) {
		k = n - off < step ? n - off : step;
		used = h1resp_feed(r, p + off, k, &cb);
		CHECK(used <= k);
		off += used;
		if (used < k) {
			CHECK(r->st == H1_DONE || r->st == H1_ERROR);
			break;
		}
		if (r->st == H1_DONE || r->st == H1_ERROR)
			break;
	}
	return (off);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct h1resp a, b;
	static struct sink sa, sb;
	size_t	 ua, ub;

	ua = feed(&a, &sa, p, size, size > 0 ? size : 1);
	CHECK(ua <= size && sa.len <= size);
	if (a.st == H1_ERROR)
		CHECK(a.error != NULL && a.error[0] != '\0');
	if (a.st == H1_DONE) {
		CHECK(a.status >= 200 && a.status <= 599);
		CHECK(!a.keep_alive || a.have_len || a.chunked ||
		    a.status == 204 || a.status == 304);
	}
	ub = feed(&b, &sb, p, size, 1 + size % 7);
	CHECK(a.st == b.st && ua == ub);
	if (a.st != H1_ERROR) {
		CHECK(a.status == b.status && a.keep_alive == b.keep_alive);
		CHECK(sa.len == sb.len && memcmp(sa.body, sb.body, sa.len) == 0);
	}
	h1resp_eof(&a);
	CHECK(a.st == H1_DONE || a.st == H1_ERROR);
	h1resp_wipe(&a);
	return (0);
}
