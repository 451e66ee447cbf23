/*
 * filter_answer.c - an HTTP verdict's JSON to accept, refuse or fail
 *
 * DESCRIPTION
 *	status_code with a JSON object: value_field (default "action") is
 *	"accept", "reject" or "tempfail"; reply_field ("reply") is the SMTP
 *	reply for the two refusals; message_field ("message"), a string,
 *	replaces the message on accept.  Anything else (another status, no
 *	JSON, no or an unknown action, a transport failure) is a failure
 *	of the verdict, which on_failure decides; never an accept.
 *
 * SECURITY
 *	A reply must be one line of printable ASCII with a code that means
 *	what the action says (5xx reject, 4xx tempfail); anything else gets
 *	a fixed reply of that class, so a backend cannot answer 250 for a
 *	message it refused.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "filter_answer.h"
#include "jvalue.h"
#include "log.h"
#include "mapping.h"

#define REPLY_MAX	512

/* reply_ok - "Ddd text" of the class wanted, printable ASCII, one line */
static int
reply_ok(const struct buf *r, char cls)
{
	size_t	 i;

	if (r->len < 3 || r->len > REPLY_MAX || r->data[0] != cls ||
	    r->data[1] < '0' || r->data[1] > '9' || r->data[2] < '0' ||
	    r->data[2] > '9' || (r->len > 3 && r->data[3] != ' '))
		return (0);
	for (i = 0; i < r->len; i++)
		if ((unsigned char)r->data[i] < 0x20 ||
		    (unsigned char)r->data[i] > 0x7e)
			return (0);
	return (1);
}

static int
field_text(const char *path, struct json_object *doc, struct buf *out)
{
	const char *jerr;
	struct jpath *jp;
	struct json_object *v;
	int	 r = 0;

	buf_reset(out);
	if ((jp = jpath_compile(path, &jerr)) == NULL)
		return (0);
	if ((v = jpath_get(jp, doc)) != NULL &&
	    json_object_is_type(v, json_type_string)) {
		r = buf_append(out, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v)) == PFX_OK;
	}
	jpath_free(jp);
	return (r);
}

static int
field_present(const char *path, struct json_object *doc)
{
	const char *jerr;
	struct jpath *jp;
	int	 r;

	if ((jp = jpath_compile(path, &jerr)) == NULL)
		return (0);
	r = jpath_get(jp, doc) != NULL &&
	    !json_object_is_type(jpath_get(jp, doc), json_type_null);
	jpath_free(jp);
	return (r);
}

static void
refuse(const struct conf_entry *e, struct json_object *doc, char cls,
    const char *fallback, struct pfx_result *res)
{
	result_set(res, PFX_NOTFOUND, NULL);
	if (!field_text(e->reply_field, doc, &res->reason) ||
	    !reply_ok(&res->reason, cls))
		result_set(res, PFX_NOTFOUND, fallback);
}

void
filter_answer(const struct conf_entry *e, const struct http_response *resp,
    int answered, struct pfx_result *res)
{
	struct json_object *doc = NULL;
	struct buf action;

	if (!answered) {
		log_warnx("smtp_filters %s: verdict request failed: %s",
		    e->name, resp->error);
		map_failure(resp, res);
		return;
	}
	if (resp->status != e->status_code || !map_parse_json(
	    buf_str(&resp->body), resp->body.len, &doc) ||
	    !json_object_is_type(doc, json_type_object)) {
		log_warnx("smtp_filters %s: the verdict is no JSON object with"
		    " status %lld (HTTP %ld)", e->name, e->status_code,
		    resp->status);
		result_set(res, PFX_TEMPFAIL, "no verdict");
		json_object_put(doc);
		return;
	}
	buf_init(&action, 64);
	if (!field_text(e->value_field, doc, &action))
		result_set(res, PFX_TEMPFAIL, "no action");
	else if (strcmp(buf_str(&action), "accept") == 0) {
		result_set(res, PFX_FOUND, NULL);
		if (field_present(e->message_field, doc) &&
		    !field_text(e->message_field, doc, &res->value))
			/* never the original instead of a replacement */
			result_set(res, PFX_TEMPFAIL, "a replacement that is"
			    " no string or larger than max_message_size");
	} else if (strcmp(buf_str(&action), "reject") == 0)
		refuse(e, doc, '5', "554 5.7.1 Message content rejected",
		    res);
	else if (strcmp(buf_str(&action), "tempfail") == 0)
		refuse(e, doc, '4', "451 4.7.1 Try again later", res);
	else
		result_set(res, PFX_TEMPFAIL, "unknown action");
	if (res->verdict == PFX_TEMPFAIL)
		log_warnx("smtp_filters %s: %s in the verdict", e->name,
		    buf_str(&res->reason));
	buf_free(&action);
	json_object_put(doc);
}
