/*
 * validate.c - SASL bearer token checks against the IdP (see validate.h)
 *
 * DESCRIPTION
 *	Each login is one check, a small state machine: discovery (the
 *	IdP's issuer, introspection_endpoint and jwks_uri, kept for an
 *	hour per configuration_uri), then either
 *
 *	jwks: the token is a compact JWS; its kid picks a key of the IdP's
 *	JWK set (kept for jwks_cache_ttl), jwks.c checks the signature
 *	with an algorithm that fits the key, claims.c the claims.  A kid
 *	the set does not hold makes one refetch of the set, but not within
 *	10 s of the last fetch; checks that need the set while it is being
 *	fetched wait for that one fetch (single flight).
 *
 *	introspection: an RFC 7662 POST of the token, with tokend's client
 *	credentials (client_secret_basic, form-encoded as RFC 6749 2.3.1
 *	asks, client_secret_post or none); claims.c checks the answer.
 *	Accepted answers may be kept for introspection_cache_ttl (never
 *	past the token's exp), keyed by a 128-bit keyed SipHash of the
 *	token and the entry's name, in a bounded LRU cache.
 *
 *	auto: jwks for tokens that look like a JWS, introspection for the
 *	rest.  A JWS that fails is refused; it is not tried again by
 *	introspection.
 *
 *	The account is the token's (claims.c); with require_user_match the
 *	name the client claimed must be the same.  A refused token is
 *	NOTFOUND with a fixed reason; an IdP that cannot be asked (down,
 *	5xx, not JSON, too slow, a failed discovery or JWKS fetch) is
 *	TEMPFAIL or TIMEOUT, never a refusal.  No check outlives its
 *	peer's deadline.  A failed discovery or JWKS fetch is not retried
 *	for 2 s: meanwhile checks that need it fail at once.
 *
 * SECURITY
 *	Tokens, client secrets and request bodies are wiped after use and
 *	never logged; the header lists that held Basic credentials are
 *	wiped before they are freed.  IdP text never reaches a client.
 *	An https configuration_uri whose discovery names an http endpoint
 *	is refused.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "cache.h"
#include "claims.h"
#include "clock.h"
#include "err.h"
#include "http.h"
#include "jwks.h"
#include "log.h"
#include "rid.h"
#include "sasl_mech.h"
#include "siphash.h"
#include "idpdoc.h"
#include "validate.h"
#include "xalloc.h"

/* RID - a request's id for a log line ("-" when it has none) */
#define RID(req)		((req)->rid != NULL ? (req)->rid : "-")
#define DISCOVERY_TTL_MS	(3600 * 1000LL)
#define RETRY_MS		2000LL	/* after a failed fetch */
#define REFETCH_MIN_MS		10000LL	/* unknown kid: at most this often */
#define ICACHE_ENTRIES		4096
#define ICACHE_BYTES		(1024 * 1024)
#define ICACHE_SWEEP_MS		10000LL

#define REFUSED		"invalid token"		/* what a client may see */
#define UNAVAILABLE	"token check unavailable"

enum xkind { X_DISCOVERY, X_JWKS, X_INTROSPECT };

/* one HTTP exchange; CURLOPT_PRIVATE points here */
struct xfer {
	const void	*tag;		/* &xfer_tag */
	enum xkind	 kind;
	void		*owner;		/* struct idp, or struct check */
	CURL		*h;
	struct curl_slist *hdrs;
	struct buf	 body;		/* the answer */
	struct buf	 form;		/* the request: holds the token */
};

/* what one configuration_uri announced, and its JWK set */
struct idp {
	struct idp	*next;
	char		*uri;
	char		*issuer, *introspection, *jwks_uri;
	long long	 disc_at, disc_failed_at;
	struct jwks	*keys;
	long long	 jwks_at, jwks_failed_at;
	long long	 jwks_tried_at;	/* the last fetch began */
	struct xfer	 dx, jx;	/* discovery, JWKS in flight */
	const struct conf_entry *dx_e, *jx_e;	/* counted on */
	int		 used;
};

enum cstate { C_DISCOVERY, C_JWKS, C_INTROSPECT };

struct check {
	struct check	*prev, *next;
	struct validator *v;
	const struct conf_entry *e;
	struct idp	*idp;
	void		*waiter;
	enum cstate	 state;
	int		 jwt;		/* checked with the JWK set */
	int		 refetched;	/* the one refetch for an unknown kid */
	long long	 deadline, started;
	struct buf	 token;		/* wiped */
	struct buf	 user;		/* the claimed login name */
	struct jws	 jws;
	unsigned char	 ckey[16];	/* introspection cache key */
	struct xfer	 x;		/* the introspection call */
	char		 rid[RID_MAX + 1];	/* the login's request id */
};

