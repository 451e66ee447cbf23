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
#include "jpath.h"
#include "log.h"
#include "mapping.h"
#include "proto.h"

#define JSON_MAX_DEPTH	64

static int
is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

/*
 * A strict RFC 8259 syntax check runs before json-c, which accepts
 * single quotes, NaN and Infinity even in strict mode and clamps
 * integers to 64 bits.  The check also finds integer literals beyond 64
 * bits; parse_json() hands those to json-c with "e0" appended, so that
 * they become doubles that keep their text and print exactly.
 */
struct jscan {
	const char	*p;
	size_t		 n, i;
	struct buf	*copy;		/* NULL: check only */
	size_t		 copied;	/* p[0..copied) is in copy */
	int		 big;		/* integers beyond 64 bits seen */
};

static int	 scan_value(struct jscan *, int);

static void
scan_ws(struct jscan *js)
{
	while (js->i < js->n && is_space(js->p[js->i]))
		js->i++;
}

static int
scan_digits(struct jscan *js)
{
	size_t	 b = js->i;

	while (js->i < js->n && js->p[js->i] >= '0' && js->p[js->i] <= '9')
		js->i++;
	return (js->i > b);
}

/* beyond64 - does the integer literal p[0..n) overflow int64/uint64? */
static int
beyond64(const char *p, size_t n)
{
	const char *lim = "18446744073709551615";

	if (*p == '-') {
		p++;
		n--;
		lim = "9223372036854775808";
	}
	return (n > strlen(lim) || (n == strlen(lim) &&
	    memcmp(p, lim, n) > 0));
}

static int
scan_number(struct jscan *js)
{
	size_t	 b = js->i;
	int	 integer = 1;

	if (js->p[js->i] == '-')
		js->i++;
	if (js->i < js->n && js->p[js->i] == '0')
		js->i++;
	else if (!scan_digits(js))
		return (0);
	if (js->i < js->n && js->p[js->i] == '.') {
		js->i++;
		integer = 0;
		if (!scan_digits(js))
			return (0);
	}
	if (js->i < js->n && (js->p[js->i] == 'e' || js->p[js->i] == 'E')) {
		js->i++;
		integer = 0;
		if (js->i < js->n && (js->p[js->i] == '+' ||
		    js->p[js->i] == '-'))
			js->i++;
		if (!scan_digits(js))
			return (0);
	}
	if (integer && beyond64(js->p + b, js->i - b)) {
		js->big = 1;
		if (js->copy != NULL && (buf_append(js->copy, js->p +
		    js->copied, js->i - js->copied) != PFX_OK ||
		    buf_puts(js->copy, "e0") != PFX_OK))
			return (0);
		js->copied = js->i;
	}
	return (1);
}

static int
scan_string(struct jscan *js)
{
	unsigned char c;
	int	 k;

	for (js->i++; js->i < js->n; js->i++) {
		c = (unsigned char)js->p[js->i];
		if (c == '"') {
			js->i++;
			return (1);
		}
		if (c < 0x20)
			return (0);
		if (c != '\\')
			continue;
		if (++js->i == js->n)
			return (0);
		c = (unsigned char)js->p[js->i];
		if (c == 'u') {
			for (k = 0; k < 4; k++)
				if (++js->i == js->n ||
				    strchr("0123456789abcdefABCDEF",
				    js->p[js->i]) == NULL || js->p[js->i] == 0)
					return (0);
		} else if (c == 0 || strchr("\"\\/bfnrt", c) == NULL)
			return (0);
	}
	return (0);
}

static int
scan_word(struct jscan *js, const char *w)
{
	size_t	 n = strlen(w);

	if (js->n - js->i < n || memcmp(js->p + js->i, w, n) != 0)
		return (0);
	js->i += n;
	return (1);
}

/* scan_list - the members of an object or array; js->i is past the { or [ */
static int
scan_list(struct jscan *js, int depth, char close)
{
	scan_ws(js);
	if (js->i < js->n && js->p[js->i] == close) {
		js->i++;
		return (1);
	}
	for (;;) {
		if (close == '}') {
			scan_ws(js);
			if (js->i == js->n || js->p[js->i] != '"' ||
			    !scan_string(js))
				return (0);
			scan_ws(js);
			if (js->i == js->n || js->p[js->i++] != ':')
				return (0);
		}
		if (!scan_value(js, depth + 1))
			return (0);
		scan_ws(js);
		if (js->i == js->n)
			return (0);
		if (js->p[js->i] == close) {
			js->i++;
			return (1);
		}
		if (js->p[js->i++] != ',')
			return (0);
	}
}

static int
scan_value(struct jscan *js, int depth)
{
	scan_ws(js);
	if (js->i == js->n)
		return (0);
	switch (js->p[js->i]) {
	case '{':
	case '[':
		if (depth >= JSON_MAX_DEPTH)
			return (0);
		js->i++;
		return (scan_list(js, depth, js->p[js->i - 1] == '{' ? '}' :
		    ']'));
	case '"':
		return (scan_string(js));
	case 't':
		return (scan_word(js, "true"));
	case 'f':
		return (scan_word(js, "false"));
	case 'n':
		return (scan_word(js, "null"));
	default:
		return (js->p[js->i] == '-' || (js->p[js->i] >= '0' &&
		    js->p[js->i] <= '9') ? scan_number(js) : 0);
	}
}

