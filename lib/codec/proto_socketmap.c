/*
 * proto_socketmap.c - Postfix socketmap protocol codec (server side)
 *
 * DESCRIPTION
 *	Decodes "<mapname> <key>" requests carried in netstrings and encodes
 *	"OK <data>", "NOTFOUND ", "TEMP <reason>", "TIMEOUT <reason>" or
 *	"PERM <reason>" (socketmap_table(5)).  The key is everything after
 *	the first space: Postfix sends it raw and it may contain spaces.
 *
 * LIMITS
 *	A request longer than max_request is skipped, not buffered, and
 *	answered with PERM.  A reply longer than max_reply (Postfix reads at
 *	most 100000 bytes) is replaced by PERM.  A framing error cannot be
 *	resynchronised: the connection is closed without a reply, and
 *	Postfix retries once on a new connection.
 *
 * SEE ALSO
 *	netstring.c, Postfix src/util/dict_sockmap.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "netstring.h"
#include "proto.h"
#include "xalloc.h"

#define REASON_MAX	200	/* Postfix logs at most this much */

struct sockmap {
	struct ns_dec	 ns;
	size_t		 max_reply;
	struct buf	 scratch;
	struct pfx_attr	 attrs[2];	/* name, key */
};

static void *
sockmap_create(const struct proto_opts *o)
{
	struct sockmap *s = xcalloc(1, sizeof(*s));

	ns_init(&s->ns, o->max_request);
	s->max_reply = o->max_reply;
	buf_init(&s->scratch, o->max_reply);
	return (s);
}

static void
sockmap_destroy(void *arg)
{
	struct sockmap *s = arg;

	ns_free(&s->ns);
	buf_free(&s->scratch);
	free(s);
}

/* sockmap_put - frame one reply payload */

static void
sockmap_put(struct sockmap *s, struct buf *out, const char *word,
    const char *text, size_t len)
{
	buf_reset(&s->scratch);
	if (buf_puts(&s->scratch, word) != PFX_OK ||
	    buf_putc(&s->scratch, ' ') != PFX_OK)
		return;
	if (len == 0) {
		text = "unspecified error";	/* never "TEMP " alone */
		len = strlen(text);
	}
	proto_sanitize_into(&s->scratch, text, len, REASON_MAX);
	(void)ns_encode(out, s->scratch.data, s->scratch.len);
}

static enum proto_status
sockmap_feed(void *arg, const char *p, size_t n, size_t *used,
    struct pfx_req *req, struct buf *out, const char **why)
{
	struct sockmap *s = arg;
	char	*payload, *sp;
	int	 done;

	if (s->ns.state == NS_DONE)
		ns_reset(&s->ns);
	if (ns_feed(&s->ns, p, n, used, &done) != PFX_OK) {
		*why = "malformed netstring";
		return (PROTO_CLOSE);
	}
	if (!done)
		return (PROTO_MORE);
	if (s->ns.toobig) {
		*why = "request exceeds size limit";
		sockmap_put(s, out, "PERM", *why, strlen(*why));
		return (PROTO_REPLIED);
	}
	if (s->ns.payload.data == NULL)
		(void)buf_append(&s->ns.payload, "", 0);
	payload = s->ns.payload.data;
	if (memchr(payload, '\0', s->ns.payload.len) != NULL) {
		*why = "request contains a NUL byte";
		sockmap_put(s, out, "PERM", *why, strlen(*why));
		return (PROTO_REPLIED);
	}
	if ((sp = strchr(payload, ' ')) == NULL || sp[1] == '\0' ||
	    sp == payload) {
		*why = "request without map name or key";
		(void)ns_encode(out, "NOTFOUND ", 9);
		return (PROTO_REPLIED);
	}
	*sp = '\0';
	s->attrs[0] = (struct pfx_attr){ "name", payload, (size_t)(sp -
	    payload) };
	s->attrs[1] = (struct pfx_attr){ "key", sp + 1, s->ns.payload.len -
	    (size_t)(sp + 1 - payload) };
	memset(req, 0, sizeof(*req));
	req->attrs = s->attrs;
	req->nattrs = 2;
	return (PROTO_REQUEST);
}

static enum proto_status
sockmap_reply(void *arg, const struct pfx_result *res, struct buf *out)
{
	struct sockmap *s = arg;
	const struct buf *t = result_ctext(res);
	static const char toolong[] = "reply exceeds socketmap_max_reply_size";

	switch (res->verdict) {
	case PFX_FOUND:
		if (t->len == 0) {
			(void)ns_encode(out, "NOTFOUND ", 9);
			break;
		}
		if (memchr(t->data, '\0', t->len) != NULL) {
			sockmap_put(s, out, "PERM", "value contains a NUL byte",
			    25);
			break;
		}
		buf_reset(&s->scratch);
		if (buf_append(&s->scratch, "OK ", 3) != PFX_OK ||
		    buf_append(&s->scratch, t->data, t->len) != PFX_OK) {
			sockmap_put(s, out, "PERM", toolong,
			    sizeof(toolong) - 1);
			break;
		}
		(void)ns_encode(out, s->scratch.data, s->scratch.len);
		break;
	case PFX_NOTFOUND:
		(void)ns_encode(out, "NOTFOUND ", 9);
		break;
	case PFX_TEMPFAIL:
		sockmap_put(s, out, "TEMP", buf_str(t), t->len);
		break;
	case PFX_TIMEOUT:
		sockmap_put(s, out, "TIMEOUT", buf_str(t), t->len);
		break;
	case PFX_PERMFAIL:
		sockmap_put(s, out, "PERM", buf_str(t), t->len);
		break;
	}
	return (PROTO_MORE);
}

static int
sockmap_in_progress(const void *arg)
{
	const struct sockmap *s = arg;

	return (s->ns.state != NS_DONE && ns_in_progress(&s->ns));
}

const struct proto_ops proto_socketmap = {
	.name = "socketmap",
	.create = sockmap_create,
	.destroy = sockmap_destroy,
	.feed = sockmap_feed,
	.reply = sockmap_reply,
	.in_progress = sockmap_in_progress,
};