struct validator {
	CURLM		*multi;
	const struct conf *conf;
	struct validator_hooks hooks;
	size_t		 max_checks;
	struct check	*checks;
	size_t		 nchecks;
	struct idp	*idps;
	struct cache	*icache;
	struct sipkey	 k0, k1;
	long long	 last_sweep;
	struct pfx_result res;
	struct buf	 acct;
	struct check	*current;	/* validator_check's, in advance() */
	int		 current_done;
};

static const char xfer_tag;

static void	 advance(struct check *);

struct validator *
validator_new(CURLM *multi, const struct validator_hooks *hooks,
    size_t max_checks)
{
	struct validator *v = xcalloc(1, sizeof(*v));
	unsigned char kb[32];

	if (getrandom(kb, sizeof(kb), 0) != (ssize_t)sizeof(kb))
		fatalx("getrandom failed");
	sipkey_from_bytes(&v->k0, kb);
	sipkey_from_bytes(&v->k1, kb + 16);
	explicit_bzero(kb, sizeof(kb));
	v->multi = multi;
	v->hooks = *hooks;
	v->max_checks = max_checks;
	v->icache = cache_new(ICACHE_ENTRIES, ICACHE_BYTES, 3600 * 1000LL,
	    clock_ms());
	v->last_sweep = clock_ms();
	result_init(&v->res, 4096);
	buf_init(&v->acct, CLAIMS_MAX_ACCOUNT);
	return (v);
}

/* ------------------------------------------------------------ transfers */

static void
xfer_init(struct xfer *x, enum xkind kind, void *owner)
{
	memset(x, 0, sizeof(*x));
	x->tag = &xfer_tag;
	x->kind = kind;
	x->owner = owner;
	buf_init(&x->body, IDPDOC_BODY_MAX);
	buf_init(&x->form, 64 * 1024);
}

/* xfer_end - the transfer is done or abandoned: wipe what it held */

static void
xfer_end(struct validator *v, struct xfer *x)
{
	if (x->h != NULL) {
		curl_multi_remove_handle(v->multi, x->h);
		curl_easy_cleanup(x->h);
		x->h = NULL;
	}
	/* the list holds libcurl's copy of a Basic header */
	http_slist_free_secret(x->hdrs, curl_slist_free_all);
	x->hdrs = NULL;
	buf_free_secret(&x->form);
	buf_free_secret(&x->body);
}

/*
 * xfer_start - GET (no form) or POST the form; PFX_OK when under way,
 * else what x held (headers with a credential, the form) is wiped
 */
static int
xfer_start(struct validator *v, struct xfer *x, const char *url,
    long long timeout_ms)
{
	struct idp_request rq = { url, timeout_ms, &x->form, &x->body,
	    &x->hdrs, x };

	if ((x->h = idpdoc_start(v->multi, v->conf, &rq)) != NULL)
		return (PFX_OK);
	xfer_end(v, x);
	return (PFX_EHTTP);
}

/* xfer_class - what kind of backend error a finished transfer was */

static int
xfer_failed(struct xfer *x, CURLcode cc, long *status, enum backend_error *cls)
{
	*status = 0;
	if (cc != CURLE_OK) {
		*cls = cc == CURLE_OPERATION_TIMEDOUT ? BERR_TIMEOUT :
		    cc == CURLE_WRITE_ERROR ? BERR_BODY : BERR_CONNECT;
		return (1);
	}
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, status);
	if (*status != 200) {
		*cls = *status >= 500 ? BERR_HTTP_5XX : *status >= 400 ?
		    BERR_HTTP_4XX : BERR_BODY;
		return (1);
	}
	return (0);
}

static struct entry_counters *
counters(struct validator *v, const struct conf_entry *e)
{
	return (v->hooks.counters(v->hooks.arg, e));
}

/* body_json - the answer as one JSON object, else NULL */

static struct json_object *
body_json(const struct buf *b)
{
	return (b->len > IDPDOC_BODY_MAX ? NULL : idpdoc_object(b));
}

/* ---------------------------------------------------------------- checks */

static void
check_free(struct check *c)
{
	struct validator *v = c->v;

	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		v->checks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	v->nchecks--;
	xfer_end(v, &c->x);
	buf_free_secret(&c->token);
	buf_free(&c->user);
	jws_free(&c->jws);
	explicit_bzero(c->ckey, sizeof(c->ckey));
	free(c);
}

