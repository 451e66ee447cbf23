/*
 * fuzz-proto.h - drive a Postfix-facing codec the way serve.c does
 *
 * One input is one connection: the bytes Postfix sends.  It is fed
 * three times, as one read, as two reads split at a point chosen by the
 * first byte, and one byte per read; every request is answered, and the
 * three transcripts (requests, replies, close, EOF state) must be equal.
 * In the first pass each request is also answered with every verdict
 * and several texts; every encoded reply is checked by the target's
 * own rules.
 *
 * The limits come from the last input byte, so that small inputs reach
 * the "too big" paths: max_request is 256..2048, max_reply 16..1036
 * (socketmap_max_reply_size may not be lower than 16).
 */
#ifndef PFX_FUZZ_PROTO_H
#define PFX_FUZZ_PROTO_H

#include <string.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "proto.h"
#include "verdict.h"

#define FZ_NTEXTS	4

struct fz_codec {
	const struct proto_ops *ops;
	struct proto_opts opts;
	const uint8_t	*data;		/* the whole input */
	size_t		 size;
	/* a request returned by feed, and the input bytes it came from */
	void	(*check_req)(const struct fz_codec *, const struct pfx_req *,
		    const char *, size_t);
	/* what feed wrote itself (PROTO_REPLIED or PROTO_CLOSE) */
	void	(*check_own)(const struct fz_codec *, enum proto_status,
		    const char *, size_t);
	/* the encoding of one answer */
	void	(*check_reply)(const struct fz_codec *,
		    const struct pfx_result *, const char *, size_t);
};

static const enum pfx_verdict fz_verdicts[] = {
	PFX_FOUND, PFX_NOTFOUND, PFX_TEMPFAIL, PFX_TIMEOUT, PFX_PERMFAIL,
};
#define FZ_NVERDICTS	(sizeof(fz_verdicts) / sizeof(fz_verdicts[0]))

static void
fz_limits(struct fz_codec *c, const uint8_t *data, size_t size)
{
	unsigned last = size > 0 ? data[size - 1] : 0;

	memset(c, 0, sizeof(*c));
	c->data = data;
	c->size = size;
	c->opts.max_request = (size_t)256 << (last & 3);
	c->opts.max_reply = 16 + (size_t)last * 4;
	c->opts.default_action = "DEFER_IF_PERMIT Service temporarily"
	    " unavailable";
}

/* fz_append_max - append as much as fits */

static void
fz_append_max(struct buf *b, const char *p, size_t n)
{
	if (n > b->max - b->len)
		n = b->max - b->len;
	CHECK(buf_append(b, p, n) == PFX_OK);
}

/*
 * fz_text - answer texts: the key (or a policy attribute), the raw
 * input (control bytes, NULs, CR/LF), nothing, and exactly max_reply
 * bytes (the socketmap "OK " overflow boundary).
 */
static const char fz_abc[] = "abcdefghijklmnopqrstuvwxyz";

static void
fz_text(const struct fz_codec *c, const struct pfx_req *req, unsigned which,
    struct buf *t)
{
	buf_reset(t);
	switch (which) {
	case 0:
		if (req->nattrs > 0)
			fz_append_max(t, req->attrs[req->nattrs - 1].value,
			    req->attrs[req->nattrs - 1].valuelen);
		break;
	case 1:
		fz_append_max(t, (const char *)c->data, c->size);
		break;
	case 2:
		break;
	case 3:
		while (t->len < t->max)
			fz_append_max(t, fz_abc, sizeof(fz_abc) - 1);
		break;
	}
}

/* fz_answer - check every answer, then send one chosen by the index */

static void
fz_answer(const struct fz_codec *c, void *st, const struct pfx_req *req,
    unsigned reqno, int all, struct buf *out)
{
	struct pfx_result res;
	struct buf tmp;
	unsigned v, t;

	result_init(&res, c->opts.max_reply);
	buf_init(&tmp, c->opts.max_reply + 64);
	for (t = 0; all && t < FZ_NTEXTS; t++)
		for (v = 0; v < FZ_NVERDICTS; v++) {
			res.verdict = fz_verdicts[v];
			fz_text(c, req, t, result_text(&res));
			buf_reset(&tmp);
			CHECK(c->ops->reply(st, &res, &tmp) == PROTO_MORE);
			c->check_reply(c, &res, tmp.data, tmp.len);
		}
	res.verdict = fz_verdicts[reqno % FZ_NVERDICTS];
	fz_text(c, req, (reqno / FZ_NVERDICTS) % FZ_NTEXTS, result_text(&res));
	CHECK(c->ops->reply(st, &res, out) == PROTO_MORE);
	c->check_reply(c, &res, out->data, out->len);
	buf_free(&tmp);
	result_free(&res);
}

