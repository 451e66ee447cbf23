/*
 * lookup.c - one Postfix request to one answer: cache, token, backend
 *
 * DESCRIPTION
 *	request.c renders the backend request and mapping.c turns the
 *	answer into a verdict; this file orders the steps around them: the
 *	response cache and the bearer token (both through pfxhttp-tokend),
 *	the HTTP call, one retry with a new token after a 401, and the
 *	cached fallback when the backend fails.  Nothing from the backend
 *	that could be wrong permanently is passed on as permanent.
 *
 * SECURITY
 *	Logs carry the entry name and curl's short error, never the URL,
 *	headers or body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cacheable.h"
#include "clock.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "lookup.h"
#include "mapping.h"
#include "request.h"
#include "tokclient.h"
#include "transfer.h"
#include "xalloc.h"

struct lookup {
	const struct conf *c;
	struct transfer	 tr;
	int		 tr_ready;
	struct request	 rq;
	struct buf	 scratch;
	char		*user_agent;
	struct tokc	*tok;		/* NULL until tokend is needed */
	char		**tokens;	/* per entry: bearer token */
	long long	*token_expiry;	/* per entry: monotonic ms */
	struct buf	 ckey;		/* response cache key */
	long		 last_status;	/* HTTP status of the last call */
};

struct lookup *
lookup_new(const struct conf *c)
{
	struct lookup *lk = xcalloc(1, sizeof(*lk));
	size_t	 max = (size_t)c->socketmap_max_reply_size + 65536;

	lk->c = c;
	request_init(&lk->rq, max + 1024 * 1024);
	buf_init(&lk->scratch, 4096);
	buf_init(&lk->ckey, 128 * 1024);
	lk->tokens = xcalloc(c->nentries + 1, sizeof(*lk->tokens));
	lk->token_expiry = xcalloc(c->nentries + 1, sizeof(*lk->token_expiry));
	return (lk);
}

void
lookup_free(struct lookup *lk)
{
	size_t	 i;

	if (lk == NULL)
		return;
	if (lk->tr_ready)
		transfer_free(&lk->tr);
	request_free(&lk->rq);
	buf_free(&lk->scratch);
	buf_free(&lk->ckey);
	free(lk->user_agent);
	for (i = 0; i < lk->c->nentries; i++)
		if (lk->tokens[i] != NULL) {
			explicit_bzero(lk->tokens[i], strlen(lk->tokens[i]));
			free(lk->tokens[i]);
		}
	free(lk->tokens);
	free(lk->token_expiry);
	tokc_free(lk->tok);
	free(lk);
}

static void
backend_call(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, const char *bearer, struct pfx_result *res)
{
	struct http_request hr;
	struct http_response *resp = &lk->tr.resp;

	if (lk->user_agent == NULL) {
		buf_reset(&lk->scratch);
		(void)buf_printf(&lk->scratch, "User-Agent: %s",
		    lk->c->http.user_agent != NULL ? lk->c->http.user_agent :
		    "pfxhttp/" PFXHTTP_VERSION);
		lk->user_agent = xstrdup(lk->scratch.data);
	}
	if (!lk->tr_ready) {
		if (transfer_init(&lk->tr, lk->c, lk) != PFX_OK) {
			result_set(res, PFX_TEMPFAIL, "HTTP client"
			    " unavailable");
			return;
		}
		lk->tr_ready = 1;
	}
	lk->last_status = 0;
	/* the key is not logged: it may be a login */
	if (request_build(&lk->rq, e, req, lk->user_agent, bearer) != PFX_OK) {
		log_warnx("%s %s: request too large",
		    conf_kind_section(e->kind), e->name);
		result_set(res, PFX_PERMFAIL, "request too large");
		return;
	}
	request_http(&lk->rq, e, e->timeout_ms, &hr);
	if (transfer_perform(&lk->tr, &hr) != PFX_OK) {
		log_warnx("%s %s: backend request failed: %s",
		    conf_kind_section(e->kind), e->name, resp->error);
		map_failure(resp, res);
	} else {
		lk->last_status = resp->status;
		lookup_map_body(e, resp->status, resp->content_type,
		    buf_str(&resp->body), resp->body.len, res);
		if (res->verdict == PFX_TEMPFAIL ||
		    res->verdict == PFX_PERMFAIL)
			log_warnx("%s %s: %s", conf_kind_section(e->kind),
			    e->name, buf_str(&res->text));
	}
	request_clear(&lk->rq);
}