static const char *
section(const struct conf_entry *e)
{
	return (conf_kind_section(e->kind));
}

/*
 * finish - answer the check (value: the account when FOUND), count it,
 * log why it was refused or failed, and forget it
 */
static void
finish(struct check *c, enum pfx_verdict verdict, const char *why,
    const char *account)
{
	struct validator *v = c->v;
	struct entry_counters *ec = counters(v, c->e);
	char	 u[128];

	(void)log_safe(u, sizeof(u), c->user.data, c->user.len);
	switch (verdict) {
	case PFX_FOUND:
		log_info("%s %s: token accepted for %s rid=%s", section(c->e),
		    c->e->name, u, c->rid);
		result_set(&v->res, PFX_FOUND, account);
		break;
	case PFX_NOTFOUND:
		log_info("%s %s: token refused for %s: %s rid=%s",
		    section(c->e), c->e->name, u, why, c->rid);
		result_set(&v->res, PFX_NOTFOUND, REFUSED);
		break;
	default:
		log_warnx("%s %s: token check failed for %s: %s rid=%s",
		    section(c->e), c->e->name, u, why, c->rid);
		result_set(&v->res, verdict, verdict == PFX_TIMEOUT ?
		    "token check timed out" : UNAVAILABLE);
		break;
	}
	counters_latency(ec, clock_ms() - c->started);
	if (c->waiter != NULL)
		v->hooks.reply(v->hooks.arg, c->waiter, c->e, &v->res);
	if (v->current == c)
		v->current_done = 1;
	check_free(c);
}

/* introspect - the RFC 7662 request, with tokend's client credentials */

static void
introspect(struct check *c)
{
	struct validator *v = c->v;
	const struct conf_oidc *cfg = &c->e->sasl_oidc_auth.client;
	long long left = c->deadline - clock_ms(), t;
	int	 r;

	if (left <= 0) {
		finish(c, PFX_TIMEOUT, "deadline passed", NULL);
		return;
	}
	if (c->idp->introspection == NULL) {
		finish(c, PFX_TEMPFAIL, "the IdP's discovery names no"
		    " introspection_endpoint", NULL);
		return;
	}
	xfer_init(&c->x, X_INTROSPECT, c);
	r = idpdoc_form_pair(&c->x.form, "token", c->token.data, c->token.len);
	if (r == PFX_OK)
		r = idpdoc_form_pair(&c->x.form, "token_type_hint", "access_token",
		    12);
	if (r == PFX_OK)
		r = idpdoc_client_auth(cfg, &c->x.form, &c->x.hdrs);
	if (r != PFX_OK) {
		finish(c, PFX_TEMPFAIL, r == PFX_EIO ? "cannot read the client"
		    " secret" : "the introspection request does not fit", NULL);
		return;
	}
	t = v->conf->http.timeout_ms < left ? v->conf->http.timeout_ms : left;
	if (xfer_start(v, &c->x, c->idp->introspection, t) != PFX_OK) {
		counters(v, c->e)->backend_errors[BERR_CONNECT]++;
		finish(c, PFX_TEMPFAIL, "cannot start the introspection"
		    " request", NULL);
		return;
	}
	counters(v, c->e)->backend_calls++;
	c->state = C_INTROSPECT;
}

/* policy - what this entry asks of a token's claims */

static void
policy(const struct check *c, struct claims_policy *p)
{
	const struct conf_sasl_oidc *so = &c->e->sasl_oidc_auth;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	memset(p, 0, sizeof(*p));
	p->introspection = !c->jwt;
	p->issuer = c->idp != NULL ? c->idp->issuer : NULL;
	p->audience = so->audience;
	p->naudience = so->naudience;
	p->client_ids = so->client_ids;
	p->nclient_ids = so->nclient_ids;
	p->scopes = so->client.scopes;
	p->nscopes = so->client.nscopes;
	p->account_claim = so->account_claim;
	p->now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	p->leeway_ms = so->leeway_ms;
}

/*
 * conclude - the claims (verified JWT or introspection answer): the
 * account, the user match, the answer; *exp_left how long it holds
 */
