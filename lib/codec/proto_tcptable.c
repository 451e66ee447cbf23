/*
 * proto_tcptable.c - Postfix tcp_table protocol codec (server side)
 *
 * DESCRIPTION
 *	Decodes "get <%XX-quoted key>" lines and encodes "200 <quoted>",
 *	"500 <text>" (not found) and "400 <text>" (temporary error), each
 *	ended by LF (tcp_table(5)).  Postfix never sends "put".
 *
 * LIMITS
 *	Postfix reads at most 4096 bytes including the LF; a longer value
 *	is answered with 400 instead (Postfix would retry 10 times).  An
 *	over-long request line is discarded up to its LF and answered 400.
 *
 * SEE ALSO
 *	hexq.c, Postfix src/util/dict_tcp.c
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hexq.h"
#include "linebuf.h"
#include "proto.h"
#include "xalloc.h"

#define TCP_MAX_REPLY	4096	/* DICT_TCP_MAXLEN, including the LF */
#define REASON_MAX	200

struct tcptable {
	struct linebuf	 lb;
	struct buf	 key;
	struct buf	 scratch;
	struct pfx_attr	 attr;		/* key */
	int		 pending;	/* a request was returned */
};

static void *
tcp_create(const struct proto_opts *o)
{
	struct tcptable *t = xcalloc(1, sizeof(*t));

	lb_init(&t->lb, o->max_request);
	buf_init(&t->key, o->max_request);
	buf_init(&t->scratch, REASON_MAX);
	return (t);
}

static void
tcp_destroy(void *arg)
{
	struct tcptable *t = arg;

	lb_free(&t->lb);
	buf_free(&t->key);
	buf_free(&t->scratch);
	free(t);
}

/* tcp_put - one "<code> <quoted text>" line, always within the limit */

static void
tcp_put(struct buf *out, const char *code, const char *text, size_t len)
{
	size_t	 start = out->len;

	if (buf_puts(out, code) != PFX_OK || buf_putc(out, ' ') != PFX_OK ||
	    hexq_encode(out, text, len) != PFX_OK ||
	    buf_putc(out, '\n') != PFX_OK ||
	    out->len - start > TCP_MAX_REPLY) {
		buf_truncate(out, start);
		(void)buf_puts(out, "400 reply%20too%20long\n");
	}
}

static enum proto_status
tcp_feed(void *arg, const char *p, size_t n, size_t *used,
    struct pfx_req *req, struct buf *out, const char **why)
{
	struct tcptable *t = arg;
	enum lb_status st;
	const char *line;
	size_t	 len;

	if (t->pending) {
		lb_consumed(&t->lb);
		buf_reset(&t->key);
		t->pending = 0;
	}
	st = lb_feed(&t->lb, p, n, used);
	if (st == LB_MORE)
		return (PROTO_MORE);
	if (st == LB_TOOLONG) {
		lb_consumed(&t->lb);
		*why = "request line too long";
		(void)buf_puts(out, "400 request%20too%20long\n");
		return (PROTO_REPLIED);
	}
	line = buf_str(&t->lb.line);
	len = t->lb.line.len;
	if (len < 4 || memcmp(line, "get ", 4) != 0) {
		lb_consumed(&t->lb);
		*why = "unsupported command";
		(void)buf_puts(out, "400 unsupported%20command\n");
		return (PROTO_REPLIED);
	}
	if (hexq_decode(&t->key, line + 4, len - 4) != PFX_OK ||
	    t->key.len == 0 || memchr(t->key.data, '\0', t->key.len) != NULL) {
		lb_consumed(&t->lb);
		buf_reset(&t->key);
		*why = "malformed key";
		(void)buf_puts(out, "400 malformed%20key\n");
		return (PROTO_REPLIED);
	}
	t->attr = (struct pfx_attr){ "key", t->key.data, t->key.len };
	memset(req, 0, sizeof(*req));
	req->attrs = &t->attr;
	req->nattrs = 1;
	t->pending = 1;
	return (PROTO_REQUEST);
}

static enum proto_status
tcp_reply(void *arg, const struct pfx_result *res, struct buf *out)
{
	struct tcptable *t = arg;
	const struct buf *v = result_ctext(res);

	switch (res->verdict) {
	case PFX_FOUND:
		if (v->len == 0)
			tcp_put(out, "500", "not found", 9);
		else
			tcp_put(out, "200", v->data, v->len);
		break;
	case PFX_NOTFOUND:
		tcp_put(out, "500", "not found", 9);
		break;
	case PFX_TEMPFAIL:
	case PFX_TIMEOUT:
	case PFX_PERMFAIL:
		buf_reset(&t->scratch);
		proto_sanitize_into(&t->scratch, buf_str(v), v->len,
		    REASON_MAX);
		if (t->scratch.len == 0)
			(void)buf_puts(&t->scratch, "temporary failure");
		tcp_put(out, "400", t->scratch.data, t->scratch.len);
		break;
	}
	return (PROTO_MORE);
}

static int
tcp_in_progress(const void *arg)
{
	const struct tcptable *t = arg;

	return (!t->pending && lb_in_progress(&t->lb));
}

const struct proto_ops proto_tcptable = {
	.name = "tcp",
	.create = tcp_create,
	.destroy = tcp_destroy,
	.feed = tcp_feed,
	.reply = tcp_reply,
	.in_progress = tcp_in_progress,
};