static struct tokc *
tokend(struct lookup *lk)
{
	if (lk->tok == NULL)
		lk->tok = tokc_new(lk->c->tokend.socket);
	return (lk->tok);
}

/*
 * bearer_token - this process keeps the token tokend handed out until
 * shortly before it expires; tokend refreshes it for everyone.
 */
static const char *
bearer_token(struct lookup *lk, const struct conf_entry *e, int renew,
    struct pfx_result *res)
{
	size_t	 i = (size_t)(e - lk->c->entries);
	struct tok_msg rq, rp;
	long long now = clock_ms(), life;
	char	 why[128];
	size_t	 k;

	if (lk->tokens[i] != NULL && now < lk->token_expiry[i] && !renew)
		return (lk->tokens[i]);
	if (lk->tokens[i] != NULL) {
		explicit_bzero(lk->tokens[i], strlen(lk->tokens[i]));
		free(lk->tokens[i]);
		lk->tokens[i] = NULL;
	}
	tok_init(&rq, "TOKEN");
	tok_adds(&rq, conf_kind_section(e->kind));
	tok_adds(&rq, e->name);
	if (renew)
		tok_adds(&rq, "renew");
	if (tokc_call(tokend(lk), &rq, 1, &rp, lk->c->tokend.timeout_ms) !=
	    PFX_OK) {
		log_warnx("%s %s: pfxhttp-tokend did not answer",
		    conf_kind_section(e->kind), e->name);
		result_set(res, PFX_TEMPFAIL, "backend token unavailable");
		return (NULL);
	}
	/* the token goes into a header: visible ASCII, no NUL or controls */
	for (k = 0; rp.n == 3 && k < rp.len[1]; k++)
		if ((unsigned char)rp.f[1][k] <= 0x20 ||
		    (unsigned char)rp.f[1][k] >= 0x7f)
			break;
	if (!tok_is(&rp, 0, "OK") || rp.n != 3 || rp.len[1] == 0 ||
	    rp.len[1] > 16384 || (life = tok_num(&rp, 2)) < 0 ||
	    k < rp.len[1]) {
		log_warnx("%s %s: no backend token: %s",
		    conf_kind_section(e->kind), e->name, rp.n >= 2 ?
		    log_safe(why, sizeof(why), rp.f[1], rp.len[1]) :
		    "malformed tokend reply");
		result_set(res, PFX_TEMPFAIL, "backend token unavailable");
		return (NULL);
	}
	lk->tokens[i] = xstrndup(rp.f[1], rp.len[1]);
	lk->token_expiry[i] = now + (life > 20000 ? life - 10000 : life / 2);
	return (lk->tokens[i]);
}

/* cache_key - a key too large for the cache means no caching */

static int
cache_key(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req)
{
	buf_reset(&lk->ckey);
	return (cacheable_key(e, req, &lk->ckey) == PFX_OK);
}

