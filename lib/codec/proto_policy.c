/*
 * proto_policy.c - Postfix SMTPD policy delegation codec (server side)
 *
 * DESCRIPTION
 *	Decodes "name=value" lines ended by an empty line and encodes
 *	"action=<text>" followed by an empty line (SMTPD_POLICY_README).
 *	Attribute order does not matter; for duplicates the last one wins.
 *	A request whose "request" attribute is not smtpd_access_policy is
 *	answered DUNNO without a backend call.
 *
 * LIMITS
 *	At most POLICY_MAX_ATTRS attributes and max_request bytes per
 *	request.  Malformed or oversized input is a protocol violation:
 *	the connection is closed without a reply, as the policy protocol
 *	asks ("log a warning and disconnect"); Postfix retries.
 *
 * SECURITY
 *	An action must be one line of printable UTF-8; anything else from a
 *	backend is replaced by the configured default action.
 *
 * SEE ALSO
 *	Postfix src/smtpd/smtpd_check.c, src/util/attr_scan_plain.c
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linebuf.h"
#include "proto.h"
#include "utf8.h"
#include "xalloc.h"

#define POLICY_MAX_ATTRS	PFX_REQ_MAX_ATTRS

struct policy {
	struct linebuf	 lb;
	struct buf	 arena;		/* name\0value\0 ... */
	size_t		 off[POLICY_MAX_ATTRS];	/* name offsets */
	size_t		 eq[POLICY_MAX_ATTRS];	/* value offsets */
	struct pfx_attr	 attrs[POLICY_MAX_ATTRS];
	size_t		 n;
	int		 pending;
	const char	*default_action;
};

static void *
policy_create(const struct proto_opts *o)
{
	struct policy *pl = xcalloc(1, sizeof(*pl));

	lb_init(&pl->lb, o->max_request);
	buf_init(&pl->arena, o->max_request);
	pl->default_action = o->default_action;
	return (pl);
}

static void
policy_destroy(void *arg)
{
	struct policy *pl = arg;

	lb_free(&pl->lb);
	buf_free(&pl->arena);
	free(pl);
}

static void
policy_clear(struct policy *pl)
{
	buf_reset(&pl->arena);
	pl->n = 0;
	pl->pending = 0;
}

/* policy_finish - turn the arena into the attribute list */

static size_t
policy_finish(struct policy *pl)
{
	size_t	 namelen[POLICY_MAX_ATTRS];
	size_t	 i, j, n = 0, len;
	const char *name;

	/* a repeated name keeps its first place and its last value; the
	 * length is compared first, names share their prefixes */
	for (i = 0; i < pl->n; i++) {
		name = pl->arena.data + pl->off[i];
		len = pl->eq[i] - pl->off[i] - 1;
		for (j = 0; j < n; j++)
			if (namelen[j] == len &&
			    memcmp(pl->attrs[j].name, name, len) == 0)
				break;
		pl->attrs[j].name = name;
		pl->attrs[j].value = pl->arena.data + pl->eq[i];
		pl->attrs[j].valuelen = (i + 1 < pl->n ? pl->off[i + 1] :
		    pl->arena.len) - pl->eq[i] - 1;
		namelen[j] = len;
		if (j == n)
			n++;
	}
	return (n);
}

static enum proto_status
policy_line(struct policy *pl, const char *line, size_t len, const char **why)
{
	const char *eq;

	if (memchr(line, '\0', len) != NULL) {
		*why = "NUL byte in policy request";
		return (PROTO_CLOSE);
	}
	if ((eq = memchr(line, '=', len)) == NULL || eq == line) {
		*why = "policy request line without name=value";
		return (PROTO_CLOSE);
	}
	if (pl->n == POLICY_MAX_ATTRS) {
		*why = "too many attributes in policy request";
		return (PROTO_CLOSE);
	}
	pl->off[pl->n] = pl->arena.len;
	pl->eq[pl->n] = pl->arena.len + (size_t)(eq - line) + 1;
	if (buf_append(&pl->arena, line, len) != PFX_OK ||
	    buf_putc(&pl->arena, '\0') != PFX_OK) {
		*why = "policy request too large";
		return (PROTO_CLOSE);
	}
	pl->arena.data[pl->eq[pl->n] - 1] = '\0';
	pl->n++;
	return (PROTO_MORE);
}

static enum proto_status
policy_feed(void *arg, const char *p, size_t n, size_t *used,
    struct pfx_req *req, struct buf *out, const char **why)
{
	struct policy *pl = arg;
	enum proto_status st;
	size_t	 u, i = 0, nattrs, k;

	if (pl->pending)
		policy_clear(pl);
	while (i < n) {
		switch (lb_feed(&pl->lb, p + i, n - i, &u)) {
		case LB_MORE:
			*used = n;
			return (PROTO_MORE);
		case LB_TOOLONG:
			*used = i + u;
			*why = "policy request line too long";
			return (PROTO_CLOSE);
		case LB_LINE:
			break;
		}
		i += u;
		if (pl->lb.line.len != 0) {
			st = policy_line(pl, pl->lb.line.data, pl->lb.line.len,
			    why);
			lb_consumed(&pl->lb);
			if (st != PROTO_MORE) {
				*used = i;
				return (st);
			}
			continue;
		}
		lb_consumed(&pl->lb);
		*used = i;
		if (pl->n == 0) {
			*why = "empty policy request";
			return (PROTO_CLOSE);
		}
		nattrs = policy_finish(pl);
		pl->pending = 1;
		for (k = 0; k < nattrs; k++)
			if (strcmp(pl->attrs[k].name, "request") == 0 &&
			    strcmp(pl->attrs[k].value,
			    "smtpd_access_policy") != 0) {
				*why = "unsupported policy request type";
				(void)buf_puts(out, "action=DUNNO\n\n");
				return (PROTO_REPLIED);
			}
		memset(req, 0, sizeof(*req));
		req->attrs = pl->attrs;
		req->nattrs = nattrs;
		return (PROTO_REQUEST);
	}
	*used = n;
	return (PROTO_MORE);
}

/* policy_action_ok - one line of printable UTF-8 text; tabs may be inside */

int
policy_action_ok(const char *p, size_t n)
{
	size_t	 i;

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') ||
		    p[i] == 0x7f)
			return (0);
	return (utf8_valid(p, n));
}

static enum proto_status
policy_reply(void *arg, const struct pfx_result *res, struct buf *out)
{
	struct policy *pl = arg;
	const char *action = pl->default_action;
	size_t	 len = strlen(action);

	if (res->verdict == PFX_FOUND &&
	    policy_action_ok(res->value.data, res->value.len)) {
		action = res->value.data;
		len = res->value.len;
	} else if (res->verdict == PFX_NOTFOUND) {
		action = "DUNNO";
		len = 5;
	}
	if (buf_puts(out, "action=") != PFX_OK ||
	    buf_append(out, action, len) != PFX_OK ||
	    buf_puts(out, "\n\n") != PFX_OK) {
		buf_reset(out);
		(void)buf_puts(out, "action=DUNNO\n\n");
	}
	return (PROTO_MORE);
}

static int
policy_in_progress(const void *arg)
{
	const struct policy *pl = arg;

	return (!pl->pending && (pl->n != 0 || lb_in_progress(&pl->lb)));
}

const struct proto_ops proto_policy = {
	.name = "policy",
	.create = policy_create,
	.destroy = policy_destroy,
	.feed = policy_feed,
	.reply = policy_reply,
	.in_progress = policy_in_progress,
};
