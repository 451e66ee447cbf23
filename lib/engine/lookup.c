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
 *	Logs carry the entry name and curl's short error, never the URL,
 *	headers, body or key.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "filter_answer.h"
#include "log.h"
#include "lookup.h"
#include "mapping.h"
#include "request.h"
#include "transfer.h"
#include "xalloc.h"

struct lookup {
	const struct conf *c;
	struct transfer	 tr;
	int		 tr_ready;
	struct request	 rq;
	char		*user_agent;
};

struct lookup *
lookup_new(const struct conf *c)
{
	struct lookup *lk = xcalloc(1, sizeof(*lk));

	lk->c = c;
	request_init(&lk->rq, REQUEST_MAX_BODY);
	lk->user_agent = request_user_agent(c);
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
	free(lk->user_agent);
	free(lk);
}

/* call - one backend call; with upload_fd, the body is that file's */
static void
call(struct lookup *lk, const struct conf_entry *e, const struct pfx_req *req,
    int upload_fd, long long upload_len, long long deadline,
    struct pfx_result *res)
{
	struct http_request hr;
	long long left = deadline - clock_ms();
	size_t	 toklen;

	if (e->backend_oidc_auth.enabled) {
		log_warnx("%s %s: needs an OIDC token, which only"
		    " pfxhttp-tokend holds", conf_kind_section(e->kind),
		    e->name);
		result_set(res, PFX_TEMPFAIL, "backend token unavailable");
		return;
	}
	if (pfx_req_get(req, "token", &toklen) != NULL) {
		/* introspection credentials and the JWKS live in tokend */
		log_warnx("%s %s: bearer tokens are checked by pfxhttp-tokend,"
		    " which is not answering", conf_kind_section(e->kind),
		    e->name);
		result_set(res, PFX_TEMPFAIL, "token check unavailable");
		return;
	}
	if (left <= 0) {
		result_set(res, PFX_TIMEOUT, "deadline passed");
		return;
	}
	if (!lk->tr_ready) {
		if (transfer_init(&lk->tr, lk->c, lk) != PFX_OK) {
			result_set(res, PFX_TEMPFAIL, "HTTP client"
			    " unavailable");
			return;
		}
		lk->tr_ready = 1;
	}
	if (request_build(&lk->rq, e, req, lk->user_agent, NULL) != PFX_OK) {
		log_warnx("%s %s: request too large",
		    conf_kind_section(e->kind), e->name);
		result_set(res, PFX_PERMFAIL, "request too large");
		return;
	}
	request_http(&lk->rq, e, e->timeout_ms < left ? e->timeout_ms : left,
	    &hr);
	if (upload_fd >= 0) {
		hr.upload = 1;
		hr.upload_fd = upload_fd;
		hr.upload_len = upload_len;
		filter_answer(e, &lk->tr.resp, transfer_perform(&lk->tr,
		    &hr) == PFX_OK, res);
	} else
		map_exchange(e, &lk->tr.resp, transfer_perform(&lk->tr, &hr) ==
		    PFX_OK, res);
	request_clear(&lk->rq);
}

void
lookup_run(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, struct pfx_result *res)
{
	call(lk, e, req, -1, 0, deadline, res);
}

void
lookup_upload(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, int fd, long long len, long long deadline,
    struct pfx_result *res)
{
	call(lk, e, req, fd, len, deadline, res);
}
