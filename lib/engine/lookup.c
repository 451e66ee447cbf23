/*
 * lookup.c - the direct request path: one request, one backend call
 *
 * DESCRIPTION
 *	What pfxhttp-spawn does when it calls the backend itself (no
 *	pfxhttp-tokend configured, or tokend unreachable): request.c
 *	renders the request, transfer.c runs it on this process's one
 *	keep-alive handle, mapping.c turns the answer into a verdict.  The
 *	response cache and OIDC tokens live in tokend, so an entry that
 *	needs a token gets a temporary error here.
 *
 * SECURITY
 *	Logs carry the entry name, the request id and curl's short error,
 *	never the URL, headers, body or key (lookup_log.c).
 */
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "clock.h"
#include "err.h"
#include "filter_answer.h"
#include "kind.h"
#include "log.h"
#include "lookup.h"
#include "lookup_log.h"
#include "mapping.h"
#include "request.h"
#include "trace_entry.h"
#include "transfer.h"
#include "xalloc.h"

struct lookup {
	const struct conf *c;
	struct transfer	 tr;
	int		 tr_ready;
	struct request	 rq;
	char		*user_agent;
	struct trace	*trace;		/* an explained lookup's, or NULL */
	struct check_run *checks;	/* entries with a command */
};

struct lookup *
lookup_new(const struct conf *c)
{
	struct lookup *lk = xcalloc(1, sizeof(*lk));

	lk->c = c;
	request_init(&lk->rq, REQUEST_MAX_BODY);
	lk->user_agent = request_user_agent(c);
	lk->checks = check_run_new(c);
	return (lk);
}

void
lookup_free(struct lookup *lk)
{
	if (lk == NULL)
		return;
	if (lk->tr_ready)
		transfer_free(&lk->tr);
	request_free(&lk->rq);
	check_run_free(lk->checks);
	free(lk->user_agent);
	free(lk);
}

/* outcome - what the log line and the trace say of one lookup */
static void
outcome(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, long long started, int called, int answered,
    struct pfx_result *res)
{
	struct lookup_outcome o = { e, req->rid, clock_ms() - started,
	    called, &lk->tr.resp, answered, 0 };

	/* a filter's verdict has its line per message (filter.c) */
	if (kinds[e->kind]->codec != NULL)
		lookup_log(&o, res);
	trace_result(lk->trace, res);
}

/* call - one backend call; with upload_fd, the body is that file's */
static void
call(struct lookup *lk, const struct conf_entry *e, const struct pfx_req *req,
    int upload_fd, long long upload_len, long long deadline,
    struct pfx_result *res)
{
	struct http_request hr;
	long long started = clock_ms(), left = deadline - started;
	size_t	 toklen;
	int	 answered;

	trace_entry(lk->trace, "direct", lk->c, e, req);
	trace_step(lk->trace, "cache");
	trace_strz(lk->trace, "decision", "none: the response cache lives in"
	    " pfxhttp-tokend");
	if (e->backend_oidc_auth.enabled) {
		trace_step(lk->trace, "token");
		trace_strz(lk->trace, "decision", "unavailable: only"
		    " pfxhttp-tokend holds OIDC tokens");
		result_set(res, PFX_TEMPFAIL, "backend token unavailable");
		outcome(lk, e, req, started, 0, 0, res);
		return;
	}
	if (pfx_req_get(req, "token", &toklen) != NULL) {
		/* introspection credentials and the JWKS live in tokend */
		result_set(res, PFX_TEMPFAIL, "token check unavailable");
		outcome(lk, e, req, started, 0, 0, res);
		return;
	}
	if (left <= 0) {
		result_set(res, PFX_TIMEOUT, "deadline passed");
		outcome(lk, e, req, started, 0, 0, res);
		return;
	}
	if (e->ncommand > 0 && upload_fd < 0) {
		/* a local program instead of an HTTP backend */
		trace_step(lk->trace, "check");
		trace_strz(lk->trace, "command", e->command[0]);
		trace_strz(lk->trace, "mode", e->command_exec ? "exec" :
		    "persistent");
		check_run(lk->checks, e, &lk->rq, req, deadline, res);
		outcome(lk, e, req, started, 0, 0, res);
		return;
	}
	if (!lk->tr_ready) {
		if (transfer_init(&lk->tr, lk->c, lk) != PFX_OK) {
			result_set(res, PFX_TEMPFAIL, "HTTP client"
			    " unavailable");
			outcome(lk, e, req, started, 0, 0, res);
			return;
		}
		lk->tr_ready = 1;
	}
	if (request_build(&lk->rq, e, req, lk->user_agent, NULL) != PFX_OK) {
		result_set(res, PFX_PERMFAIL, "request too large");
		outcome(lk, e, req, started, 0, 0, res);
		return;
	}
	request_http(&lk->rq, e, e->timeout_ms < left ? e->timeout_ms : left,
	    &hr);
	trace_request(lk->trace, &hr, req);
	if (upload_fd >= 0) {
		hr.upload = 1;
		hr.upload_fd = upload_fd;
		hr.upload_len = upload_len;
		answered = transfer_perform(&lk->tr, &hr) == PFX_OK;
		filter_answer(e, &lk->tr.resp, answered, res);
	} else {
		answered = transfer_perform(&lk->tr, &hr) == PFX_OK;
		trace_response(lk->trace, &lk->tr.resp, answered);
		map_exchange(e, &lk->tr.resp, answered, lk->trace, res);
	}
	request_clear(&lk->rq);
	outcome(lk, e, req, started, 1, answered, res);
}

void
lookup_run(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, struct pfx_result *res)
{
	call(lk, e, req, -1, 0, deadline, res);
}

void
lookup_explain(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, struct trace *t,
    struct pfx_result *res)
{
	lk->trace = t;
	call(lk, e, req, -1, 0, deadline, res);
	lk->trace = NULL;
}

void
lookup_upload(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, int fd, long long len, long long deadline,
    struct pfx_result *res)
{
	call(lk, e, req, fd, len, deadline, res);
}
