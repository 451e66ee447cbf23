/*
 * request.c - render one backend request from an entry and a request
 *
 * DESCRIPTION
 *	The entry's compiled templates give the target (URL context), the
 *	payload (JSON, form or text context) and custom headers (header
 *	context).  A GET without variables in the target gets
 *	postfix-rest-connector's query: ?name=..&key=.. (socketmap), ?key=..
 *	(tcp) or every attribute (policy).
 *
 * SECURITY
 *	Buffers that held credentials are wiped in request_clear().
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "err.h"
#include "escape.h"
#include "kind.h"
#include "request.h"
#include "template.h"
#include "xalloc.h"

#define URL_MAX		(64 * 1024)

struct render_ctx {
	struct request	*rq;
	const struct conf_entry *e;
	const struct pfx_req *req;
};

void
request_init(struct request *rq, size_t max_body)
{
	memset(rq, 0, sizeof(*rq));
	buf_init(&rq->url, URL_MAX);
	buf_init(&rq->body, max_body);
	buf_init(&rq->hdr, 16384);
	buf_init(&rq->attrjson, 1024 * 1024);
}

void
request_clear(struct request *rq)
{
	/* headers may hold credentials: clear libcurl's copies too */
	http_slist_free_secret(rq->headers, curl_slist_free_all);
	rq->headers = NULL;
	buf_wipe(&rq->hdr);
	buf_wipe(&rq->body);
	buf_wipe(&rq->attrjson);	/* a login's JSON holds its password */
}

void
request_free(struct request *rq)
{
	request_clear(rq);
	buf_free(&rq->url);
	buf_free(&rq->body);
	buf_free(&rq->hdr);
	buf_free(&rq->attrjson);
}

/*
 * sort_attrs - by name; an insertion sort: some 30 attributes in
 * Postfix's fixed order, where qsort's calls cost more than the sort
 */
