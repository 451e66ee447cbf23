/*
 * mapping.c - an HTTP answer to a verdict (pure: no I/O but the log)
 *
 * DESCRIPTION
 *	status_code with a usable value is FOUND; 404 is NOTFOUND; 408,
 *	425, 429, 5xx, transport errors and unparseable bodies are TEMPFAIL
 *	(a timeout is TIMEOUT); other 4xx are PERMFAIL.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "jvalue.h"
#include "kind.h"
#include "jsonscan.h"
#include "log.h"
#include "mapping.h"
#include "trace.h"
#include "proto.h"


static int
is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/* skip_bom - a leading UTF-8 byte order mark is not part of the text */
static size_t
skip_bom(const char *body, size_t len)
{
	return (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0 ? 3 : 0);
}

/*
 * parse_json - the whole body as one strict JSON value, depth-limited.
 * Returns 1 for valid JSON (*out is NULL for the JSON value null), else 0.
 */
int
map_parse_json(const char *body, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	struct buf copy;
	size_t	 bom;
	int	 valid, big;

	*out = NULL;
	bom = skip_bom(body, len);
	body += bom;
	len -= bom;
	if (len > INT32_MAX / 2 || !json_strict(body, len, &big, NULL))
		return (0);
	buf_init(&copy, BUF_UNLIMITED);
	if (big) {
		/* json-c clamps long integers: "e0" makes them exact doubles */
		if (!json_strict(body, len, &big, &copy)) {
			buf_free(&copy);
			return (0);
		}
		body = copy.data;
		len = copy.len;
	}
	if ((tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1)) == NULL) {
		buf_free(&copy);
		return (0);
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue)
		/* a bare number like "42" needs the end of input to finish */
		o = json_tokener_parse_ex(tok, "", 1);
	valid = json_tokener_get_error(tok) == json_tokener_success;
	json_tokener_free(tok);
	buf_free(&copy);
	if (!valid) {
		json_object_put(o);
		return (0);
	}
	*out = o;
	return (1);
}

/* temporary_4xx - timeout, too early, too many requests: ask again */
static int
temporary_4xx(long status)
{
	return (status == 408 || status == 425 || status == 429);
}

/*
 * value_check - one rule for every kind: white space around the value
 * goes, nothing left is not found, and the rest must be one line of
 * printable UTF-8 (tabs allowed; no other control bytes, NUL included),
 * else it is refused as a temporary error
 */
static void
value_check(struct trace *tr, struct pfx_result *res)
{
	struct buf *t = &res->value;
	size_t	 b = 0;

	while (t->len > 0 && is_space(t->data[t->len - 1]))
		buf_truncate(t, t->len - 1);
	while (b < t->len && is_space(t->data[b]))
		b++;
	if (b > 0) {
		memmove(t->data, t->data + b, t->len - b + 1);
		t->len -= b;
	}
	if (t->len == 0) {
		trace_strz(tr, "value_check", "empty once white space is"
		    " trimmed: not found");
		result_set(res, PFX_NOTFOUND, NULL);
	} else if (!policy_action_ok(t->data, t->len)) {
		trace_strz(tr, "value_check", "not one line of printable"
		    " UTF-8: temporary error");
		result_set(res, PFX_TEMPFAIL, "invalid value from backend");
	} else {
		trace_strz(tr, "value_check", "one line of printable UTF-8:"
		    " found");
		res->verdict = PFX_FOUND;
	}
}

static void
set_value(struct trace *tr, struct pfx_result *res, enum jvalue_status st)
{
	switch (st) {
	case JV_VALUE:
		value_check(tr, res);
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
	case JV_BADNUM:
		result_set(res, PFX_PERMFAIL, "backend value is not a finite"
		    " number");
		break;
	}
}

/*
 * backend_error - does the error_field value v report an error?  With
 * no_error_value, anything else is one; without, any value but null,
 * false, "", [] and {}.  *ev gets the value's text for the reason.
 */
