/*
 * remote.c - a lookup answered by pfxhttp-tokend's engine
 *
 * DESCRIPTION
 *	One round trip: LOOKUP section name deadline flags rid=ID, then the
 *	request's attributes as name/value pairs; the answer is ANSWER
 *	verdict text.  tokend sends PENDING when a backend call takes more
 *	than half of server.tokend.timeout, so a tokend that says nothing
 *	within server.tokend.timeout is taken for gone: the lookup then
 *	goes to the backend directly (remote_lookup returns PFX_EIO) and
 *	tokend is left alone for a short back-off.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "remote.h"
#include "rid.h"
#include "tokclient.h"
#include "xalloc.h"

#define BACKOFF_MS	1000	/* after tokend failed us */

struct remote {
	struct tokc	*tok;
	long long	 first_ms;	/* server.tokend.timeout */
	long long	 down_until;
	int		 logged;
};

struct remote *
remote_new(const char *socket_path, long long timeout_ms)
{
	struct remote *rm = xcalloc(1, sizeof(*rm));

	rm->tok = tokc_new(socket_path);
	rm->first_ms = timeout_ms;
	return (rm);
}

void
remote_free(struct remote *rm)
{
	if (rm == NULL)
		return;
	tokc_free(rm->tok);
	free(rm);
}

/*
 * ask - LOOKUP, or EXPLAIN when json and text are given: its answer is
 * TRACE with the trace rendered both ways, appended there
 */
static int
ask(struct remote *rm, const char *section, const char *name,
    const struct pfx_req *req, long long deadline, struct pfx_result *res,
    struct buf *json, struct buf *text)
{
	struct tok_msg rq, rp;
	enum pfx_verdict v;
	long long now = clock_ms(), left_ms, margin;
	char	 left[24], ridf[RID_MAX + 5];
	size_t	 i, k;
	int	 r, pending;

	if (now < rm->down_until)
		return (PFX_EIO);
	/* tokend aims to answer a little early: its clock starts later */
	left_ms = deadline > now ? deadline - now : 0;
	margin = left_ms / 10 < 20 ? left_ms / 10 : 20;
	/* the digits without snprintf (one per lookup) */
	left_ms -= margin;
	k = sizeof(left);
	do
		left[--k] = (char)('0' + left_ms % 10);
	while ((left_ms /= 10) != 0);
	tok_init(&rq, json != NULL ? "EXPLAIN" : "LOOKUP");
	tok_adds(&rq, section);
	tok_adds(&rq, name);
	tok_add(&rq, left + k, sizeof(left) - k);
	tok_adds(&rq, (req->flags & PFX_REQ_SECRET) ? "secret" : "");
	if (req->rid != NULL && strlen(req->rid) <= RID_MAX) {
		memcpy(ridf, "rid=", 4);
		memcpy(ridf + 4, req->rid, strlen(req->rid) + 1);
		tok_adds(&rq, ridf);
	}
	for (i = 0; i < req->nattrs; i++) {
		tok_adds(&rq, req->attrs[i].name);
		tok_add(&rq, req->attrs[i].value, req->attrs[i].valuelen);
	}
	if (rq.overflow) {
		result_set(res, PFX_PERMFAIL, "request too large");
		return (PFX_OK);
	}
	r = tokc_call(rm->tok, &rq, &rp, rm->first_ms, deadline, &pending);
	if (r == PFX_ETIMEOUT && pending) {
		/* tokend said PENDING: the backend is slow, not tokend */
		result_set(res, PFX_TIMEOUT, "backend timed out");
		return (PFX_OK);
	}
	if (r == PFX_OK && json != NULL && tok_is(&rp, 0, "ERR") &&
	    rp.n == 2) {
		/* tokend is up and said why it will not explain */
		(void)buf_append(text, rp.f[1], rp.len[1]);
		return (PFX_EPERM);
	}
	if (r == PFX_OK && json != NULL && tok_is(&rp, 0, "TRACE") &&
	    rp.n == 6) {
		/* the trace goes to the terminal; the rest is an ANSWER */
		(void)buf_append(json, rp.f[4], rp.len[4]);
		(void)buf_append(text, rp.f[5], rp.len[5]);
		rp.f[0] = "ANSWER";
		rp.len[0] = 6;
		rp.n = 4;
	}
	if (r == PFX_OK && tok_is(&rp, 0, "ANSWER") && rp.n == 4 &&
	    (v = verdict_from_word(rp.f[1], rp.len[1])) < PFX_VERDICT_COUNT &&
	    (rp.len[2] > res->value.max || rp.len[3] > res->reason.max)) {
		/* tokend's configuration allows more than this one does */
		result_set(res, PFX_PERMFAIL, "reply exceeds"
		    " socketmap_max_reply_size");
		return (PFX_OK);
	}
	if (r == PFX_OK && tok_is(&rp, 0, "ANSWER") && rp.n == 4 &&
	    (v = verdict_from_word(rp.f[1], rp.len[1])) < PFX_VERDICT_COUNT) {
		result_set(res, v, NULL);
		(void)buf_append(&res->value, rp.f[2], rp.len[2]);
		(void)buf_append(&res->reason, rp.f[3], rp.len[3]);
		rm->logged = 0;
		return (PFX_OK);
	}
	if (!rm->logged)
		log_warnx("pfxhttp-tokend %s; calling the backend directly",
		    r == PFX_OK ? "gave a malformed answer" :
		    r == PFX_ETIMEOUT ? "did not answer in time" :
		    "is unreachable");
	rm->logged = 1;
	rm->down_until = clock_ms() + BACKOFF_MS;
	return (PFX_EIO);
}

int
remote_lookup(struct remote *rm, const char *section, const char *name,
    const struct pfx_req *req, long long deadline, struct pfx_result *res)
{
	return (ask(rm, section, name, req, deadline, res, NULL, NULL));
}

int
remote_explain(struct remote *rm, const char *section, const char *name,
    const struct pfx_req *req, long long deadline, struct pfx_result *res,
    struct buf *json, struct buf *text)
{
	return (ask(rm, section, name, req, deadline, res, json, text));
}