static void
conclude(struct check *c, struct json_object *claims)
{
	struct validator *v = c->v;
	const struct conf_sasl_oidc *so = &c->e->sasl_oidc_auth;
	struct claims_policy p;
	const char *why;
	long long exp_ms = 0, ttl;
	struct buf val;

	policy(c, &p);
	buf_reset(&v->acct);
	if ((why = claims_check(claims, &p, &v->acct, &exp_ms)) != NULL) {
		finish(c, PFX_NOTFOUND, why, NULL);
		return;
	}
	if (!c->jwt && so->introspection_cache_ttl_ms > 0) {
		ttl = exp_ms - p.now_ms;
		if (ttl > so->introspection_cache_ttl_ms)
			ttl = so->introspection_cache_ttl_ms;
		if (ttl > 0) {
			/* the value: when it expires, then the account */
			long long until = clock_ms() + ttl;

			buf_init(&val, CLAIMS_MAX_ACCOUNT + sizeof(until));
			if (buf_append(&val, &until, sizeof(until)) == PFX_OK &&
			    buf_append(&val, v->acct.data, v->acct.len) ==
			    PFX_OK)
				cache_put(v->icache, c->e->name,
				    strlen(c->e->name), (const char *)c->ckey,
				    sizeof(c->ckey), PFX_FOUND, val.data,
				    val.len, clock_ms());
			buf_free(&val);
		}
	}
	if (so->require_user_match && !claims_user_ok(c->user.data,
	    c->user.len, v->acct.data, v->acct.len)) {
		finish(c, PFX_NOTFOUND, "the claimed user is not the token's"
		    " account", NULL);
		return;
	}
	finish(c, PFX_FOUND, NULL, v->acct.data);
}

/* ------------------------------------------------------------------ IdPs */

static struct idp *
idp_get(struct validator *v, const char *uri)
{
	struct idp *p;

	for (p = v->idps; p != NULL; p = p->next)
		if (strcmp(p->uri, uri) == 0)
			return (p);
	p = xcalloc(1, sizeof(*p));
	p->uri = xstrdup(uri);
	xfer_init(&p->dx, X_DISCOVERY, p);
	xfer_init(&p->jx, X_JWKS, p);
	p->next = v->idps;
	v->idps = p;
	return (p);
}

static void
idp_forget_discovery(struct idp *p)
{
	free(p->issuer);
	free(p->introspection);
	free(p->jwks_uri);
	p->issuer = p->introspection = p->jwks_uri = NULL;
	p->disc_at = 0;
}

static void
idp_free(struct validator *v, struct idp *p)
{
	xfer_end(v, &p->dx);
	xfer_end(v, &p->jx);
	idp_forget_discovery(p);
	jwks_free(p->keys);
	free(p->uri);
	free(p);
}

/* wake - a fetch of this IdP finished: go on with what waits for it */

static void
wake(struct validator *v, struct idp *p, enum cstate st, int ok,
    const char *why)
{
	struct check *c, *next;

	for (c = v->checks; c != NULL; c = next) {
		next = c->next;	/* a finished check leaves the list */
		if (c->idp != p || c->state != st)
			continue;
		if (ok)
			advance(c);
		else
			finish(c, PFX_TEMPFAIL, why, NULL);
	}
}

/* fetch_timeout - a shared fetch: the HTTP timeout, within the entry's */

static long long
fetch_timeout(const struct validator *v, const struct check *c)
{
	long long t = v->conf->http.timeout_ms;

	if (c->e->timeout_ms > 0 && c->e->timeout_ms < t)
		t = c->e->timeout_ms;
	return (t);
}

static void
discovery_start(struct check *c)
{
	struct validator *v = c->v;
	struct idp *p = c->idp;

	c->state = C_DISCOVERY;
	if (p->dx.h != NULL)
		return;		/* under way: wait for it */
	xfer_init(&p->dx, X_DISCOVERY, p);
	if (xfer_start(v, &p->dx, p->uri, fetch_timeout(v, c)) != PFX_OK) {
		counters(v, c->e)->backend_errors[BERR_CONNECT]++;
		p->disc_failed_at = clock_ms();
		finish(c, PFX_TEMPFAIL, "cannot start the discovery request",
		    NULL);
		return;
	}
	p->dx_e = c->e;
	counters(v, c->e)->backend_calls++;
}

static void
jwks_start(struct check *c)
{
	struct validator *v = c->v;
	struct idp *p = c->idp;

	c->state = C_JWKS;
	if (p->jx.h != NULL)
		return;		/* single flight: wait for it */
	xfer_init(&p->jx, X_JWKS, p);
	if (xfer_start(v, &p->jx, p->jwks_uri, fetch_timeout(v, c)) !=
	    PFX_OK) {
		counters(v, c->e)->backend_errors[BERR_CONNECT]++;
		p->jwks_failed_at = clock_ms();
		finish(c, PFX_TEMPFAIL, "cannot start the JWKS request", NULL);
		return;
	}
	p->jx_e = c->e;
	p->jwks_tried_at = clock_ms();
	counters(v, c->e)->backend_calls++;
}