/* json_valid - one strict JSON text, nothing but white space after it */
static int
json_valid(struct jscan *js)
{
	if (!scan_value(js, 0))
		return (0);
	scan_ws(js);
	return (js->i == js->n);
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
static int
parse_json(const char *body, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	struct jscan js;
	struct buf copy;
	size_t	 bom;
	int	 valid;

	*out = NULL;
	bom = skip_bom(body, len);
	body += bom;
	len -= bom;
	memset(&js, 0, sizeof(js));
	js.p = body;
	js.n = len;
	if (len > INT32_MAX / 2 || !json_valid(&js))
		return (0);
	buf_init(&copy, BUF_UNLIMITED);
	if (js.big) {
		/* again, copying with "e0" after the long integers */
		js.i = js.copied = 0;
		js.copy = &copy;
		if (!json_valid(&js) || buf_append(&copy, body + js.copied,
		    len - js.copied) != PFX_OK) {
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
value_check(const struct conf_entry *e, struct pfx_result *res)
{
	struct buf *t = &res->text;
	size_t	 b = 0;

	while (t->len > 0 && is_space(t->data[t->len - 1]))
		buf_truncate(t, t->len - 1);
	while (b < t->len && is_space(t->data[b]))
		b++;
	if (b > 0) {
		memmove(t->data, t->data + b, t->len - b + 1);
		t->len -= b;
	}
	if (t->len == 0)
		result_set(res, PFX_NOTFOUND, NULL);
	else if (!policy_action_ok(t->data, t->len)) {
		log_warnx("%s %s: backend value is not one line of printable"
		    " UTF-8", conf_kind_section(e->kind), e->name);
		result_set(res, PFX_TEMPFAIL, "invalid value from backend");
	} else
		res->verdict = PFX_FOUND;
}

static void
set_value(const struct conf_entry *e, struct pfx_result *res,
    enum jvalue_status st)
{
	switch (st) {
	case JV_VALUE:
		value_check(e, res);
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

void
lookup_map_body(const struct conf_entry *e, long status, const char *ctype,
    const char *body, size_t len, struct pfx_result *res)
{
	struct json_object *root = NULL, *v;
	struct buf ev;
	char	 msg[128];
	int	 is_json;

	buf_reset(&res->text);
	if (status != e->status_code) {
		if (status == 404 && e->kind == KIND_POLICY &&
		    e->not_found_action != NULL)
			result_set(res, PFX_FOUND, e->not_found_action);
		else if (status == 404 && e->kind == KIND_POLICY)
			/* most likely a wrong target: not a silent DUNNO */
			result_set(res, PFX_PERMFAIL, "backend answered HTTP"
			    " 404; a wrong target? (see not_found_action)");
		else if (status == 404)
			result_set(res, PFX_NOTFOUND, NULL);
		else {
			snprintf(msg, sizeof(msg), "backend answered HTTP %ld",
			    status);
			result_set(res, status >= 400 && status < 500 &&
			    !temporary_4xx(status) ? PFX_PERMFAIL :
			    PFX_TEMPFAIL, msg);
		}
		return;
	}
	if (!(is_json = parse_json(body, len, &root)) &&
	    (e->value_jp != NULL || e->error_jp != NULL ||
	    json_declared(ctype) || json_looking(body, len))) {
		result_set(res, PFX_TEMPFAIL, "unparseable backend response");
		return;
	}
	if (e->error_jp != NULL &&
	    (v = jpath_get(e->error_jp, root)) != NULL) {
		buf_init(&ev, 4096);
		if (backend_error(e, v, &ev)) {
			result_set(res, e->error_is_permanent ? PFX_PERMFAIL :
			    PFX_TEMPFAIL, "backend reported an error: ");
			proto_sanitize_into(&res->text, ev.data, ev.len, 100);
			buf_free(&ev);
			json_object_put(root);
			return;
		}
		buf_free(&ev);
	}
	if (e->value_jp != NULL)
		set_value(e, res, jvalue_text(jpath_get(e->value_jp, root),
		    &res->text));
	else if (is_json)
		set_value(e, res, jvalue_text(root, &res->text));
	else {
		/* a plain-text answer, as postfix-rest-connector's policy */
		if (buf_append(&res->text, body, len) != PFX_OK)
			set_value(e, res, JV_TOOBIG);
		else
			set_value(e, res, JV_VALUE);
	}
	json_object_put(root);
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

void
map_exchange(const struct conf_entry *e, const struct http_response *resp,
    int answered, struct pfx_result *res)
{
	if (!answered) {
		log_warnx("%s %s: backend request failed: %s",
		    conf_kind_section(e->kind), e->name, resp->error);
		map_failure(resp, res);
		return;
	}
	lookup_map_body(e, resp->status, resp->content_type,
	    buf_str(&resp->body), resp->body.len, res);
	if (res->verdict == PFX_TEMPFAIL || res->verdict == PFX_PERMFAIL)
		log_warnx("%s %s: %s", conf_kind_section(e->kind), e->name,
		    buf_str(&res->text));
}