static void
fz_log_req(struct buf *log, const struct pfx_req *req)
{
	size_t	 i;

	CHECK(buf_printf(log, "R attrs=%zu\n", req->nattrs) == PFX_OK);
	for (i = 0; i < req->nattrs; i++)
		CHECK(buf_printf(log, " %s=%zu:", req->attrs[i].name,
		    req->attrs[i].valuelen) == PFX_OK &&
		    buf_append(log, req->attrs[i].value,
		    req->attrs[i].valuelen) == PFX_OK);
}

/*
 * fz_conv - one connection; chunk 0 = one read, else reads of at most
 * chunk bytes, except that split != 0 cuts the first read there.
 */
static void
fz_conv(const struct fz_codec *c, size_t chunk, size_t split, int all,
    struct buf *log)
{
	const char *in = (const char *)c->data;
	enum proto_status ps;
	struct pfx_req req;
	struct buf out;
	const char *why;
	size_t	 pos = 0, end, off, used, blk = 0;
	unsigned reqno = 0;
	void	*st;

	st = c->ops->create(&c->opts);
	CHECK(st != NULL);
	CHECK(!c->ops->in_progress(st));
	buf_init(&out, c->opts.max_reply + 64);
	while (pos < c->size) {
		end = chunk == 0 ? c->size : pos + chunk;
		if (split != 0 && pos < split)
			end = split;
		if (end > c->size)
			end = c->size;
		for (off = pos; off < end; off += used) {
			why = NULL;
			used = 0;
			buf_reset(&out);
			memset(&req, 0xa5, sizeof(req));
			ps = c->ops->feed(st, in + off, end - off, &used, &req,
			    &out, &why);
			/* progress, or serve.c would spin */
			CHECK(used <= end - off);
			CHECK(used > 0 || ps == PROTO_CLOSE);
			switch (ps) {
			case PROTO_MORE:
				CHECK(used == end - off);
				CHECK(out.len == 0);
				CHECK(c->ops->in_progress(st));
				break;
			case PROTO_REQUEST:
				CHECK(out.len == 0);
				CHECK(!c->ops->in_progress(st));
				c->check_req(c, &req, in + blk,
				    off + used - blk);
				blk = off + used;
				fz_log_req(log, &req);
				fz_answer(c, st, &req, reqno++, all, &out);
				CHECK(buf_puts(log, "A ") == PFX_OK);
				CHECK(buf_append(log, out.data, out.len) ==
				    PFX_OK);
				break;
			case PROTO_REPLIED:
				CHECK(why != NULL);
				CHECK(!c->ops->in_progress(st));
				c->check_own(c, ps, out.data, out.len);
				blk = off + used;
				CHECK(buf_printf(log, "P %s\n", why) == PFX_OK);
				CHECK(buf_append(log, out.data, out.len) ==
				    PFX_OK);
				break;
			case PROTO_CLOSE:
				CHECK(why != NULL);
				c->check_own(c, ps, out.data, out.len);
				CHECK(buf_printf(log, "C %s\n", why) == PFX_OK);
				CHECK(buf_append(log, out.data, out.len) ==
				    PFX_OK);
				goto done;
			default:
				CHECK(!"feed returned an unknown status");
			}
		}
		pos = end;
	}
	CHECK(buf_printf(log, "EOF in_progress=%d\n",
	    c->ops->in_progress(st) != 0) == PFX_OK);
done:
	buf_free(&out);
	c->ops->destroy(st);
}

/* fz_run - the three chunkings must tell the same story */

static void
fz_run(const struct fz_codec *c)
{
	struct buf whole, split, bytes;

	if (c->size == 0)
		return;
	buf_init(&whole, BUF_UNLIMITED);
	buf_init(&split, BUF_UNLIMITED);
	buf_init(&bytes, BUF_UNLIMITED);
	fz_conv(c, 0, 0, 1, &whole);
	fz_conv(c, 0, c->data[0] % c->size, 0, &split);
	fz_conv(c, 1, 0, 0, &bytes);
	CHECK(whole.len == split.len && whole.len == bytes.len);
	CHECK(whole.len == 0 || (memcmp(whole.data, split.data,
	    whole.len) == 0 && memcmp(whole.data, bytes.data, whole.len) == 0));
	buf_free(&whole);
	buf_free(&split);
	buf_free(&bytes);
}

#endif
