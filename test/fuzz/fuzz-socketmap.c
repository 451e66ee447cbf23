/*
 * fuzz-socketmap.c - netstring framing and the socketmap codec
 *
 * The input is what Postfix writes to a socketmap server.  Replies must
 * be one well-formed netstring each (no leading zeros, at most ten
 * length digits) whose payload is "OK <value>", "NOTFOUND ", or
 * "TEMP|TIMEOUT|PERM <one printable line of at most 200 bytes>", and
 * never longer than socketmap_max_reply_size.
 */
#include <string.h>

#include "fuzz-proto.h"
#include "netstring.h"

#define REASON_MAX	200

/* sm_netstring - the one netstring in p[0..n), or abort */

static void
sm_netstring(const char *p, size_t n, const char **payload, size_t *len)
{
	size_t	 i = 0, want = 0;

	CHECK(n >= 3);
	CHECK(p[0] >= '0' && p[0] <= '9');
	CHECK(p[0] != '0' || p[1] == ':');		/* canonical length */
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		CHECK(i < 10);
		want = want * 10 + (size_t)(p[i] - '0');
		i++;
	}
	CHECK(i < n && p[i] == ':');
	i++;
	CHECK(n - i >= 1 && want == n - i - 1);
	CHECK(p[n - 1] == ',');
	*payload = p + i;
	*len = want;
}

static int
has_prefix(const char *p, size_t n, const char *word)
{
	size_t	 w = strlen(word);

	return (n >= w && memcmp(p, word, w) == 0);
}

/* sm_reason - "WORD <printable reason>" */

static void
sm_reason(const char *p, size_t n, const char *word)
{
	size_t	 w = strlen(word), i;

	CHECK(has_prefix(p, n, word));
	CHECK(n > w && p[w] == ' ');
	CHECK(n - w - 1 <= REASON_MAX);
	for (i = w + 1; i < n; i++)
		CHECK((unsigned char)p[i] >= 0x20 && p[i] != 0x7f);
}

static void
sm_check_req(const struct fz_codec *c, const struct pfx_req *req,
    const char *blk, size_t n)
{
	const char *map, *key;
	size_t	 maplen, keylen, i = 0, len = 0;

	/* exactly two attributes: name, then key */
	CHECK(req->nattrs == 2 && strcmp(req->attrs[0].name, "name") == 0 &&
	    strcmp(req->attrs[1].name, "key") == 0);
	map = pfx_req_get(req, "name", &maplen);
	key = pfx_req_get(req, "key", &keylen);
	CHECK(map != NULL && key != NULL);
	CHECK(maplen > 0 && strlen(map) == maplen &&
	    memchr(map, ' ', maplen) == NULL);
	CHECK(keylen > 0 && strlen(key) == keylen);
	/* the map name, a space and the key were one netstring */
	CHECK(maplen + 1 + keylen <= c->opts.max_request);
	/* the request is exactly "<digits>:<map> <key>," */
	while (i < n && blk[i] >= '0' && blk[i] <= '9')
		len = len * 10 + (size_t)(blk[i++] - '0');
	CHECK(i > 0 && i <= 10 && i < n && blk[i] == ':');
	CHECK(len == maplen + 1 + keylen && n == i + len + 2);
	CHECK(memcmp(blk + i + 1, map, maplen) == 0 &&
	    blk[i + 1 + maplen] == ' ' &&
	    memcmp(blk + i + 2 + maplen, key, keylen) == 0 &&
	    blk[n - 1] == ',');
}

static void
sm_check_own(const struct fz_codec *c, enum proto_status ps, const char *p,
    size_t n)
{
	const char *pl;
	size_t	 len;

	if (ps == PROTO_CLOSE) {
		/* a framing error cannot be answered in sync */
		CHECK(n == 0);
		return;
	}
	sm_netstring(p, n, &pl, &len);
	CHECK(len <= c->opts.max_reply);
	if (has_prefix(pl, len, "NOTFOUND"))
		CHECK(len == 9 && memcmp(pl, "NOTFOUND ", 9) == 0);
	else
		sm_reason(pl, len, "PERM");
}