static int
backend_error(const struct conf_entry *e, struct json_object *v,
    struct buf *ev)
{
	const char *json;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return (0);
	case json_type_boolean:
		if (e->no_error_value == NULL && !json_object_get_boolean(v))
			return (0);
		break;
	case json_type_object:
		if (json_object_object_length(v) == 0)
			return (0);
		json = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN);
		(void)buf_puts(ev, json != NULL ? json : "");
		return (1);
	default:
		break;
	}
	switch (jvalue_text(v, ev)) {
	case JV_EMPTY:
		return (0);
	case JV_VALUE:
		return (e->no_error_value == NULL ||
		    strcmp(buf_str(ev), e->no_error_value) != 0);
	default:
		buf_reset(ev);
		json = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN);
		(void)buf_puts(ev, json != NULL ? json : "");
		return (1);
	}
}

/* json_declared - Content-Type application/json or any type/x+json */
static int
json_declared(const char *ctype)
{
	size_t	 n;

	if (ctype == NULL)
		return (0);
	n = strcspn(ctype, "; \t");
	return ((n == 16 && strncasecmp(ctype, "application/json", 16) ==
	    0) || (n > 5 && strncasecmp(ctype + n - 5, "+json", 5) == 0));
}

/* json_looking - does the text start like a JSON object, array or string? */
static int
json_looking(const char *body, size_t len)
{
	size_t	 b = skip_bom(body, len);

	while (b < len && is_space(body[b]))
		b++;
	return (b < len && (body[b] == '{' || body[b] == '[' ||
	    body[b] == '"'));
}

void
lookup_map_response(const struct conf_entry *e, long status,
    const char *body, size_t len, struct pfx_result *res)
{
	lookup_map_body(e, status, NULL, body, len, res);
}

/* trace_value - what a field path found, for explain */
static void
trace_value(struct trace *tr, const char *what, struct json_object *v)
{
	if (tr == NULL)
		return;
	if (v == NULL) {
		trace_fmt(tr, what, "absent");
		return;
	}
	switch (json_object_get_type(v)) {
	case json_type_array:
		trace_fmt(tr, what, "an array of %zu: its scalars joined with \",\"",
		    json_object_array_length(v));
		break;
	case json_type_object:
		trace_fmt(tr, what, "an object");
		break;
	default:
		trace_fmt(tr, what, "a %s", json_type_to_name(
		    json_object_get_type(v)));
		break;
	}
}

static void
map_body(const struct conf_entry *e, long status, const char *ctype,
    const char *body, size_t len, struct trace *tr, struct pfx_result *res)
{
	struct json_object *root = NULL, *v;
	struct buf ev;
	char	 msg[128];
	int	 is_json;

	buf_reset(&res->value);
	buf_reset(&res->reason);
	trace_step(tr, "mapping");
	if (status != e->status_code) {
		if (kinds[e->kind]->map_status != NULL &&
		    kinds[e->kind]->map_status(e, status, res))
			trace_fmt(tr, "status", "%ld is not status_code %lld:"
			    " the %s rule for it", status, e->status_code,
			    kinds[e->kind]->word);
		else if (status == 404) {
			trace_fmt(tr, "status", "404: not found");
			result_set(res, PFX_NOTFOUND, NULL);
		} else {
			snprintf(msg, sizeof(msg), "backend answered HTTP %ld",
			    status);
			result_set(res, status >= 400 && status < 500 &&
			    !temporary_4xx(status) ? PFX_PERMFAIL :
			    PFX_TEMPFAIL, msg);
			trace_fmt(tr, "status", "%ld is not status_code %lld:"
			    " %s", status, e->status_code, res->verdict ==
			    PFX_PERMFAIL ? "a permanent error (4xx)" :
			    "a temporary error (5xx, 408, 425, 429, other)");
		}
		return;
	}
	trace_fmt(tr, "status", "%ld is status_code: the body is read",
	    status);
	if (!(is_json = map_parse_json(body, len, &root)) &&
	    (e->value_jp != NULL || e->error_jp != NULL ||
	    json_declared(ctype) || json_looking(body, len))) {
		trace_strz(tr, "body", "not valid JSON, and JSON is expected:"
		    " temporary error");
		result_set(res, PFX_TEMPFAIL, "unparseable backend response");
		return;
	}
	trace_strz(tr, "body", is_json ? "JSON" : "plain text");
	if (e->error_jp != NULL) {
		v = jpath_get(e->error_jp, root);
		trace_strz(tr, "error_field", e->error_field);
		trace_value(tr, "error_field_found", v);
	} else
		v = NULL;
	if (v != NULL) {
		buf_init(&ev, 4096);
		if (backend_error(e, v, &ev)) {
			result_set(res, e->error_is_permanent ? PFX_PERMFAIL :
			    PFX_TEMPFAIL, "backend reported an error: ");
			proto_sanitize_into(&res->reason, ev.data, ev.len,
			    100);
			trace_fmt(tr, "error_decision", "an error: %s error",
			    e->error_is_permanent ? "permanent" : "temporary");
			buf_free(&ev);
			json_object_put(root);
			return;
		}
		trace_strz(tr, "error_decision", e->no_error_value != NULL ?
		    "no error (the no_error_value)" : "no error (null, false,"
		    " empty)");
		buf_free(&ev);
	}
	if (e->value_jp != NULL) {
		v = jpath_get(e->value_jp, root);
		trace_strz(tr, "value_field", e->value_field);
		trace_value(tr, "value_field_found", v);
		set_value(tr, res, jvalue_text(v, &res->value));
	} else if (is_json) {
		trace_strz(tr, "value_field", "(none: the whole document)");
		trace_value(tr, "value_field_found", root);
		set_value(tr, res, jvalue_text(root, &res->value));
	} else {
		/* a plain-text answer, as postfix-rest-connector's policy */
		trace_strz(tr, "value_field", "(none: the whole body)");
		if (buf_append(&res->value, body, len) != PFX_OK)
			set_value(tr, res, JV_TOOBIG);
		else
			set_value(tr, res, JV_VALUE);
	}
	json_object_put(root);
}

