/*
 * test-jpath.c - JSON field paths and the rendering of JSON values
 */
#include <json-c/json.h>

#include "err.h"
#include "jvalue.h"
#include "t.h"

#define DOC	"{\"data\":{\"result\":\"r1\",\"n\":3}," \
		"\"items\":[{\"name\":\"i0\"},{\"name\":\"i1\",\"id\":7}]," \
		"\"deep\":{\"a\":{\"result\":\"deep\"}}," \
		"\"list\":[[1,2],[3]],\"result\":\"top\"," \
		"\"nested\":{\"x\":[{\"only\":\"in array\"}]},\"b\":{\"only\":\"later\"}," \
		"\"dot.key\":\"k\",\"nul\":null}"

/* path, expected value as JSON text (NULL: absent) */
static const struct {
	const char	*path;
	const char	*want;
} get[] = {
	{ "data.result",	"\"r1\"" },
	{ "data.n",		"3" },
	{ "data",		"{ \"result\": \"r1\", \"n\": 3 }" },
	{ "items[0].name",	"\"i0\"" },
	{ "items[1].id",	"7" },
	{ "items[2].name",	NULL },
	{ "items[1]",		"{ \"name\": \"i1\", \"id\": 7 }" },
	{ "list[0][1]",		"2" },
	{ "list[1][0]",		"3" },
	{ "list[1][1]",		NULL },
	{ "result",		"\"top\"" },	/* bare: top level first */
	{ "name",		"\"i0\"" },	/* then document order */
	{ "only",		"\"in array\"" },
	{ "id",			"7" },
	{ "data.missing",	NULL },
	{ "missing",		NULL },
	{ "data.result.x",	NULL },		/* step into a string */
	{ "data[0]",		NULL },		/* index into an object */
	{ "items.name",		NULL },		/* name into an array */
	{ "nul",		"null" },	/* present, value null */
};

static const char *const badpaths[] = {
	"", ".", "a.", ".a", "a..b", "a[", "a[x]", "a[1", "a[-1]", "a[]",
	"a.[0]", "a[99999999]",
};

/* JSON text, status, text */
static const struct {
	const char	*json;
	enum jvalue_status st;
	const char	*want;
} val[] = {
	{ "\"text\"",		JV_VALUE,	"text" },
	{ "\"a,b\"",		JV_VALUE,	"a,b" },
	{ "\"caf\\u00e9\"",	JV_VALUE,	"caf\xc3\xa9" },
	{ "42",			JV_VALUE,	"42" },
	{ "-7",			JV_VALUE,	"-7" },
	{ "42.0",		JV_VALUE,	"42" },
	{ "3.5",		JV_VALUE,	"3.5" },
	{ "0.25",		JV_VALUE,	"0.25" },
	{ "1e20",		JV_VALUE,	"100000000000000000000" },
	{ "1e15",		JV_VALUE,	"1000000000000000" },
	{ "1.5e1",		JV_VALUE,	"15" },
	{ "100e-2",		JV_VALUE,	"1" },
	{ "2.50",		JV_VALUE,	"2.5" },
	{ "-0.0",		JV_VALUE,	"0" },
	{ "-1.20e2",		JV_VALUE,	"-120" },
	{ "18446744073709551615", JV_VALUE,	"18446744073709551615" },
	{ "-9223372036854775808", JV_VALUE,	"-9223372036854775808" },
	{ "1e400",		JV_BADNUM,	NULL },
	{ "-1e400",		JV_BADNUM,	NULL },
	{ "NaN",		JV_BADNUM,	NULL },
	{ "[1,NaN]",		JV_BADNUM,	NULL },
	{ "1e3",		JV_VALUE,	"1000" },
	{ "9007199254740993",	JV_VALUE,	"9007199254740993" },
	{ "true",		JV_VALUE,	"true" },
	{ "false",		JV_VALUE,	"false" },
	{ "[\"a\",\"b\"]",	JV_VALUE,	"a,b" },
	{ "[\"a\",[\"b\",[\"c\"]],\"d\"]", JV_VALUE, "a,b,c,d" },
	{ "[null,\"a\",\"\",[],null,\"b\"]", JV_VALUE, "a,b" },
	{ "[1,2.0,2.5,true]",	JV_VALUE,	"1,2,2.5,true" },
	{ "[[],[null]]",	JV_EMPTY,	"" },
	{ "[\"a\",{\"x\":1}]",	JV_BADTYPE,	NULL },
	{ "null",		JV_EMPTY,	"" },
	{ "\"\"",		JV_EMPTY,	"" },
	{ "[]",			JV_EMPTY,	"" },
	{ "{}",			JV_BADTYPE,	NULL },
	{ "{\"a\":\"b\"}",	JV_BADTYPE,	NULL },
};

int
main(void)
{
	struct json_object *doc, *o;
	struct jpath *jp;
	const char *err;
	struct buf b;
	size_t	 i;
	enum jvalue_status st;

	doc = json_tokener_parse(DOC);
	ok(doc != NULL, "test document parses");
	for (i = 0; i < sizeof(get) / sizeof(get[0]); i++) {
		err = NULL;
		jp = jpath_compile(get[i].path, &err);
		if (!ok(jp != NULL, "compile \"%s\"", get[i].path))
			continue;
		o = jpath_get(jp, doc);
		if (get[i].want == NULL)
			ok(o == NULL, "\"%s\" is absent", get[i].path);
		else if (strcmp(get[i].want, "null") == 0)
			ok(o == NULL || json_object_is_type(o, json_type_null),
			    "\"%s\" is null", get[i].path);
		else
			is_str(o != NULL ? json_object_to_json_string(o) :
			    "(absent)", get[i].want, "\"%s\"", get[i].path);
		jpath_free(jp);
	}
	for (i = 0; i < sizeof(badpaths) / sizeof(badpaths[0]); i++) {
		err = NULL;
		jp = jpath_compile(badpaths[i], &err);
		ok(jp == NULL && err != NULL, "refuse \"%s\" (%s)",
		    badpaths[i], err != NULL ? err : "accepted");
		jpath_free(jp);
	}
	json_object_put(doc);

	buf_init(&b, BUF_UNLIMITED);
	for (i = 0; i < sizeof(val) / sizeof(val[0]); i++) {
		buf_reset(&b);
		o = json_tokener_parse(val[i].json);
		st = jvalue_text(o, &b);
		is_int(st, val[i].st, "jvalue_text %s: status", val[i].json);
		if (val[i].want != NULL && st == JV_VALUE)
			is_str(buf_str(&b), val[i].want, "jvalue_text %s",
			    val[i].json);
		json_object_put(o);
	}
	is_int(jvalue_text(NULL, &b), JV_EMPTY, "jvalue_text(NULL)");

	/* regression: doubles in their shortest exact form, not "%.17g" */
	buf_reset(&b);
	o = json_tokener_parse("[0.1,3.14]");
	(void)jvalue_text(o, &b);
	is_str(buf_str(&b), "0.1,3.14", "jvalue_text [0.1,3.14]");
	json_object_put(o);
	buf_free(&b);

	buf_init(&b, 4);
	o = json_tokener_parse("[\"ab\",\"cd\"]");
	is_int(jvalue_text(o, &b), JV_TOOBIG, "array over the limit");
	json_object_put(o);
	buf_free(&b);
	buf_init(&b, 4);
	o = json_tokener_parse("\"abcde\"");
	is_int(jvalue_text(o, &b), JV_TOOBIG, "string over the limit");
	json_object_put(o);
	buf_free(&b);
	return (done_testing());
}
