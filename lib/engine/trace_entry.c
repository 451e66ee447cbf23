/*
 * trace_entry.c - an explained lookup's first steps: the entry with
 * its settings resolved (defaults merged, compiled), and the request
 * as the engine got it
 *
 * SECURITY
 *	Credentials are named, never shown: auth_token, http_auth_basic
 *	and the OIDC client secret read "<set>"; a custom header whose
 *	name speaks of a credential is redacted like a request's.
 */
#include <curl/curl.h>
#include <string.h>

#include "kind.h"
#include "trace.h"
#include "trace_entry.h"

static const char *
yes(int v)
{
	return (v ? "yes" : "no");
}

static void
settings(struct trace *t, const struct conf *c, const struct conf_entry *e)
{
	const struct conf_oidc *o = &e->backend_oidc_auth;
	struct curl_slist one;
	size_t	 i;

	trace_strz(t, "section", conf_kind_section(e->kind));
	trace_strz(t, "name", e->name);
	trace_fmt(t, "defined", "%s:%d", e->file != NULL ? e->file : "?",
	    e->line);
	trace_url(t, "target", e->target);
	trace_strz(t, "method", e->is_get ? "GET" : "POST");
	if (!e->is_get) {
		trace_strz(t, "content_type", e->content_type);
		trace_strz(t, "payload", e->payload);
	}
	/* custom headers, templates as written, credentials hidden */
	for (i = 0; i < e->ncustom_headers; i++) {
		memset(&one, 0, sizeof(one));
		one.data = e->custom_headers[i];
		trace_headers(t, &one);
	}
	trace_num(t, "status_code", e->status_code);
	trace_strz(t, "value_field", e->value_field != NULL ?
	    e->value_field : "(none: the whole body)");
	trace_strz(t, "error_field", e->error_field != NULL ?
	    e->error_field : "(none)");
	if (e->no_error_value != NULL)
		trace_strz(t, "no_error_value", e->no_error_value);
	if (e->error_field != NULL)
		trace_strz(t, "error_is_permanent", yes(e->error_is_permanent));
	trace_num(t, "timeout_ms", e->timeout_ms);
	trace_num(t, "slow_request_ms", e->slow_request_ms);
	trace_strz(t, "request_id_header", e->request_id_header != NULL ?
	    e->request_id_header : "(none)");
	if (e->default_action != NULL)
		trace_strz(t, "default_action", e->default_action);
	if (e->not_found_action != NULL)
		trace_strz(t, "not_found_action", e->not_found_action);
	trace_strz(t, "auth", o->enabled ? "backend_oidc_auth" :
	    e->http_auth_basic != NULL ? "http_auth_basic <set>" :
	    e->auth_token != NULL ? "auth_token <set>" : "none");
	if (o->enabled) {
		trace_strz(t, "oidc_configuration_uri", o->configuration_uri);
		trace_strz(t, "oidc_client_id", o->client_id);
		trace_strz(t, "oidc_auth_method", o->auth_method != NULL ?
		    o->auth_method : "auto");
		for (i = 0; i < o->nscopes; i++)
			trace_item(t, "oidc_scopes", o->scopes[i],
			    strlen(o->scopes[i]));
	}
	trace_strz(t, "compression", e->http_request_compression ?
	    (e->http_response_compression ? "request, response" :
	    "request") : e->http_response_compression ? "response" : "none");
	trace_strz(t, "cache", !c->cache.enabled ? "off (response_cache"
	    " not enabled)" : !e->cache ? "off (cache = false)" : "on");
	if (c->cache.enabled && e->cache) {
		trace_num(t, "cache_ttl_ms", c->cache.ttl_ms);
		trace_strz(t, "cache_serve_fresh", yes(c->cache.serve_fresh));
		if (c->cache.serve_fresh)
			trace_num(t, "cache_fresh_ttl_ms",
			    c->cache.fresh_ttl_ms);
		trace_num(t, "cache_negative_ttl_ms",
		    c->cache.negative_ttl_ms);
	}
}

void
trace_entry(struct trace *t, const char *via, const struct conf *c,
    const struct conf_entry *e, const struct pfx_req *req)
{
	size_t	 i;

	if (t == NULL)
		return;
	trace_top(t);
	trace_strz(t, "via", via);
	trace_strz(t, "kind", kinds[e->kind]->word);
	trace_strz(t, "section", conf_kind_section(e->kind));
	trace_strz(t, "entry", e->name);
	trace_strz(t, "rid", req->rid);
	trace_step(t, "entry");
	settings(t, c, e);
	trace_step(t, "input");
	trace_strz(t, "rid", req->rid != NULL ? req->rid : "(none)");
	for (i = 0; i < req->nattrs; i++) {
		if (req->flags & PFX_REQ_SECRET) {
			trace_item(t, "attributes", req->attrs[i].name,
			    strlen(req->attrs[i].name));
			continue;
		}
		struct buf b;

		buf_init(&b, TRACE_MAX_VALUE);
		(void)buf_printf(&b, "%s=", req->attrs[i].name);
		(void)buf_append(&b, req->attrs[i].value,
		    req->attrs[i].valuelen);
		trace_item(t, "attributes", b.data, b.len);
		buf_free(&b);
	}
}

void
trace_request(struct trace *t, const struct http_request *hr,
    const struct pfx_req *req)
{
	if (t == NULL)
		return;
	trace_step(t, "request");
	trace_strz(t, "method", hr->post ? "POST" : "GET");
	trace_url(t, "url", hr->url);
	trace_headers(t, hr->headers);
	if (hr->post && (req->flags & PFX_REQ_SECRET))
		trace_strz(t, "body", "<not shown: the request holds a"
		    " secret>");
	else if (hr->post)
		trace_cut(t, "body", hr->body, hr->bodylen, TRACE_BODY_MAX);
	trace_num(t, "time_left_ms", hr->timeout_ms);
}

void
trace_response(struct trace *t, const struct http_response *resp,
    int answered)
{
	size_t	 i;

	if (t == NULL)
		return;
	trace_step(t, "response");
	if (!answered) {
		trace_strz(t, "failure", http_failure_word(resp->failure));
		trace_strz(t, "error", resp->error);
		return;
	}
	trace_num(t, "status", resp->status);
	if (resp->content_type[0] != '\0')
		trace_strz(t, "content_type", resp->content_type);
	if (resp->content_encoding[0] != '\0')
		trace_strz(t, "content_encoding", resp->content_encoding);
	for (i = 0; resp->keep_names != NULL && i < HTTP_KEPT_MAX &&
	    resp->keep_names[i] != NULL; i++)
		if (http_kept(resp, i) != NULL)
			trace_fmt(t, resp->keep_names[i], "%s",
			    http_kept(resp, i));
	trace_cut(t, "body", resp->body.data, resp->body.len, TRACE_BODY_MAX);
}

void
trace_result(struct trace *t, const struct pfx_result *res)
{
	if (t == NULL)
		return;
	trace_top(t);
	trace_strz(t, "verdict", verdict_word(res->verdict));
	trace_str(t, "value", res->value.data, res->value.len);
	trace_str(t, "reason", res->reason.data, res->reason.len);
	trace_real(t, "total_ms", trace_ms(t));
}