static int
cache_get(struct lookup *lk, const struct conf_entry *e, long long max_age,
    const char *purpose, struct pfx_result *res)
{
	struct tok_msg rq, rp;
	char	 age[32];
	long long v;

	snprintf(age, sizeof(age), "%lld", max_age);
	tok_init(&rq, "CGET");
	tok_adds(&rq, conf_kind_section(e->kind));
	tok_adds(&rq, e->name);
	tok_add(&rq, lk->ckey.data, lk->ckey.len);
	tok_adds(&rq, age);
	tok_adds(&rq, purpose);
	if (tokc_call(tokend(lk), &rq, 1, &rp, lk->c->tokend.timeout_ms) !=
	    PFX_OK || !tok_is(&rp, 0, "HIT") || rp.n != 4 ||
	    (v = tok_num(&rp, 1)) != PFX_FOUND)
		return (0);
	/* res keeps the backend's failure unless the copy fits */
	if (rp.len[3] > res->text.max)
		return (0);
	result_set(res, PFX_FOUND, NULL);
	(void)buf_append(&res->text, rp.f[3], rp.len[3]);
	return (1);
}

/* cache_put - store the answer (CPUT), or with del forget it (CDEL) */

static void
cache_put(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_result *res, int del)
{
	struct tok_msg rq;
	char	 verdict[8];

	snprintf(verdict, sizeof(verdict), "%d", (int)res->verdict);
	tok_init(&rq, del ? "CDEL" : "CPUT");
	tok_adds(&rq, conf_kind_section(e->kind));
	tok_adds(&rq, e->name);
	tok_add(&rq, lk->ckey.data, lk->ckey.len);
	if (!del) {
		tok_adds(&rq, verdict);
		tok_add(&rq, res->text.data, res->text.len);
	}
	(void)tokc_call(tokend(lk), &rq, 0, NULL, lk->c->tokend.timeout_ms);
}

enum definite { DEF_NONE, DEF_KEEP, DEF_FORGET };

/*
 * definitive - DEF_KEEP for answers worth keeping (found, and no "ask
 * again" action); DEF_FORGET when the backend said there is nothing
 * (not found, or a policy's DUNNO): an older positive must not outlive
 * it as a fallback
 */
static enum definite
definitive(const struct conf_entry *e, const struct pfx_result *res)
{
	static const char *const soft[] = { "DEFER", "4" };
	size_t	 i;

	if (res->verdict == PFX_NOTFOUND)
		return (DEF_FORGET);
	if (res->verdict != PFX_FOUND)
		return (DEF_NONE);
	if (e->kind != KIND_POLICY)
		return (DEF_KEEP);
	if (strncasecmp(res->text.data, "DUNNO", 5) == 0)
		return (DEF_FORGET);
	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		if (strncasecmp(res->text.data, soft[i], strlen(soft[i])) == 0)
			return (DEF_NONE);
	return (DEF_KEEP);
}

void
lookup_run(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, struct pfx_result *res)
{
	const struct conf_cache *cc = &lk->c->cache;
	const char *bearer = NULL;
	int	 use_cache = cc->enabled && e->cache;
	enum definite def;

	if (use_cache && !cache_key(lk, e, req))
		use_cache = 0;
	if (use_cache) {
		if (cc->serve_fresh && cache_get(lk, e, cc->fresh_ttl_ms, "fresh", res))
			return;
	}
	if (!e->backend_oidc_auth.enabled)
		backend_call(lk, e, req, NULL, res);
	else if ((bearer = bearer_token(lk, e, 0, res)) != NULL) {
		backend_call(lk, e, req, bearer, res);
		/* 401: the token was refused; one retry with a new one */
		if (lk->last_status == 401 && (bearer = bearer_token(lk, e, 1,
		    res)) != NULL)
			backend_call(lk, e, req, bearer, res);
		if (lk->last_status == 401)
			result_set(res, PFX_TEMPFAIL, "backend refused the"
			    " token");
	}
	if (!use_cache)
		return;
	if ((def = definitive(e, res)) != DEF_NONE)
		cache_put(lk, e, res, def == DEF_FORGET);
	else if ((res->verdict == PFX_TEMPFAIL ||
	    res->verdict == PFX_TIMEOUT) && cache_get(lk, e, cc->ttl_ms, "fallback",
	    res))
		log_info("%s %s: backend failed; answered from the cache",
		    conf_kind_section(e->kind), e->name);
}
