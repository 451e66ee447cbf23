/*
 * lookup.c - build the backend request, perform it, map the answer
 *
 * DESCRIPTION
 *	The request is built from the entry's compiled templates: target
 *	(URL context), payload (JSON, form or text context) and custom
 *	headers (header context).  A GET without variables in the target
 *	gets postfix-rest-connector's query: ?name=..&key=.. (socketmap),
 *	?key=.. (tcp) or every attribute (policy).
 *
 *	Answers map to verdicts in one place (lookup_map_response):
 *	status_code with a usable value is FOUND; 404 is NOTFOUND; other
 *	4xx are PERMFAIL; 5xx, transport errors and unparseable bodies are
 *	TEMPFAIL (a timeout is TIMEOUT).  Nothing from the backend that
 *	could be wrong permanently is passed on as permanent.
 *
 * SECURITY
 *	Logs carry the entry name and curl's short error, never the URL,
 *	headers or body.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "clock.h"
#include "err.h"
#include "escape.h"
#include "http.h"
#include "jpath.h"
#include "log.h"
#include "lookup.h"
#include "template.h"
#include "tokclient.h"
#include "xalloc.h"

#define JSON_MAX_DEPTH	64
#define URL_MAX		(64 * 1024)

struct lookup {
	const struct conf *c;
	struct http_client *http;
	struct buf	 url, body, hdr, attrjson, scratch;
	char		*user_agent;
	struct tokc	*tok;		/* NULL until tokend is needed */
	char		**tokens;	/* per entry: bearer token */
	long long	*token_expiry;	/* per entry: monotonic ms */
	struct buf	 ckey;		/* response cache key */
	long		 last_status;	/* HTTP status of the last call */
};

struct render_ctx {
	struct lookup	*lk;
	const struct conf_entry *e;
	const struct pfx_req *req;
};