/* discovery_done - keep what the IdP announced; 0 when it is refused */

static int
discovery_done(struct validator *v, struct idp *p, CURLcode cc,
    const char **why)
{
	struct json_object *j;
	const char *iss, *ie, *ju;
	enum backend_error cls;
	long	 status;
	int	 want = idpdoc_scheme(p->uri);

	if (xfer_failed(&p->dx, cc, &status, &cls)) {
		if (p->dx_e != NULL)
			counters(v, p->dx_e)->backend_errors[cls]++;
		log_warnx("token check: discovery at %s failed (%s)", p->uri,
		    cc != CURLE_OK ? curl_easy_strerror(cc) : "HTTP status");
		*why = "discovery failed";
		return (0);
	}
	if ((j = body_json(&p->dx.body)) == NULL) {
		if (p->dx_e != NULL)
			counters(v, p->dx_e)->backend_errors[BERR_BODY]++;
		*why = "discovery answer is not a JSON object";
		return (0);
	}
	iss = idpdoc_str(j, "issuer");
	ie = idpdoc_str(j, "introspection_endpoint");
	ju = idpdoc_str(j, "jwks_uri");
	if ((ie != NULL && (idpdoc_scheme(ie) < want || idpdoc_scheme(ie) == 0)) ||
	    (ju != NULL && (idpdoc_scheme(ju) < want || idpdoc_scheme(ju) == 0))) {
		json_object_put(j);
		log_warnx("token check: discovery at %s refused: it names an"
		    " endpoint that is not %s", p->uri, want == 2 ? "https" :
		    "an http(s) URL");
		*why = "discovery refused (an endpoint is not https)";
		return (0);
	}
	if (iss == NULL || *iss == '\0' || (ie == NULL && ju == NULL)) {
		json_object_put(j);
		*why = "discovery has no issuer, introspection_endpoint or"
		    " jwks_uri";
		return (0);
	}
	if (p->jwks_uri != NULL && (ju == NULL || strcmp(ju, p->jwks_uri))) {
		/* a new key set location: the old keys are not its keys */
		jwks_free(p->keys);
		p->keys = NULL;
		p->jwks_at = 0;
	}
	idp_forget_discovery(p);
	p->issuer = xstrdup(iss);
	p->introspection = ie != NULL ? xstrdup(ie) : NULL;
	p->jwks_uri = ju != NULL ? xstrdup(ju) : NULL;
	p->disc_at = clock_ms();
	json_object_put(j);
	return (1);
}

static int
jwks_done(struct validator *v, struct idp *p, CURLcode cc, const char **why)
{
	enum backend_error cls;
	struct jwks *keys;
	long	 status;

	if (xfer_failed(&p->jx, cc, &status, &cls)) {
		if (p->jx_e != NULL)
			counters(v, p->jx_e)->backend_errors[cls]++;
		log_warnx("token check: JWKS fetch from %s failed (%s)",
		    p->jwks_uri, cc != CURLE_OK ? curl_easy_strerror(cc) :
		    "HTTP status");
		*why = "JWKS fetch failed";
		return (0);
	}
	if ((keys = jwks_parse(p->jx.body.data, p->jx.body.len, why)) ==
	    NULL) {
		if (p->jx_e != NULL)
			counters(v, p->jx_e)->backend_errors[BERR_BODY]++;
		log_warnx("token check: JWKS from %s refused: %s", p->jwks_uri,
		    *why);
		return (0);
	}
	jwks_free(p->keys);
	p->keys = keys;
	p->jwks_at = clock_ms();
	log_info("token check: %zu signature keys from %s", jwks_count(keys),
	    p->jwks_uri);
	return (1);
}

/* ------------------------------------------------------------ the steps */

/* verify - the JWS against the key set, then its claims */

static void
verify(struct check *c)
{
	struct idp *p = c->idp;
	const char *why;

	switch (jwks_verify(p->keys, &c->jws, c->token.data, &why)) {
	case JWS_OK:
		conclude(c, c->jws.claims);
		return;
	case JWS_UNKNOWN_KID:
		if (!c->refetched && clock_ms() - p->jwks_tried_at >=
		    REFETCH_MIN_MS) {
			/* the IdP may have rotated its keys: ask once */
			c->refetched = 1;
			jwks_start(c);
			return;
		}
		break;
	case JWS_ALG:
	case JWS_NO_KEY:
	case JWS_SIGNATURE:
		break;
	}
	finish(c, PFX_NOTFOUND, why, NULL);
}