void
lookup_map_body(const struct conf_entry *e, long status, const char *ctype,
    const char *body, size_t len, struct pfx_result *res)
{
	map_body(e, status, ctype, body, len, NULL, res);
}

void
lookup_map_plain(const struct conf_entry *e, const char *body, size_t len,
    struct pfx_result *res)
{
	struct json_object *root = NULL;

	(void)e;
	buf_reset(&res->value);
	buf_reset(&res->reason);
	if (map_parse_json(body, len, &root)) {
		set_value(NULL, res, jvalue_text(root, &res->value));
		json_object_put(root);
	} else if (json_looking(body, len))
		result_set(res, PFX_TEMPFAIL, "unparseable backend response");
	else if (buf_append(&res->value, body, len) != PFX_OK)
		set_value(NULL, res, JV_TOOBIG);
	else
		set_value(NULL, res, JV_VALUE);
}

void
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

/* map_headers - a kind that reads the status and headers only */

static void
map_headers(const struct conf_entry *e, const struct http_response *resp,
    struct pfx_result *res)
{
	const char *hdr[KIND_MAX_RESPONSE_HEADERS + 1];
	size_t	 i;

	memset(hdr, 0, sizeof(hdr));
	for (i = 0; i < KIND_MAX_RESPONSE_HEADERS && i < HTTP_KEPT_MAX; i++)
		hdr[i] = http_kept(resp, i);
	kinds[e->kind]->map_answer(e, resp->status, hdr, res);
}

void
map_exchange(const struct conf_entry *e, const struct http_response *resp,
    int answered, struct trace *tr, struct pfx_result *res)
{
	/* the lookup's one log line (lookup_log.c) says how it went */
	if (!answered) {
		map_failure(resp, res);
		trace_step(tr, "mapping");
		trace_fmt(tr, "failure", "no answer (%s): %s", resp->error,
		    verdict_word(res->verdict));
		return;
	}
	if (kinds[e->kind]->map_answer != NULL) {
		trace_step(tr, "mapping");
		trace_fmt(tr, "rule", "the %s rule: status and response"
		    " headers", kinds[e->kind]->word);
		map_headers(e, resp, res);
	} else
		map_body(e, resp->status, resp->content_type,
		    buf_str(&resp->body), resp->body.len, tr, res);
	trace_strz(tr, "verdict", verdict_word(res->verdict));
}