struct lookup *
lookup_new(const struct conf *c)
{
	struct lookup *lk = xcalloc(1, sizeof(*lk));
	size_t	 max = (size_t)c->socketmap_max_reply_size + 65536;

	lk->c = c;
	buf_init(&lk->url, URL_MAX);
	buf_init(&lk->body, max + 1024 * 1024);
	buf_init(&lk->hdr, 16384);
	buf_init(&lk->attrjson, 1024 * 1024);
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
	http_client_free(lk->http);
	buf_free(&lk->url);
	buf_free(&lk->body);
	buf_free(&lk->hdr);
	buf_free(&lk->attrjson);
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

static int
attr_cmp(const void *a, const void *b)
{
	const struct pfx_attr *const *x = a, *const *y = b;

	return (strcmp((*x)->name, (*y)->name));
}

/* policy_json - all attributes as one JSON object, keys sorted (pfxhttp) */

static int
policy_json(struct buf *out, const struct pfx_req *req)
{
	const struct pfx_attr *sorted[128];
	size_t	 i, n = req->nattrs, b, e;
	const char *v;
	int	 r = PFX_OK;

	if (n > sizeof(sorted) / sizeof(sorted[0]))
		n = sizeof(sorted) / sizeof(sorted[0]);
	for (i = 0; i < n; i++)
		sorted[i] = &req->attrs[i];
	qsort(sorted, n, sizeof(sorted[0]), attr_cmp);
	buf_reset(out);
	r = buf_putc(out, '{');
	for (i = 0; i < n && r == PFX_OK; i++) {
		v = sorted[i]->value;
		for (b = 0; b < sorted[i]->valuelen && (v[b] == ' ' ||
		    v[b] == '\t'); b++)
			;
		for (e = sorted[i]->valuelen; e > b && (v[e - 1] == ' ' ||
		    v[e - 1] == '\t'); e--)
			;
		if ((i > 0 && (r = buf_putc(out, ',')) != PFX_OK) ||
		    (r = buf_putc(out, '"')) != PFX_OK ||
		    (r = escape_json(out, sorted[i]->name,
		    strlen(sorted[i]->name))) != PFX_OK ||
		    (r = buf_puts(out, "\":\"")) != PFX_OK ||
		    (r = escape_json(out, v + b, e - b)) != PFX_OK)
			break;
		r = buf_putc(out, '"');
	}
	if (r == PFX_OK)
		r = buf_putc(out, '}');
	return (r);
}

static const char *
req_attr(const struct pfx_req *req, const char *name, size_t *len)
{
	size_t	 i;

	for (i = 0; i < req->nattrs; i++)
		if (strcmp(req->attrs[i].name, name) == 0) {
			*len = req->attrs[i].valuelen;
			return (req->attrs[i].value);
		}
	*len = 0;
	return ("");
}

static int
render_value(int id, struct tmpl_value *v, void *arg)
{
	struct render_ctx *rc = arg;
	const struct pfx_req *req = rc->req;
	int	 r;

	v->json = 0;
	if (id == VAR_KEY && rc->e->kind == KIND_POLICY) {
		if ((r = policy_json(&rc->lk->attrjson, req)) != PFX_OK)
			return (r);
		v->p = rc->lk->attrjson.data;
		v->n = rc->lk->attrjson.len;
		v->json = 1;
	} else if (id == VAR_KEY) {
		v->p = req->key;
		v->n = req->keylen;
	} else if (id == VAR_NAME) {
		v->p = rc->e->name;
		v->n = strlen(rc->e->name);
	} else {
		v->p = req_attr(req, policy_attr_names[id - VAR_ATTR0], &v->n);
	}
	return (PFX_OK);
}

/* rest_query - postfix-rest-connector's GET parameters */

static int
rest_query(struct buf *u, const struct conf_entry *e,
    const struct pfx_req *req)
{
	size_t	 i;
	int	 r;

	if ((r = buf_putc(u, strchr(e->target, '?') != NULL ? '&' : '?')) !=
	    PFX_OK)
		return (r);
	switch (e->kind) {
	case KIND_SOCKETMAP:
		if ((r = buf_puts(u, "name=")) != PFX_OK ||
		    (r = escape_url(u, e->name, strlen(e->name))) != PFX_OK ||
		    (r = buf_putc(u, '&')) != PFX_OK)
			return (r);
		__attribute__((fallthrough));
	case KIND_TCP:
		if ((r = buf_puts(u, "key=")) != PFX_OK)
			return (r);
		return (escape_url(u, req->key, req->keylen));
	default:
		for (i = 0; i < req->nattrs; i++) {
			if ((i > 0 && (r = buf_putc(u, '&')) != PFX_OK) ||
			    (r = escape_url(u, req->attrs[i].name,
			    strlen(req->attrs[i].name))) != PFX_OK ||
			    (r = buf_putc(u, '=')) != PFX_OK ||
			    (r = escape_url(u, req->attrs[i].value,
			    req->attrs[i].valuelen)) != PFX_OK)
				return (r);
		}
		return (PFX_OK);
	}
}

static int
has_header(const struct conf_entry *e, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < e->ncustom_headers; i++)
		if (strncasecmp(e->custom_headers[i], name, n) == 0 &&
		    e->custom_headers[i][n] == ':')
			return (1);
	return (0);
}

static int
add_header(struct curl_slist **list, const char *h)
{
	struct curl_slist *n;

	if ((n = curl_slist_append(*list, h)) == NULL)
		return (PFX_EINVAL);
	*list = n;
	return (PFX_OK);
}

static int
build_headers(struct lookup *lk, struct render_ctx *rc, const char *bearer,
    struct curl_slist **list)
{
	const struct conf_entry *e = rc->e;
	struct buf *h = &lk->hdr;
	size_t	 i;
	int	 r;