/*
 * advance - take the check as far as it goes without waiting: it ends
 * (finish) or waits for a fetch or its introspection call
 */
static void
advance(struct check *c)
{
	const struct conf_sasl_oidc *so = &c->e->sasl_oidc_auth;
	struct idp *p = c->idp;
	long long now = clock_ms();

	if (now >= c->deadline) {
		finish(c, PFX_TIMEOUT, "deadline passed", NULL);
		return;
	}
	if (p->disc_at == 0 || now - p->disc_at >= DISCOVERY_TTL_MS) {
		if (p->dx.h == NULL && p->disc_failed_at != 0 &&
		    now - p->disc_failed_at < RETRY_MS) {
			finish(c, PFX_TEMPFAIL, "discovery failed moments ago",
			    NULL);
			return;
		}
		discovery_start(c);
		return;
	}
	if (!c->jwt) {
		introspect(c);
		return;
	}
	if (p->jwks_uri == NULL) {
		finish(c, PFX_TEMPFAIL, "the IdP's discovery names no jwks_uri",
		    NULL);
		return;
	}
	if (p->jx.h != NULL) {
		c->state = C_JWKS;	/* a fetch is under way: its keys */
		return;
	}
	if (p->keys == NULL || now - p->jwks_at >= so->jwks_cache_ttl_ms) {
		if (p->jwks_failed_at != 0 && now - p->jwks_failed_at <
		    RETRY_MS) {
			finish(c, PFX_TEMPFAIL, "JWKS fetch failed moments ago",
			    NULL);
			return;
		}
		jwks_start(c);
		return;
	}
	verify(c);
}

/* token_key - the introspection cache key: 128 keyed bits of the token */

static void
token_key(const struct validator *v, const char *tok, size_t n,
    unsigned char out[16])
{
	uint64_t a = siphash24(&v->k0, tok, n), b = siphash24(&v->k1, tok, n);

	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
}

/*
 * cached - an accepted introspection of this token, still valid: 1 and
 * the answer in *res
 */
static int
cached(struct validator *v, const struct conf_entry *e,
    const struct pfx_req *req, const char *user,
    size_t ulen, const unsigned char key[16], struct pfx_result *res)
{
	const struct conf_sasl_oidc *so = &e->sasl_oidc_auth;
	const char *val;
	size_t	 vallen;
	long long age, until;
	int	 verdict;
	char	 u[128];

	if (so->introspection_cache_ttl_ms <= 0 ||
	    !cache_get(v->icache, e->name, strlen(e->name), (const char *)key,
	    16, so->introspection_cache_ttl_ms, clock_ms(), &verdict, &val,
	    &vallen, &age) || verdict != PFX_FOUND || vallen < sizeof(until))
		return (0);
	memcpy(&until, val, sizeof(until));
	if (clock_ms() >= until) {
		cache_del(v->icache, e->name, strlen(e->name),
		    (const char *)key, 16);
		return (0);
	}
	val += sizeof(until);
	vallen -= sizeof(until);
	(void)log_safe(u, sizeof(u), user, ulen);
	if (so->require_user_match && !claims_user_ok(user, ulen, val,
	    vallen)) {
		log_info("%s %s: token refused for %s: the claimed user is not"
		    " the token's account (cached) rid=%s", section(e), e->name,
		    u, RID(req));
		result_set(res, PFX_NOTFOUND, REFUSED);
		return (1);
	}
	log_info("%s %s: token accepted for %s (cached) rid=%s", section(e),
	    e->name, u, RID(req));
	result_set(res, PFX_FOUND, NULL);
	(void)buf_append(&res->value, val, vallen);
	return (1);
}

/* now_answer - an answer without a check: count and log it */

static int
now_answer(struct validator *v, const struct conf_entry *e,
    const struct pfx_req *req, struct pfx_result *res, enum pfx_verdict verdict, const char *why)
{
	if (verdict != PFX_FOUND && why != NULL)
		log_info("%s %s: token %s: %s rid=%s", section(e), e->name,
		    verdict == PFX_NOTFOUND ? "refused" : "check failed", why,
		    RID(req));
	if (why != NULL || verdict != PFX_FOUND)
		result_set(res, verdict, verdict == PFX_NOTFOUND ? REFUSED :
		    verdict == PFX_TIMEOUT ? "token check timed out" :
		    verdict == PFX_FOUND ? "" : UNAVAILABLE);
	counters(v, e)->requests[res->verdict]++;
	return (PFX_OK);
}