static void
sm_check_reply(const struct fz_codec *c, const struct pfx_result *res,
    const char *p, size_t n)
{
	const struct buf *t = result_ctext(res);
	const char *pl, *word = NULL;
	size_t	 len, want;

	sm_netstring(p, n, &pl, &len);
	CHECK(len <= c->opts.max_reply);
	switch (res->verdict) {
	case PFX_FOUND:
		if (t->len == 0) {
			CHECK(len == 9 && memcmp(pl, "NOTFOUND ", 9) == 0);
			return;
		}
		if (memchr(t->data, '\0', t->len) != NULL ||
		    t->len + 3 > c->opts.max_reply) {
			sm_reason(pl, len, "PERM");
			return;
		}
		CHECK(len == t->len + 3 && memcmp(pl, "OK ", 3) == 0 &&
		    memcmp(pl + 3, t->data, t->len) == 0);
		return;
	case PFX_NOTFOUND:
		CHECK(len == 9 && memcmp(pl, "NOTFOUND ", 9) == 0);
		return;
	case PFX_TEMPFAIL:
		word = "TEMP";
		break;
	case PFX_TIMEOUT:
		word = "TIMEOUT";
		break;
	case PFX_PERMFAIL:
		word = "PERM";
		break;
	}
	CHECK(word != NULL);
	sm_reason(pl, len, word);
	/* the reason is kept, only shortened; never empty */
	want = t->len < REASON_MAX ? t->len : REASON_MAX;
	if (want == 0)
		want = strlen("unspecified error");
	if (want > c->opts.max_reply - strlen(word) - 1)
		want = c->opts.max_reply - strlen(word) - 1;
	CHECK(len == strlen(word) + 1 + want);
}

/* ns_check - the bare decoder, fed the whole input, then byte by byte */

static void
ns_check(const uint8_t *data, size_t size, size_t max)
{
	const char *in = (const char *)data;
	struct ns_dec a, b;
	size_t	 off = 0, used, i, u;
	int	 done, d, ra, rb = PFX_OK;

	ns_init(&a, max);
	ns_init(&b, max);
	while (off < size) {
		ra = ns_feed(&a, in + off, size - off, &used, &done);
		CHECK(used <= size - off);
		/* the same bytes, one at a time, until done or an error */
		for (i = 0; off + i < size; i++) {
			rb = ns_feed(&b, in + off + i, 1, &u, &d);
			if (rb != PFX_OK || d)
				break;
			CHECK(u == 1);
		}
		if (ra != PFX_OK) {
			/* the offending byte may or may not count as used */
			CHECK(rb == ra);
			CHECK(i == used || i + 1 == used);
			break;
		}
		CHECK(rb == PFX_OK);
		if (!done) {
			CHECK(off + i == size && used == size - off);
			break;
		}
		CHECK(d && i + 1 == used);
		CHECK(a.toobig == b.toobig);
		CHECK(a.payload.len == b.payload.len);
		CHECK(a.toobig || a.payload.len == a.want);
		CHECK(!a.toobig || a.want > max);
		CHECK(a.payload.len <= max);
		CHECK(a.payload.len == 0 || memcmp(a.payload.data,
		    b.payload.data, a.payload.len) == 0);
		off += used;
		ns_reset(&a);
		ns_reset(&b);
	}
	ns_free(&a);
	ns_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_codec c;

	fz_limits(&c, data, size);
	c.ops = &proto_socketmap;
	c.check_req = sm_check_req;
	c.check_own = sm_check_own;
	c.check_reply = sm_check_reply;
	fz_run(&c);
	ns_check(data, size, c.opts.max_request);
	return (0);
}
