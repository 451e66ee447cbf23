/*
 * oidc.c - OIDC discovery and client-credentials tokens for tokend
 *
 * DESCRIPTION
 *	One client per distinct (configuration_uri, client_id, method, key,
 *	scopes), shared by every entry that names the same.  A client
 *	fetches discovery (kept for an hour), then a token; both run as
 *	libcurl multi transfers inside tokend's event loop, so a slow IdP
 *	never blocks cache requests.  One fetch per client at a time.
 *
 *	A token is refreshed in the background after 3/4 of its life and
 *	served until it expires; while the IdP fails, retries back off
 *	exponentially (1 s .. 60 s) and a still-valid token keeps being
 *	served.
 *
 * SECURITY
 *	Secrets are read from the configuration or from client_secret_file
 *	at each fetch, wiped after use, and never logged.  Basic credentials
 *	are form-url-encoded first (RFC 6749 section 2.3.1).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "http.h"
#include "jwt.h"
#include "log.h"
#include "idpdoc.h"
#include "oidc.h"
#include "xalloc.h"

#define DISCOVERY_TTL_MS	(3600 * 1000LL)
#define BACKOFF_MAX_MS		60000LL
#define RENEW_MIN_AGE_MS	10000LL
#define TOKEN_LIFE_MAX		86400LL		/* s; longer expires_in is cut */

enum ostate { O_IDLE, O_DISCOVERY, O_TOKEN };

struct oidc_client {
	struct oidc_client *next;
	struct oidc	*o;
	char		*key;
	const struct conf_oidc *cfg;
	struct jwt_key	*jk;
	char		*token;
	long long	 expires_at, refresh_at, fetched_at;
	char		*token_endpoint;
	long long	 disc_at;
	enum ostate	 state;
	CURL		*easy;
	struct curl_slist *hdrs;
	struct buf	 body, form;
	unsigned int	 failures;
	long long	 retry_at;
	char		 why[160];
};

struct oidc {
	CURLM		*multi;
	const struct conf *conf;
	struct oidc_client *clients;
	struct oidc_stats st;
	struct buf	 scratch;
};

struct oidc *
oidc_new(CURLM *multi)
{
	struct oidc *o = xcalloc(1, sizeof(*o));

	o->multi = multi;
	buf_init(&o->scratch, 64 * 1024);
	return (o);
}

static void
client_wipe_token(struct oidc_client *oc)
{
	free_secret(oc->token);
	oc->token = NULL;
}

static void
client_abort(struct oidc_client *oc)
{
	if (oc->easy != NULL) {
		curl_multi_remove_handle(oc->o->multi, oc->easy);
		curl_easy_cleanup(oc->easy);
		oc->easy = NULL;
	}
	/* the list holds libcurl's copy of a Basic header */
	http_slist_free_secret(oc->hdrs, curl_slist_free_all);
	oc->hdrs = NULL;
	buf_free_secret(&oc->form);
	buf_free_secret(&oc->body);	/* a token response */
	oc->state = O_IDLE;
}

static void
client_free(struct oidc_client *oc)
{
	client_abort(oc);
	client_wipe_token(oc);
	jwt_key_free(oc->jk);
	free(oc->token_endpoint);
	free(oc->key);
	free(oc);
}

void
oidc_free(struct oidc *o)
{
	struct oidc_client *oc, *next;

	if (o == NULL)
		return;
	for (oc = o->clients; oc != NULL; oc = next) {
		next = oc->next;
		client_free(oc);
	}
	buf_free(&o->scratch);
	free(o);
}

/* oidc_set_conf - keep tokens of clients that still exist, drop others */

void
oidc_set_conf(struct oidc *o, const struct conf *c)
{
	struct oidc_client **pp = &o->clients, *oc;
	size_t	 i;

	o->conf = c;
	while ((oc = *pp) != NULL) {
		oc->cfg = NULL;
		for (i = 0; i < c->nentries; i++) {
			if (!c->entries[i].backend_oidc_auth.enabled)
				continue;
			conf_oidc_key(&c->entries[i].backend_oidc_auth,
			    &o->scratch);
			if (strcmp(buf_str(&o->scratch), oc->key) == 0) {
				oc->cfg = &c->entries[i].backend_oidc_auth;
				break;
			}
		}
		if (oc->cfg == NULL) {
			*pp = oc->next;
			client_free(oc);
			continue;
		}
		/* key files may have been replaced: reload on next use */
		jwt_key_free(oc->jk);
		oc->jk = NULL;
		pp = &oc->next;
	}
}

