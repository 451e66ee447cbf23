/*
 * fuzz-template.c - "{{ .Name }}" templates and context escaping
 *
 * Input: "<template>\n<value>".  The template is compiled for every
 * context and section kind.  Whenever it compiles, it is rendered twice:
 * with the harmless value "x" and with the fuzzed value.  A value must
 * never change the structure its context gives the output:
 *
 *	JSON	if the harmless rendering is a JSON document, so is the
 *		fuzzed one, with the same structural tokens outside strings
 *	URL	no value adds a delimiter (?&=#/+;: space) or a byte
 *		outside printable ASCII
 *	HEADER	no value adds a control byte (no header splitting)
 */
#include <json-c/json.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "kind.h"
#include "template.h"
#include "vars.h"

struct val {
	const char	*p;
	size_t		 n;
};

/* the policy .Key is the JSON object of all attributes, passed as is */
static const char attrs_json[] = "{\"recipient\":\"a@example.com\"}";

static int
value_fn(int id, struct tmpl_value *v, void *arg)
{
	const struct val *val = arg;

	CHECK(id >= 0 && id < VAR_ATTR0 + (int)kind_policy.nattrs);
	v->json = 0;
	if (id == VAR_NAME) {
		v->p = "mymap";
		v->n = 5;
	} else {
		v->p = val->p;
		v->n = val->n;
	}
	return (PFX_OK);
}

static int
value_fn_policy(int id, struct tmpl_value *v, void *arg)
{
	(void)value_fn(id, v, arg);
	if (id == VAR_KEY) {
		v->p = attrs_json;
		v->n = sizeof(attrs_json) - 1;
		v->json = 1;
	}
	return (PFX_OK);
}

static int
json_doc(const struct buf *b)
{
	struct json_tokener *tok;
	struct json_object *o;
	int	 ok;

	if (b->len == 0 || b->len > 0x7fffffff)
		return (0);
	if ((tok = json_tokener_new_ex(64)) == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, b->data, (int)b->len);
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", 1);
	ok = o != NULL && json_tokener_get_error(tok) == json_tokener_success;
	json_object_put(o);
	json_tokener_free(tok);
	return (ok);
}

/* json_shape - the bytes outside JSON strings, strings as one '"' */

static void
json_shape(const struct buf *in, struct buf *out)
{
	size_t	 i;
	int	 in_str = 0, esc = 0;

	buf_reset(out);
	for (i = 0; i < in->len; i++) {
		char	 c = in->data[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		CHECK(buf_putc(out, c) == PFX_OK);
	}
}

static void
count_bytes(const struct buf *b, const char *set, int ctl, size_t *n)
{
	size_t	 i;
	unsigned char c;

	*n = 0;
	for (i = 0; i < b->len; i++) {
		c = (unsigned char)b->data[i];
		if ((c != '\0' && strchr(set, c) != NULL) ||
		    (ctl && (c < 0x20 || c >= 0x7f)))
			(*n)++;
	}
}

static void
check(enum tmpl_ctx ctx, const struct buf *safe, const struct buf *fuzz)
{
	struct buf a, b;
	size_t	 na, nb;

	switch (ctx) {
	case TMPL_JSON:
		if (!json_doc(safe))
			return;
		CHECK(json_doc(fuzz));
		buf_init(&a, BUF_UNLIMITED);
		buf_init(&b, BUF_UNLIMITED);
		json_shape(safe, &a);
		json_shape(fuzz, &b);
		CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		buf_free(&a);
		buf_free(&b);
		break;
	case TMPL_URL:
	case TMPL_FORM:
		count_bytes(safe, "?&=#/+;: ", 1, &na);
		count_bytes(fuzz, "?&=#/+;: ", 1, &nb);
		CHECK(na == nb);
		break;
	case TMPL_HEADER:
		count_bytes(safe, "", 1, &na);
		count_bytes(fuzz, "", 1, &nb);
		CHECK(na == nb);
		break;
	case TMPL_TEXT:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum tmpl_ctx ctxs[] = {
		TMPL_JSON, TMPL_URL, TMPL_HEADER, TMPL_FORM, TMPL_TEXT,
	};
	const uint8_t *nl;
	struct val safe = { "x", 1 }, fuzz;
	struct buf a, b;
	struct tmpl *t;
	enum conf_kind kind;
	char	*src, err[256];
	size_t	 len, i;
	int	 ra, rb;

	nl = memchr(data, '\n', size);
	len = nl != NULL ? (size_t)(nl - data) : size;
	if ((src = malloc(len + 1)) == NULL)
		abort();
	memcpy(src, data, len);
	src[len] = '\0';
	fuzz.p = nl != NULL ? (const char *)nl + 1 : "";
	fuzz.n = nl != NULL ? size - len - 1 : 0;

	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	for (kind = KIND_SOCKETMAP; kind < KIND_COUNT; kind++)
		for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
			err[0] = '\0';
			t = tmpl_compile(src, ctxs[i], vars_resolve, &kind,
			    err, sizeof(err));
			if (t == NULL) {
				CHECK(err[0] != '\0');
				continue;
			}
			CHECK(tmpl_has_vars(t) == (strstr(src, "{{") != NULL));
			buf_reset(&a);
			buf_reset(&b);
			ra = tmpl_render(t, &a, kind == KIND_POLICY ?
			    value_fn_policy : value_fn, &safe);
			rb = tmpl_render(t, &b, kind == KIND_POLICY ?
			    value_fn_policy : value_fn, &fuzz);
			CHECK(ra == PFX_OK);
			if (rb == PFX_OK)
				check(ctxs[i], &a, &b);
			tmpl_free(t);
		}
	buf_free(&a);
	buf_free(&b);
	free(src);
	return (0);
}