int
validator_check(struct validator *v, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, void *waiter,
    struct pfx_result *res)
{
	const struct conf_sasl_oidc *so = &e->sasl_oidc_auth;
	const char *tok, *user, *why;
	size_t	 toklen, ulen = 0;
	unsigned char key[16];
	struct check *c;
	int	 jwt;

	tok = pfx_req_get(req, "token", &toklen);
	if ((user = pfx_req_get(req, "username", &ulen)) == NULL)
		ulen = 0;
	if (!so->client.enabled || v->conf == NULL) {
		log_warnx("%s %s: a token login, but sasl_oidc_auth is not"
		    " enabled", section(e), e->name);
		return (now_answer(v, e, req, res, PFX_TEMPFAIL, "not enabled"));
	}
	if (tok == NULL || toklen == 0 || toklen > JWS_MAX ||
	    memchr(tok, '\0', toklen) != NULL)
		return (now_answer(v, e, req, res, PFX_NOTFOUND, "no usable token"));
	if (clock_ms() >= deadline)
		return (now_answer(v, e, req, res, PFX_TIMEOUT, "deadline passed"));
	jwt = so->mode == SASL_VALIDATE_JWKS ||
	    (so->mode == SASL_VALIDATE_AUTO && jws_looks_like(tok, toklen));
	if (!jwt) {
		token_key(v, tok, toklen, key);
		if (cached(v, e, req, user != NULL ? user : "", ulen, key, res)) {
			explicit_bzero(key, sizeof(key));
			counters(v, e)->cache_hits++;
			return (now_answer(v, e, req, res, res->verdict, NULL));
		}
	}
	if (v->nchecks >= v->max_checks) {
		explicit_bzero(key, sizeof(key));
		return (now_answer(v, e, req, res, PFX_TEMPFAIL, "too many token"
		    " checks under way"));
	}
	c = xcalloc(1, sizeof(*c));
	c->v = v;
	c->e = e;
	c->waiter = waiter;
	c->jwt = jwt;
	c->deadline = deadline;
	c->started = clock_ms();
	(void)snprintf(c->rid, sizeof(c->rid), "%s", RID(req));
	buf_init(&c->token, JWS_MAX);
	buf_init(&c->user, SASL_MAX_USER);
	xfer_init(&c->x, X_INTROSPECT, c);
	(void)buf_append(&c->token, tok, toklen);
	if (user != NULL)
		(void)buf_append(&c->user, user, ulen);
	if (!jwt)
		memcpy(c->ckey, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
	c->next = v->checks;
	if (v->checks != NULL)
		v->checks->prev = c;
	v->checks = c;
	v->nchecks++;
	if (jwt) {
		/* a malformed token or a refused header needs no IdP */
		if (jws_parse(&c->jws, c->token.data, c->token.len, &why) !=
		    PFX_OK || (why = claims_header(c->jws.header)) != NULL) {
			c->waiter = NULL;
			finish(c, PFX_NOTFOUND, why, NULL);
			return (now_answer(v, e, req, res, PFX_NOTFOUND, NULL));
		}
	}
	c->idp = idp_get(v, so->client.configuration_uri);
	/* answered at once? then the waiter gets it now, not by the hook */
	c->waiter = NULL;
	c->state = C_DISCOVERY;
	v->current = c;
	v->current_done = 0;
	advance(c);
	v->current = NULL;
	if (!v->current_done) {
		c->waiter = waiter;
		return (PFX_EAGAIN);
	}
	result_set(res, v->res.verdict, NULL);
	(void)buf_append(result_text(res), result_text(&v->res)->data,
	    result_text(&v->res)->len);
	counters(v, e)->requests[res->verdict]++;
	return (PFX_OK);
}

/* introspected - the IdP's answer to an introspection */

static void
introspected(struct check *c, CURLcode cc)
{
	struct validator *v = c->v;
	struct json_object *j;
	enum backend_error cls;
	long	 status;

	if (xfer_failed(&c->x, cc, &status, &cls)) {
		counters(v, c->e)->backend_errors[cls]++;
		if (cc != CURLE_OK)
			finish(c, cls == BERR_TIMEOUT ? PFX_TIMEOUT :
			    PFX_TEMPFAIL, curl_easy_strerror(cc), NULL);
		else {
			log_warnx("%s %s: introspection answered HTTP %ld",
			    section(c->e), c->e->name, status);
			finish(c, PFX_TEMPFAIL, "introspection failed", NULL);
		}
		return;
	}
	if ((j = body_json(&c->x.body)) == NULL) {
		counters(v, c->e)->backend_errors[BERR_BODY]++;
		finish(c, PFX_TEMPFAIL, "introspection answer is not a JSON"
		    " object", NULL);
		return;
	}
	xfer_end(v, &c->x);	/* the request held the token */
	conclude(c, j);
	json_object_put(j);
}

int
validator_done(struct validator *v, CURL *h, CURLcode cc)
{
	struct xfer *x;
	struct idp *p;
	const char *why = NULL;
	char	*priv = NULL;
	int	 ok;

	if (curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
	    priv == NULL || *(const void *const *)(void *)priv != &xfer_tag)
		return (0);
	x = (struct xfer *)(void *)priv;
	if (x->h != h)
		return (1);	/* ours, but abandoned: never oidc.c's */
	switch (x->kind) {
	case X_INTROSPECT:
		introspected(x->owner, cc);
		break;
	case X_DISCOVERY:
		p = x->owner;
		if (!(ok = discovery_done(v, p, cc, &why)))
			p->disc_failed_at = clock_ms();
		xfer_end(v, &p->dx);
		wake(v, p, C_DISCOVERY, ok, why);
		break;
	case X_JWKS:
		p = x->owner;
		if (!(ok = jwks_done(v, p, cc, &why)))
			p->jwks_failed_at = clock_ms();
		xfer_end(v, &p->jx);
		wake(v, p, C_JWKS, ok, why);
		break;
	}
	return (1);
}

void
validator_forget(struct validator *v, void *waiter)
{
	struct check *c;

	for (c = v->checks; c != NULL; c = c->next)
		if (c->waiter == waiter)
			c->waiter = NULL;
}

void
validator_abort(struct validator *v, const char *why)
{
	while (v->checks != NULL)
		finish(v->checks, PFX_TEMPFAIL, why, NULL);
}

int
validator_next_ms(const struct validator *v, long long now)
{
	const struct check *c;
	long long next = -1;

	for (c = v->checks; c != NULL; c = c->next)
		if (next < 0 || c->deadline - now < next)
			next = c->deadline - now;
	return (next < 0 ? -1 : next <= 0 ? 0 : (int)(next > 1000 ? 1000 :
	    next));
}

void
validator_tick(struct validator *v, long long now)
{
	struct check *c, *next;

	for (c = v->checks; c != NULL; c = next) {
		next = c->next;
		if (now >= c->deadline)
			finish(c, PFX_TIMEOUT, "no answer from the IdP in time",
			    NULL);
	}
	if (now - v->last_sweep >= ICACHE_SWEEP_MS) {
		(void)cache_sweep(v->icache, now);
		v->last_sweep = now;
	}
}

size_t
validator_checks(const struct validator *v)
{
	return (v->nchecks);
}

static int
keep_none(const char *space, size_t len, void *arg)
{
	(void)space;
	(void)len;
	(void)arg;
	return (0);
}

/*
 * validator_set_conf - checks of the old configuration are answered;
 * what IdPs announced and their keys stay while an entry names them;
 * accepted introspections are forgotten (the rules may have changed)
 */
void
validator_set_conf(struct validator *v, const struct conf *c)
{
	struct idp **pp, *p;
	size_t	 i;

	validator_abort(v, "configuration reloaded");
	v->conf = c;
	for (p = v->idps; p != NULL; p = p->next) {
		p->used = 0;
		p->dx_e = p->jx_e = NULL;	/* old entries */
	}
	for (i = 0; i < c->nentries; i++)
		if (c->entries[i].sasl_oidc_auth.client.enabled)
			idp_get(v, c->entries[i].sasl_oidc_auth.client.
			    configuration_uri)->used = 1;
	for (pp = &v->idps; (p = *pp) != NULL;) {
		if (p->used) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		idp_free(v, p);
	}
	cache_prune(v->icache, keep_none, NULL);
}

void
validator_free(struct validator *v)
{
	struct idp *p;

	if (v == NULL)
		return;
	while (v->checks != NULL) {
		v->checks->waiter = NULL;
		check_free(v->checks);
	}
	while ((p = v->idps) != NULL) {
		v->idps = p->next;
		idp_free(v, p);
	}
	cache_free(v->icache);
	result_free(&v->res);
	buf_free(&v->acct);
	free(v);
}