static struct oidc_client *
client_get(struct oidc *o, const struct conf_oidc *cfg)
{
	struct oidc_client *oc;

	conf_oidc_key(cfg, &o->scratch);
	for (oc = o->clients; oc != NULL; oc = oc->next)
		if (strcmp(oc->key, buf_str(&o->scratch)) == 0) {
			oc->cfg = cfg;
			return (oc);
		}
	oc = xcalloc(1, sizeof(*oc));
	oc->o = o;
	oc->key = xstrdup(buf_str(&o->scratch));
	oc->cfg = cfg;
	oc->next = o->clients;
	o->clients = oc;
	return (oc);
}

static void
client_fail(struct oidc_client *oc, long long now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
client_fail(struct oidc_client *oc, long long now, const char *fmt, ...)
{
	va_list	 ap;
	long long delay;
	char	 why[sizeof(oc->why)];

	/* callers may pass oc->why itself as an argument */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	memcpy(oc->why, why, sizeof(oc->why));
	client_abort(oc);
	oc->failures++;
	delay = 1000LL << (oc->failures > 7 ? 6 : oc->failures - 1);
	oc->retry_at = now + (delay > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay);
	oc->o->st.tokens_failed++;
	log_warnx("oidc %s: %s; retrying in %llds", oc->cfg->client_id,
	    oc->why, (oc->retry_at - now) / 1000);
}

static int
client_transfer(struct oidc_client *oc, const char *url, int post)
{
	struct idp_request rq = { url, oc->o->conf->http.timeout_ms,
	    post ? &oc->form : NULL, &oc->body, &oc->hdrs, oc };

	oc->easy = idpdoc_start(oc->o->multi, oc->o->conf, &rq);
	return (oc->easy != NULL ? PFX_OK : PFX_EHTTP);
}

/*
 * assertion_kid - no kid unless private_key_id is set (as pfxhttp); the
 * value "thumbprint" asks for the key's RFC 7638 thumbprint
 */
static const char *
assertion_kid(const struct conf_oidc *cfg, const struct jwt_key *jk)
{
	if (cfg->private_key_id == NULL)
		return (NULL);
	if (strcmp(cfg->private_key_id, "thumbprint") == 0)
		return (jwt_key_thumbprint(jk));
	return (cfg->private_key_id);
}

/*
 * token_form - the token request's form (and, for client_secret_basic,
 * its Authorization header); on failure oc->why says why.  A piece that
 * does not fit fails the whole request: cut short, it would ask for
 * fewer scopes or carry an empty credential without a word.
 */
static int
token_form(struct oidc_client *oc)
{
	const struct conf_oidc *cfg = oc->cfg;
	struct buf scopes, assertion;
	char	 err[160];
	size_t	 i;
	int	 r;

	buf_init(&scopes, 16384);
	r = buf_puts(&oc->form, "grant_type=client_credentials");
	for (i = 0; r == PFX_OK && i < cfg->nscopes; i++)
		r = buf_printf(&scopes, "%s%s", i ? " " : "", cfg->scopes[i]);
	if (r == PFX_OK && cfg->nscopes > 0)
		r = idpdoc_form_pair(&oc->form, "scope", scopes.data,
		    scopes.len);
	buf_free(&scopes);
	if (r == PFX_OK && (r = idpdoc_client_auth(cfg, &oc->form,
	    &oc->hdrs)) == PFX_EIO) {
		snprintf(oc->why, sizeof(oc->why), "cannot read the client"
		    " secret");
		return (r);
	}
	if (r != PFX_OK || cfg->method != OIDC_PRIVATE_KEY_JWT) {
		if (r != PFX_OK)
			snprintf(oc->why, sizeof(oc->why), "the token request"
			    " does not fit");
		return (r);
	}
	if (oc->jk == NULL && (oc->jk = jwt_key_load(cfg->private_key_file,
	    err, sizeof(err))) == NULL) {
		snprintf(oc->why, sizeof(oc->why), "%s", err);
		return (PFX_EINVAL);
	}
	buf_init(&assertion, 16384);
	if ((r = jwt_assertion(oc->jk, cfg->signing_alg, assertion_kid(cfg,
	    oc->jk), cfg->client_id, oc->token_endpoint, (long long)time(NULL),
	    &assertion, err, sizeof(err))) != PFX_OK)
		snprintf(oc->why, sizeof(oc->why), "%s", err);
	else if ((r = idpdoc_form_pair(&oc->form, "client_assertion_type",
	    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", 54)) !=
	    PFX_OK || (r = idpdoc_form_pair(&oc->form, "client_assertion",
	    assertion.data, assertion.len)) != PFX_OK)
		snprintf(oc->why, sizeof(oc->why), "the token request does"
		    " not fit");
	buf_free_secret(&assertion);
	return (r);
}

static int
token_request(struct oidc_client *oc, long long now)
{
	int	 r;

	buf_init(&oc->form, 64 * 1024);
	if ((r = token_form(oc)) != PFX_OK) {
		client_fail(oc, now, "%s", oc->why);
		return (r);
	}
	oc->state = O_TOKEN;
	if ((r = client_transfer(oc, oc->token_endpoint, 1)) != PFX_OK)
		client_fail(oc, now, "cannot start the token request");
	return (r);
}

static void
client_start(struct oidc_client *oc, long long now)
{
	oc->why[0] = '\0';
	if (oc->token_endpoint != NULL && now - oc->disc_at < DISCOVERY_TTL_MS) {
		(void)token_request(oc, now);
		return;
	}
	oc->state = O_DISCOVERY;
	if (client_transfer(oc, oc->cfg->configuration_uri, 0) != PFX_OK)
		client_fail(oc, now, "cannot start the discovery request");
}

static struct json_object *
body_json(struct oidc_client *oc)
{
	return (idpdoc_object(&oc->body));
}

/*
 * downgraded - the first endpoint of the discovery document whose scheme
 * is weaker than the configuration_uri's (https discovery, http token
 * endpoint: the secret would travel in clear text), or NULL
 */
static const char *
downgraded(struct json_object *j, const char *configuration_uri)
{
	static const char *const names[] = {
		"token_endpoint", "introspection_endpoint", "jwks_uri",
	};
	const char *v;
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((v = idpdoc_str(j, names[i])) != NULL &&
		    idpdoc_scheme(v) < idpdoc_scheme(configuration_uri))
			return (names[i]);
	return (NULL);
}

static void
discovery_done(struct oidc_client *oc, long status, long long now)
{
	struct json_object *j;
	const char *ep, *weak;

	if (status != 200 || (j = body_json(oc)) == NULL) {
		client_fail(oc, now, "discovery failed (HTTP %ld)", status);
		return;
	}
	ep = idpdoc_str(j, "token_endpoint");
	if (ep == NULL || idpdoc_scheme(ep) == 0) {
		json_object_put(j);
		client_fail(oc, now, "discovery has no token_endpoint");
		return;
	}
	if ((weak = downgraded(j, oc->cfg->configuration_uri)) != NULL) {
		json_object_put(j);
		client_fail(oc, now, "discovery refused: its %s is not https"
		    " like the configuration_uri", weak);
		return;
	}
	free(oc->token_endpoint);
	oc->token_endpoint = xstrdup(ep);
	oc->disc_at = now;
	oc->o->st.discoveries++;
	json_object_put(j);
	client_abort(oc);
	(void)token_request(oc, now);
}

static void
token_done(struct oidc_client *oc, long status, long long now)
{
	struct json_object *j, *v;
	const char *tok, *type;
	long long life = 3600;
	size_t	 len = 0, i;

	if ((j = body_json(oc)) == NULL || status != 200) {
		if (j != NULL && (type = idpdoc_str(j, "error")) != NULL)
			client_fail(oc, now, "token request refused (HTTP %ld,"
			    " %.40s)", status, type);
		else
			client_fail(oc, now, "token request failed (HTTP %ld)",
			    status);
		if (j != NULL)
			json_object_put(j);
		if (status == 400 || status == 401)
			oc->disc_at = 0;	/* endpoint may have moved */
		return;
	}
	if ((tok = idpdoc_str(j, "access_token")) != NULL &&
	    json_object_object_get_ex(j, "access_token", &v))
		len = (size_t)json_object_get_string_len(v);
	type = idpdoc_str(j, "token_type");
	if (tok == NULL || len == 0 ||
	    (type != NULL && strcasecmp(type, "bearer") != 0)) {
		json_object_put(j);
		client_fail(oc, now, "token response without a bearer token");
		return;
	}
	/* it goes into a header: visible ASCII only (no NUL, no controls) */
	for (i = 0; i < len; i++)
		if ((unsigned char)tok[i] <= 0x20 ||
		    (unsigned char)tok[i] >= 0x7f)
			break;
	if (i < len) {
		json_object_put(j);
		client_fail(oc, now, "token refused: it holds a space, control"
		    " or non-ASCII byte");
		return;
	}
	if (json_object_object_get_ex(j, "expires_in", &v) &&
	    (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		life = json_object_get_int64(v);
	if (life < 1)
		life = 1;
	if (life > TOKEN_LIFE_MAX)
		life = TOKEN_LIFE_MAX;
	client_wipe_token(oc);
	oc->token = xstrdup(tok);
	json_object_put(j);
	oc->fetched_at = now;
	oc->expires_at = now + life * 1000;
	oc->refresh_at = now + life * 750;
	oc->failures = 0;
	oc->retry_at = 0;
	oc->o->st.tokens_fetched++;
	client_abort(oc);
	log_info("oidc %s: token fetched, valid for %llds",
	    oc->cfg->client_id, life);
}

struct oidc_client *
oidc_done(struct oidc *o, CURL *easy, CURLcode cc, long long now)
{
	struct oidc_client *oc = NULL;
	long	 status = 0;

	(void)o;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&oc);
	if (oc == NULL)
		return (NULL);
	if (cc != CURLE_OK) {
		client_fail(oc, now, "%s request failed: %s",
		    oc->state == O_DISCOVERY ? "discovery" : "token",
		    curl_easy_strerror(cc));
		return (oc);
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (oc->state == O_DISCOVERY)
		discovery_done(oc, status, now);
	else
		token_done(oc, status, now);
	return (oc);
}

enum oidc_answer
oidc_result(struct oidc_client *oc, long long now, const char **token,
    long long *expires_in, const char **why)
{
	if (oc->token != NULL && now < oc->expires_at) {
		*token = oc->token;
		*expires_in = oc->expires_at - now;
		oc->o->st.tokens_served++;
		return (OIDC_TOKEN);
	}
	if (oc->state != O_IDLE)
		return (OIDC_WAIT);
	*why = oc->why[0] != '\0' ? oc->why : "no token";
	return (OIDC_FAIL);
}

int
oidc_busy(const struct oidc_client *oc)
{
	return (oc->state != O_IDLE);
}

enum oidc_answer
oidc_token(struct oidc *o, const struct conf_oidc *cfg, int renew,
    long long now, struct oidc_client **ocp, const char **token,
    long long *expires_in, const char **why)
{
	struct oidc_client *oc = client_get(o, cfg);

	*ocp = oc;
	/*
	 * A backend refused the token (revoked, rotated keys): fetch a new
	 * one, but at most once per RENEW_MIN_AGE_MS however many spawn
	 * processes report it.
	 */
	if (renew && oc->token != NULL && now - oc->fetched_at >
	    RENEW_MIN_AGE_MS && oc->state == O_IDLE) {
		client_wipe_token(oc);
		oc->retry_at = 0;
	}
	if (oc->state == O_IDLE && now >= oc->retry_at &&
	    (oc->token == NULL || now >= oc->refresh_at))
		client_start(oc, now);
	return (oidc_result(oc, now, token, expires_in, why));
}

void
oidc_tick(struct oidc *o, long long now)
{
	struct oidc_client *oc;

	for (oc = o->clients; oc != NULL; oc = oc->next) {
		if (oc->token != NULL && now >= oc->expires_at)
			client_wipe_token(oc);
		if (oc->state == O_IDLE && oc->token != NULL &&
		    now >= oc->refresh_at && now >= oc->retry_at)
			client_start(oc, now);
	}
}

struct oidc_stats *
oidc_stats(struct oidc *o)
{
	return (&o->st);
}