static void
sort_attrs(const struct pfx_attr **a, size_t n)
{
	const struct pfx_attr *x;
	size_t	 i, j;
	unsigned char c;

	for (i = 1; i < n; i++) {
		x = a[i];
		c = (unsigned char)x->name[0];
		for (j = i; j > 0 && ((unsigned char)a[j - 1]->name[0] > c ||
		    ((unsigned char)a[j - 1]->name[0] == c &&
		    strcmp(a[j - 1]->name, x->name) > 0)); j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/*
 * policy_json - all attributes as one JSON object, keys sorted (pfxhttp).
 * Values are as Postfix sent them, spaces kept, as everywhere else.
 */

static int
policy_json(struct buf *out, const struct pfx_req *req)
{
	const struct pfx_attr *sorted[PFX_REQ_MAX_ATTRS];
	size_t	 i, n = req->nattrs;
	int	 r = PFX_OK;

	if (n > PFX_REQ_MAX_ATTRS)
		return (PFX_ETOOBIG);	/* the codecs never return more */
	for (i = 0; i < n; i++)
		sorted[i] = &req->attrs[i];
	sort_attrs(sorted, n);
	buf_reset(out);
	r = buf_putc(out, '{');
	for (i = 0; i < n && r == PFX_OK; i++) {
		if ((i > 0 && (r = buf_putc(out, ',')) != PFX_OK) ||
		    (r = buf_putc(out, '"')) != PFX_OK ||
		    (r = escape_json(out, sorted[i]->name,
		    strlen(sorted[i]->name))) != PFX_OK ||
		    (r = buf_puts(out, "\":\"")) != PFX_OK ||
		    (r = escape_json(out, sorted[i]->value,
		    sorted[i]->valuelen)) != PFX_OK)
			break;
		r = buf_putc(out, '"');
	}
	if (r == PFX_OK)
		r = buf_putc(out, '}');
	return (r);
}

static int
render_value(int id, struct tmpl_value *v, void *arg)
{
	struct render_ctx *rc = arg;
	const struct pfx_req *req = rc->req;
	int	 r;

	v->json = 0;
	if (id == VAR_KEY && kinds[rc->e->kind]->key_is_json) {
		if ((r = policy_json(&rc->rq->attrjson, req)) != PFX_OK)
			return (r);
		v->p = rc->rq->attrjson.data;
		v->n = rc->rq->attrjson.len;
		v->json = 1;
	} else if (id == VAR_NAME) {
		v->p = rc->e->name;
		v->n = strlen(rc->e->name);
	} else {
		v->p = pfx_req_get(req, id == VAR_KEY ? "key" :
		    vars_attr(rc->e->kind, id), &v->n);
		if (v->p == NULL)
			v->p = "";
	}
	return (PFX_OK);
}

/* rest_query - postfix-rest-connector's GET parameters */

static int
rest_query(struct buf *u, const struct conf_entry *e,
    const struct pfx_req *req)
{
	int	 r;

	if ((r = buf_putc(u, strchr(e->target, '?') != NULL ? '&' : '?')) !=
	    PFX_OK)
		return (r);
	return (kinds[e->kind]->query(u, e, req));
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
build_headers(struct request *rq, struct render_ctx *rc,
    const char *user_agent, const char *bearer, struct curl_slist **list)
{
	const struct conf_entry *e = rc->e;
	struct buf *h = &rq->hdr;
	size_t	 i;
	int	 r;

	if (!e->is_get) {
		buf_reset(h);
		if ((r = buf_printf(h, "Content-Type: %s", e->content_type)) !=
		    PFX_OK || (r = http_header_add(list, h->data)) != PFX_OK)
			return (r);
	}
	if (!has_header(e, "Accept") &&
	    (r = http_header_add(list, "Accept: application/json")) != PFX_OK)
		return (r);
	if (!has_header(e, "User-Agent") &&
	    (r = http_header_add(list, user_agent)) != PFX_OK)
		return (r);
	/* curl adds "Expect: 100-continue" for large bodies: a round trip */
	if ((r = http_header_add(list, "Expect:")) != PFX_OK)
		return (r);
	if (e->auth_token != NULL) {
		buf_reset(h);
		if ((r = buf_printf(h, "X-Auth-Token: %s", e->auth_token)) !=
		    PFX_OK || (r = http_header_add(list, h->data)) != PFX_OK)
			return (r);
	}
	if (bearer != NULL) {
		buf_reset(h);
		if ((r = buf_printf(h, "Authorization: Bearer %s", bearer)) !=
		    PFX_OK || (r = http_header_add(list, h->data)) != PFX_OK)
			return (r);
		explicit_bzero(h->data, h->len);
	} else if (e->http_auth_basic != NULL) {
		buf_reset(h);
		if ((r = buf_puts(h, "Authorization: Basic ")) != PFX_OK ||
		    (r = base64_encode(h, e->http_auth_basic,
		    strlen(e->http_auth_basic), 0)) != PFX_OK ||
		    (r = http_header_add(list, h->data)) != PFX_OK)
			return (r);
		explicit_bzero(h->data, h->len);
	}
	/* the lookup's id, for the backend's logs (rid.h checked it); a
	 * custom header of that name is the admin's choice */
	if (e->request_id_header != NULL && rc->req->rid != NULL &&
	    !has_header(e, e->request_id_header)) {
		buf_reset(h);
		if ((r = buf_puts(h, e->request_id_header)) != PFX_OK ||
		    (r = buf_puts(h, ": ")) != PFX_OK ||
		    (r = buf_puts(h, rc->req->rid)) != PFX_OK ||
		    (r = http_header_add(list, h->data)) != PFX_OK)
			return (r);
	}
	for (i = 0; i < e->ncustom_headers; i++) {
		/* the OIDC token replaces any configured Authorization */
		if (bearer != NULL && strncasecmp(e->custom_headers[i],
		    "Authorization:", 14) == 0)
			continue;
		buf_reset(h);
		if ((r = tmpl_render(e->header_t[i], h, render_value, rc)) !=
		    PFX_OK || (r = http_header_add(list, h->data)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}


int
request_build(struct request *rq, const struct conf_entry *e,
    const struct pfx_req *req, const char *user_agent, const char *bearer)
{
	struct render_ctx rc = { rq, e, req };
	int	 r;

	request_clear(rq);
	buf_reset(&rq->url);
	buf_reset(&rq->body);
	if (e->url_t != NULL)
		r = tmpl_render(e->url_t, &rq->url, render_value, &rc);
	else if ((r = buf_puts(&rq->url, e->target)) == PFX_OK && e->is_get)
		r = rest_query(&rq->url, e, req);
	if (r == PFX_OK && !e->is_get)
		r = tmpl_render(e->payload_t, &rq->body, render_value, &rc);
	if (r == PFX_OK)
		r = build_headers(rq, &rc, user_agent, bearer, &rq->headers);
	if (r != PFX_OK)
		request_clear(rq);
	return (r);
}

int
request_payload(struct request *rq, const struct conf_entry *e,
    const struct pfx_req *req)
{
	struct render_ctx rc = { rq, e, req };

	request_clear(rq);
	buf_reset(&rq->body);
	return (tmpl_render(e->payload_t, &rq->body, render_value, &rc));
}

void
request_http(const struct request *rq, const struct conf_entry *e,
    long long timeout_ms, struct http_request *hr)
{
	memset(hr, 0, sizeof(*hr));
	hr->post = !e->is_get;
	hr->url = rq->url.data;
	hr->body = rq->body.data;
	hr->bodylen = rq->body.len;
	hr->headers = rq->headers;
	hr->timeout_ms = timeout_ms;
	hr->gzip_request = e->http_request_compression;
	hr->gzip_response = e->http_response_compression;
	hr->keep_headers = kinds[e->kind]->response_headers;
}

char *
request_user_agent(const struct conf *c)
{
	struct buf b;
	char	*ua;

	buf_init(&b, 4096);
	(void)buf_printf(&b, "User-Agent: %s", c->http.user_agent != NULL ?
	    c->http.user_agent : "pfxhttp/" PFXHTTP_VERSION);
	ua = xstrdup(buf_str(&b));
	buf_free(&b);
	return (ua);
}
