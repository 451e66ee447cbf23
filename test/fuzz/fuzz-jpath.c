/*
 * fuzz-jpath.c - field paths and the mapping of a backend answer
 *
 * Input: "<value_field>\n<error_field>\n<body>".  An empty field means
 * "not configured".  The paths are compiled as conf.c does, the body
 * is mapped to a verdict by lookup_map_response() with HTTP 200 (and a
 * few other statuses), and the result must be something every codec can
 * send: FOUND has a non-empty text without NUL within the reply limit,
 * NOTFOUND has no text, failures have a short printable reason.
 */
#include <json-c/json.h>
#include <string.h>

#include "conf.h"
#include "fuzz-answer.h"
#include "jvalue.h"
#include "mapping.h"
#include "verdict.h"

#define MAX_REPLY	512

static struct jpath *
compile(const char *s)
{
	struct jpath *jp;
	const char *err = NULL;

	if (*s == '\0')
		return (NULL);
	jp = jpath_compile(s, &err);
	CHECK((jp == NULL) == (err != NULL));
	return (jp);
}

/* check_value - jvalue_text on its own: status and text agree */

static void
check_value(struct json_object *v)
{
	struct buf b;
	enum jvalue_status st;

	buf_init(&b, MAX_REPLY);
	st = jvalue_text(v, &b);
	switch (st) {
	case JV_VALUE:
		CHECK(b.len > 0);
		if (json_object_is_type(v, json_type_string))
			CHECK(b.len == (size_t)json_object_get_string_len(v) &&
			    memcmp(b.data, json_object_get_string(v),
			    b.len) == 0);
		break;
	case JV_EMPTY:
		CHECK(b.len == 0);
		break;
	case JV_BADTYPE:
		CHECK(json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array));
		break;
	case JV_TOOBIG:
		break;
	case JV_BADNUM:
		/* NaN or an infinity, alone or in a list */
		CHECK(json_object_is_type(v, json_type_double) ||
		    json_object_is_type(v, json_type_array));
		break;
	default:
		CHECK(!"unknown jvalue status");
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 404, 403, 503, 201 };
	struct conf_entry e;
	struct pfx_result res;
	struct json_tokener *tok;
	struct json_object *root, *v;
	char	*vpath, *epath, *body;
	size_t	 i;

	vpath = fuzz_take_line(&data, &size);
	epath = fuzz_take_line(&data, &size);
	/* like the HTTP client's buffer: exactly the body and a NUL */
	if ((body = malloc(size + 1)) == NULL)
		abort();
	memcpy(body, data, size);
	body[size] = '\0';
	memset(&e, 0, sizeof(e));
	e.kind = KIND_SOCKETMAP;
	e.name = (char *)"fuzz";
	e.status_code = 200;
	e.value_jp = compile(vpath);
	e.error_jp = compile(epath);
	e.no_error_value = (char *)"0";

	result_init(&res, MAX_REPLY);
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		result_set(&res, PFX_FOUND, "stale");
		lookup_map_response(&e, statuses[i], body, size, &res);
		fuzz_check_result(&res, MAX_REPLY, FUZZ_ANY_VERDICT, 0);
		if (statuses[i] == 404)
			CHECK(res.verdict == PFX_NOTFOUND);
		else if (statuses[i] != 200)
			CHECK(res.verdict == (statuses[i] >= 400 &&
			    statuses[i] < 500 ? PFX_PERMFAIL : PFX_TEMPFAIL));
	}
	result_free(&res);

	/* the same body through json-c directly */
	if ((tok = json_tokener_new_ex(64)) != NULL) {
		root = json_tokener_parse_ex(tok, body,
		    (int)(size > 0x7fffffff ? 0x7fffffff : size));
		if (root != NULL) {
			check_value(root);
			if (e.value_jp != NULL &&
			    (v = jpath_get(e.value_jp, root)) != NULL)
				check_value(v);
			if (e.error_jp != NULL &&
			    (v = jpath_get(e.error_jp, root)) != NULL)
				check_value(v);
			json_object_put(root);
		}
		json_tokener_free(tok);
	}
	jpath_free(e.value_jp);
	jpath_free(e.error_jp);
	free(body);
	free(vpath);
	free(epath);
	return (0);
}