	if (!e->is_get) {
		buf_reset(h);
		if ((r = buf_printf(h, "Content-Type: %s", e->content_type)) !=
		    PFX_OK || (r = add_header(list, h->data)) != PFX_OK)
			return (r);
	}
	if (!has_header(e, "Accept") &&
	    (r = add_header(list, "Accept: application/json")) != PFX_OK)
		return (r);
	if (!has_header(e, "User-Agent") &&
	    (r = add_header(list, lk->user_agent)) != PFX_OK)
		return (r);
	/* curl adds "Expect: 100-continue" for large bodies: a round trip */
	if ((r = add_header(list, "Expect:")) != PFX_OK)
		return (r);
	if (e->auth_token != NULL) {
		buf_reset(h);
		if ((r = buf_printf(h, "X-Auth-Token: %s", e->auth_token)) !=
		    PFX_OK || (r = add_header(list, h->data)) != PFX_OK)
			return (r);
	}
	if (bearer != NULL) {
		buf_reset(h);
		if ((r = buf_printf(h, "Authorization: Bearer %s", bearer)) !=
		    PFX_OK || (r = add_header(list, h->data)) != PFX_OK)
			return (r);
		explicit_bzero(h->data, h->len);
	} else if (e->http_auth_basic != NULL) {
		buf_reset(h);
		if ((r = buf_puts(h, "Authorization: Basic ")) != PFX_OK ||
		    (r = base64_encode(h, e->http_auth_basic,
		    strlen(e->http_auth_basic), 0)) != PFX_OK ||
		    (r = add_header(list, h->data)) != PFX_OK)
			return (r);
		explicit_bzero(h->data, h->len);
	}
	for (i = 0; i < e->ncustom_headers; i++) {
		/* the OIDC token replaces any configured Authorization */
		if (bearer != NULL && strncasecmp(e->custom_headers[i],
		    "Authorization:", 14) == 0)
			continue;
		buf_reset(h);
		if ((r = tmpl_render(e->header_t[i], h, render_value, rc)) !=
		    PFX_OK || (r = add_header(list, h->data)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}

static int
is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * parse_json - the whole body as one JSON value, depth-limited.  Returns
 * 1 for valid JSON (*out is NULL for the JSON value null), else 0.
 */
static int
parse_json(const char *body, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t	 end;
	int	 valid;

	*out = NULL;
	if (len == 0 || len > INT32_MAX ||
	    (tok = json_tokener_new_ex(JSON_MAX_DEPTH)) == NULL)
		return (0);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		/* a bare number like "42" needs the end of input to finish */
		o = json_tokener_parse_ex(tok, "", 1);
		end = len;
	} else
		end = json_tokener_get_parse_end(tok);
	valid = json_tokener_get_error(tok) == json_tokener_success &&
	    end <= len;
	for (; valid && end < len; end++)
		if (!is_space(body[end]))
			valid = 0;
	json_tokener_free(tok);
	if (!valid) {
		json_object_put(o);
		return (0);
	}
	*out = o;
	return (1);
}

static void
set_value(struct pfx_result *res, enum jvalue_status st)
{
	switch (st) {
	case JV_VALUE:
		if (memchr(res->text.data, '\0', res->text.len) != NULL)
			result_set(res, PFX_PERMFAIL, "backend value contains"
			    " a NUL byte");
		else
			res->verdict = PFX_FOUND;
		break;
	case JV_EMPTY:
		result_set(res, PFX_NOTFOUND, NULL);
		break;
	case JV_BADTYPE:
		result_set(res, PFX_PERMFAIL, "backend value is not a string,"
		    " number or list");
		break;
	case JV_TOOBIG:
		result_set(res, PFX_PERMFAIL, "backend value exceeds the reply"
		    " size limit");
		break;
	}
}

void
lookup_map_response(const struct conf_entry *e, long status,
    const char *body, size_t len, struct pfx_result *res)
{
	struct json_object *root = NULL, *v;
	struct buf ev;
	size_t	 b;
	char	 msg[128];
	int	 is_json;

	buf_reset(&res->text);
	if (status != e->status_code) {
		if (status == 404)
			result_set(res, PFX_NOTFOUND, NULL);
		else {
			snprintf(msg, sizeof(msg), "backend answered HTTP %ld",
			    status);
			result_set(res, status >= 400 && status < 500 ?
			    PFX_PERMFAIL : PFX_TEMPFAIL, msg);
		}
		return;
	}
	if (!(is_json = parse_json(body, len, &root)) &&
	    (e->value_jp != NULL || e->error_jp != NULL)) {
		result_set(res, PFX_TEMPFAIL, "unparseable backend response");
		return;
	}
	if (e->error_jp != NULL && e->no_error_value != NULL &&
	    (v = jpath_get(e->error_jp, root)) != NULL) {
		buf_init(&ev, 4096);
		if (jvalue_text(v, &ev) == JV_VALUE &&
		    strcmp(buf_str(&ev), e->no_error_value) != 0) {
			result_set(res, PFX_PERMFAIL, "backend reported an"
			    " error: ");
			proto_sanitize_into(&res->text, ev.data, ev.len, 100);
			buf_free(&ev);
			json_object_put(root);
			return;
		}
		buf_free(&ev);
	}
	if (e->value_jp != NULL)
		set_value(res, jvalue_text(jpath_get(e->value_jp, root),
		    &res->text));
	else if (is_json)
		set_value(res, jvalue_text(root, &res->text));
	else {
		/* a plain-text answer, as postfix-rest-connector's policy */
		while (len > 0 && is_space(body[len - 1]))
			len--;
		for (b = 0; b < len && is_space(body[b]); b++)
			;
		if (len == b)
			result_set(res, PFX_NOTFOUND, NULL);
		else if (buf_append(&res->text, body + b, len - b) != PFX_OK)
			set_value(res, JV_TOOBIG);
		else
			set_value(res, JV_VALUE);
	}
	json_object_put(root);
}

static void
map_failure(const struct http_response *resp, struct pfx_result *res)
{
	switch (resp->failure) {
	case HTTP_FAIL_TIMEOUT:
		result_set(res, PFX_TIMEOUT, "backend timed out");
		break;
	case HTTP_FAIL_TOOBIG:
		result_set(res, PFX_TEMPFAIL, "backend response too large");
		break;
	default:
		result_set(res, PFX_TEMPFAIL, "backend unavailable");
		break;
	}
}

/* policy_check - trim, then refuse anything that is not one clean line */

static void
policy_check(const struct conf_entry *e, struct pfx_result *res)
{
	struct buf *t = &res->text;
	size_t	 b = 0;

	while (t->len > 0 && (t->data[t->len - 1] == ' ' ||
	    t->data[t->len - 1] == '\t'))
		buf_truncate(t, t->len - 1);
	while (b < t->len && (t->data[b] == ' ' || t->data[b] == '\t'))
		b++;
	if (b > 0) {
		memmove(t->data, t->data + b, t->len - b + 1);
		t->len -= b;
	}
	if (!policy_action_ok(t->data, t->len)) {
		log_warnx("policy %s: backend action is not one line of"
		    " printable UTF-8; using default_action", e->name);
		result_set(res, PFX_TEMPFAIL, "invalid action from backend");
	}
}

static void
backend_call(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, const char *bearer, struct pfx_result *res)
{
	struct render_ctx rc = { lk, e, req };
	struct http_request rq;
	struct http_response resp;
	struct curl_slist *hdrs = NULL;
	char	 safe[128];
	int	 r;

	if (lk->user_agent == NULL) {
		lk->http = http_client_new(lk->c);
		buf_reset(&lk->scratch);
		(void)buf_printf(&lk->scratch, "User-Agent: %s",
		    lk->c->http.user_agent != NULL ? lk->c->http.user_agent :
		    "pfxhttp/" PFXHTTP_VERSION);
		lk->user_agent = xstrdup(lk->scratch.data);
	}
	if (lk->http == NULL) {
		result_set(res, PFX_TEMPFAIL, "HTTP client unavailable");
		return;
	}
	lk->last_status = 0;
	buf_reset(&lk->url);
	buf_reset(&lk->body);
	if (e->url_t != NULL)
		r = tmpl_render(e->url_t, &lk->url, render_value, &rc);
	else if ((r = buf_puts(&lk->url, e->target)) == PFX_OK && e->is_get)
		r = rest_query(&lk->url, e, req);
	if (r == PFX_OK && !e->is_get)
		r = tmpl_render(e->payload_t, &lk->body, render_value, &rc);
	if (r == PFX_OK)
		r = build_headers(lk, &rc, bearer, &hdrs);
	if (r != PFX_OK) {
		curl_slist_free_all(hdrs);
		log_warnx("%s %s: request for key \"%s\" too large",
		    conf_kind_section(e->kind), e->name, log_safe(safe,
		    sizeof(safe), req->key != NULL ? req->key : "",
		    req->keylen));
		result_set(res, PFX_PERMFAIL, "request too large");
		return;
	}
	memset(&rq, 0, sizeof(rq));
	rq.post = !e->is_get;
	rq.url = lk->url.data;
	rq.body = lk->body.data;
	rq.bodylen = lk->body.len;
	rq.headers = hdrs;
	rq.timeout_ms = e->timeout_ms;
	rq.gzip_request = e->http_request_compression;
	rq.gzip_response = e->http_response_compression;
	http_response_init(&resp, (size_t)lk->c->http.max_response_size);
	if (http_perform(lk->http, &rq, &resp) != PFX_OK) {
		log_warnx("%s %s: backend request failed: %s",
		    conf_kind_section(e->kind), e->name, resp.error);
		map_failure(&resp, res);
	} else {
		lk->last_status = resp.status;
		lookup_map_response(e, resp.status, buf_str(&resp.body),
		    resp.body.len, res);
		if (res->verdict == PFX_TEMPFAIL ||
		    res->verdict == PFX_PERMFAIL)
			log_warnx("%s %s: %s", conf_kind_section(e->kind),
			    e->name, buf_str(&res->text));
	}
	if (e->kind == KIND_POLICY && res->verdict == PFX_FOUND)
		policy_check(e, res);
	http_response_free(&resp);
	curl_slist_free_all(hdrs);
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
	if (!tok_is(&rp, 0, "OK") || rp.n != 3 || rp.len[1] == 0 ||
	    rp.len[1] > 16384 || (life = tok_num(&rp, 2)) < 0 ||
	    strcspn(rp.f[1], " \t\r\n") < rp.len[1]) {
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

/* cache_key - the lookup key, or for policy the chosen attributes */

static void
cache_key(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req)
{
	unsigned int i;
	size_t	 n;
	const char *v;

	buf_reset(&lk->ckey);
	if (e->kind != KIND_POLICY) {
		(void)buf_append(&lk->ckey, req->key, req->keylen);
		return;
	}
	for (i = 0; i < policy_attr_count; i++) {
		if (!(e->cache_attrs & (1ULL << i)))
			continue;
		v = req_attr(req, policy_attr_names[i], &n);
		(void)buf_printf(&lk->ckey, "%s=", policy_attr_names[i]);
		(void)buf_append(&lk->ckey, v, n);
		(void)buf_putc(&lk->ckey, '\n');
	}
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
	result_set(res, PFX_FOUND, NULL);
	if (buf_append(&res->text, rp.f[3], rp.len[3]) != PFX_OK)
		return (0);
	return (1);
}

static void
cache_put(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_result *res)
{
	struct tok_msg rq;
	char	 verdict[8];

	snprintf(verdict, sizeof(verdict), "%d", (int)res->verdict);
	tok_init(&rq, "CPUT");
	tok_adds(&rq, conf_kind_section(e->kind));
	tok_adds(&rq, e->name);
	tok_add(&rq, lk->ckey.data, lk->ckey.len);
	tok_adds(&rq, verdict);
	tok_add(&rq, res->text.data, res->text.len);
	(void)tokc_call(tokend(lk), &rq, 0, NULL, lk->c->tokend.timeout_ms);
}

/* definitive - answers worth keeping: found, and no "ask again" action */

static int
definitive(const struct conf_entry *e, const struct pfx_result *res)
{
	static const char *const soft[] = { "DUNNO", "DEFER", "4" };
	size_t	 i;

	if (res->verdict != PFX_FOUND)
		return (0);
	if (e->kind != KIND_POLICY)
		return (1);
	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		if (strncasecmp(res->text.data, soft[i], strlen(soft[i])) == 0)
			return (0);
	return (1);
}

void
lookup_run(struct lookup *lk, const struct conf_entry *e,
    const struct pfx_req *req, struct pfx_result *res)
{
	const struct conf_cache *cc = &lk->c->cache;
	const char *bearer = NULL;
	int	 use_cache = cc->enabled && e->cache;

	if (use_cache) {
		cache_key(lk, e, req);
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
	if (definitive(e, res))
		cache_put(lk, e, res);
	else if ((res->verdict == PFX_TEMPFAIL ||
	    res->verdict == PFX_TIMEOUT) && cache_get(lk, e, cc->ttl_ms, "fallback",
	    res))
		log_info("%s %s: backend failed; answered from the cache",
		    conf_kind_section(e->kind), e->name);
}
