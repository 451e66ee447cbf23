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

/* temporary_4xx - timeout, too early, too many requests: ask again */
static int
temporary_4xx(long status)
{
	return (status == 408 || status == 425 || status == 429);
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
			result_set(res, status >= 400 && status < 500 &&
			    !temporary_4xx(status) ? PFX_PERMFAIL :
			    PFX_TEMPFAIL, msg);
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

/* policy_check - trim, then refuse anything that is not one clean line */

void
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

