/*
 * test-mapping.c - lookup_map_response: HTTP status and body to a verdict
 *
 * The entries come from a real configuration file, so the test goes
 * through the same compile step as pfxhttp-spawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "mapping.h"
#include "t.h"

#define T(e)	" target = \"http://127.0.0.1:9/" e "\";"

static const char config[] =
    "socket_maps = {\n"
    "  vf = {" T("vf") " value_field = \"data.result\"; };\n"
    "  plain = {" T("plain") " };\n"
    "  errf = {" T("errf") " value_field = \"data.result\";"
    " error_field = \"error\"; no_error_value = \"none\"; };\n"
    "  errnum = {" T("errnum") " value_field = \"data.result\";"
    " error_field = \"status.code\"; no_error_value = \"0\"; };\n"
    "  created = {" T("created") " value_field = \"data.result\";"
    " status_code = 201; };\n"
    "  bare = {" T("bare") " value_field = \"result\"; };\n"
    "  idx = {" T("idx") " value_field = \"items[1].name\"; };\n"
    "  errany = {" T("errany") " value_field = \"data.result\";"
    " error_field = \"error\"; };\n"
    "  errperm = {" T("errperm") " value_field = \"data.result\";"
    " error_field = \"error\"; error_is_permanent = true; };\n"
    "};\n"
    "policy_services = {\n"
    "  pol = {" T("pol") " value_field = \"policy.result\"; };\n"
    "  pol404 = {" T("pol404") " value_field = \"policy.result\";"
    " not_found_action = \"DUNNO\"; };\n"
    "};\n";

#define F	PFX_FOUND
#define NF	PFX_NOTFOUND
#define TF	PFX_TEMPFAIL
#define PF	PFX_PERMFAIL

struct mcase {
	const char	*entry;
	long		 status;
	const char	*body;
	size_t		 len;
	enum pfx_verdict v;
	const char	*text;		/* value, reason or NULL: any */
};

#define UNP	"unparseable backend response"
#define DEEP	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" \
		"\"x\"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"

static const struct mcase cases[] = {
	{ "vf", 200, W("{\"data\":{\"result\":\"v@x\"}}"),	F, "v@x" },
	{ "vf", 200, W("{\"data\":{\"result\":\"v\"}}\r\n"),	F, "v" },
	{ "vf", 200, W("{\"data\":{}}"),			NF, "" },
	{ "vf", 200, W("{}"),					NF, "" },
	{ "vf", 200, W("{\"data\":{\"result\":null}}"),		NF, "" },
	{ "vf", 200, W("{\"data\":{\"result\":\"\"}}"),		NF, "" },
	{ "vf", 200, W("{\"data\":{\"result\":[]}}"),		NF, "" },
	{ "vf", 200, W("{\"data\":{\"result\":[\"a\",\"b\"]}}"), F, "a,b" },
	{ "vf", 200, W("{\"data\":{\"result\":42}}"),		F, "42" },
	{ "vf", 200, W("{\"data\":{\"result\":42.0}}"),		F, "42" },
	{ "vf", 200, W("{\"data\":{\"result\":true}}"),		F, "true" },
	{ "vf", 200, W("{\"data\":{\"result\":{\"x\":1}}}"),	PF, NULL },
	/* one value rule for every kind (item 12) */
#define INV	"invalid value from backend"
	{ "vf", 200, W("{\"data\":{\"result\":\"a\\u0000b\"}}"), TF, INV },
	{ "vf", 200, W("{\"data\":{\"result\":\"a\\r\\nb\"}}"), TF, INV },
	{ "vf", 200, W("{\"data\":{\"result\":\"a\\tb\"}}"), F, "a\tb" },
	{ "vf", 200, W("{\"data\":{\"result\":\"\\u001b[31m\"}}"), TF, INV },
	{ "vf", 200, W("{\"data\":{\"result\":\"a\\u007f\"}}"), TF, INV },
	{ "vf", 200, W("{\"data\":{\"result\":\"caf\xe9\"}}"), TF, INV },
	{ "vf", 200, W("{\"data\":{\"result\":[\"a\",\"b\\nc\"]}}"), TF, INV },
	{ "vf", 200, W("{\"data\":{\"result\":\" \\t v w \\r\\n\"}}"), F, "v w" },
	{ "vf", 200, W("{\"data\":{\"result\":\" \\t\\r\\n \"}}"), NF, "" },
	{ "vf", 200, W("{\"data\":{\"result\":\"caf\\u00e9\"}}"), F,
	    "caf\xc3\xa9" },
	{ "vf", 200, W("{\"data\":{\"result\":\"v\"}} trailing"), TF,
	    "unparseable backend response" },
	{ "vf", 200, W("<html>"),	TF, "unparseable backend response" },
	{ "vf", 200, W(""),		TF, "unparseable backend response" },
	{ "vf", 200, W("{\"data\":"),	TF, "unparseable backend response" },
	{ "vf", 404, W("{\"data\":{\"result\":\"v\"}}"),	NF, "" },
	{ "vf", 404, W("<html>not found</html>"),		NF, "" },
	{ "vf", 403, W("{}"),		PF, "backend answered HTTP 403" },
	{ "vf", 400, W("{}"),		PF, "backend answered HTTP 400" },
	{ "vf", 410, W(""),		PF, "backend answered HTTP 410" },
	{ "vf", 408, W(""),		TF, "backend answered HTTP 408" },
	{ "vf", 425, W(""),		TF, "backend answered HTTP 425" },
	{ "vf", 429, W("{}"),		TF, "backend answered HTTP 429" },
	{ "vf", 503, W("{}"),		TF, "backend answered HTTP 503" },
	{ "vf", 500, W(""),		TF, "backend answered HTTP 500" },
	{ "vf", 302, W(""),		TF, "backend answered HTTP 302" },
	{ "vf", 301, W(""),		TF, "backend answered HTTP 301" },
	{ "vf", 201, W("{\"data\":{\"result\":\"v\"}}"), TF,
	    "backend answered HTTP 201" },
	{ "vf", 204, W(""),		TF, "backend answered HTTP 204" },
	{ "plain", 200, W("[\"a\",\"b\"]"),	F, "a,b" },
	{ "plain", 200, W("[\"a\",null,[\"b\"],\"\"]"), F, "a,b" },
	{ "plain", 200, W("\"str\""),		F, "str" },
	{ "plain", 200, W("42"),		F, "42" },
	{ "plain", 200, W("42.0"),		F, "42" },
	{ "plain", 200, W("-3.5\n"),		F, "-3.5" },
	{ "plain", 200, W("true"),		F, "true" },
	{ "plain", 200, W("[]"),		NF, "" },
	{ "plain", 200, W("\"\""),		NF, "" },
	{ "plain", 200, W("{\"a\":1}"),		PF, NULL },
	{ "plain", 200, W("hello world\n"),	F, "hello world" },
	{ "plain", 200, W("  OK  \r\n"),	F, "OK" },
	{ "plain", 200, W("REJECT no"),		F, "REJECT no" },
	{ "plain", 200, W("42abc"),		F, "42abc" },
	{ "plain", 200, W("<html>"),		F, "<html>" },
	{ "plain", 200, W("t"),			F, "t" },
	{ "plain", 200, W("nul"),		F, "nul" },
	{ "plain", 200, W("-"),			F, "-" },
	/* broken JSON is never the answer (issue 6 item 6) */
	{ "plain", 200, W("[\"a\""),		TF, UNP },
	{ "plain", 200, W("\"open"),		TF, UNP },
	{ "plain", 200, W(" {\"result\":\"REJECT spam\", \"more\""), TF, UNP },
	{ "plain", 200, W(DEEP),		TF, UNP },
	/* strict JSON only, a byte order mark allowed (item 11) */
	{ "plain", 200, W("{'a':'b'}"),		TF, UNP },
	{ "plain", 200, W("[\"a\",]"),		TF, UNP },
	{ "plain", 200, W("{\"a\":1,}"),		TF, UNP },
	{ "plain", 200, W("[01]"),		TF, UNP },
	{ "plain", 200, W("[\"a\tb\"]"),		TF, UNP },
	{ "vf", 200, W("{\"data\":{\"result\":\"v\"}/*c*/}"), TF, UNP },
	{ "vf", 200, W("{\"data\":{\"result\":NaN}}"),	TF, UNP },
	{ "vf", 200, W("{\"data\":{\"result\":Infinity}}"), TF, UNP },
	{ "vf", 200, W("\xef\xbb\xbf{\"data\":{\"result\":\"v\"}}"), F, "v" },
	{ "plain", 200, W("\xef\xbb\xbf\"s\""),	F, "s" },
	/* numbers print exactly as integers when integral (item 11) */
	{ "vf", 200, W("{\"data\":{\"result\":123456789012345678901234567890}}"),
	    F, "123456789012345678901234567890" },
	{ "vf", 200, W("{\"data\":{\"result\":-9223372036854775809}}"),
	    F, "-9223372036854775809" },
	{ "vf", 200, W("{\"data\":{\"result\":18446744073709551615}}"),
	    F, "18446744073709551615" },
	{ "vf", 200, W("{\"data\":{\"result\":1e15}}"), F, "1000000000000000" },
	{ "vf", 200, W("{\"data\":{\"result\":1e400}}"), PF,
	    "backend value is not a finite number" },
	{ "plain", 200, W("[1,-1e400]"),	PF, NULL },
	{ "plain", 200, W("[1e1,18446744073709551616]"), F,
	    "10,18446744073709551616" },
	{ "plain", 200, W("1 2"),		F, "1 2" },
	{ "plain", 200, W("NaN"),		F, NULL },
	{ "plain", 200, W(" \r\n\t"),		NF, "" },
	{ "plain", 200, W(""),			NF, "" },
	{ "plain", 200, W("a\0b"),		TF, INV },
	{ "plain", 200, W("a\nb"),		TF, INV },
	{ "plain", 404, W("nothing"),		NF, "" },
	{ "plain", 503, W("busy"),		TF, "backend answered HTTP 503" },
	{ "errf", 200, W("{\"error\":\"db down\",\"data\":{\"result\":\"v\"}}"),
	    TF, "backend reported an error: db down" },
	{ "errf", 200, W("{\"error\":\"bad\\nline\"}"),
	    TF, "backend reported an error: bad line" },
	{ "errf", 200, W("{\"error\":{\"x\":1},\"data\":{\"result\":\"v\"}}"),
	    TF, "backend reported an error: {\"x\":1}" },
	/* error_field alone: any value but null, false, "", [], {} (item 8) */
	{ "errany", 200, W("{\"error\":\"db down\",\"data\":{\"result\":\"v\"}}"),
	    TF, "backend reported an error: db down" },
	{ "errany", 200, W("{\"error\":{\"code\":7}}"),
	    TF, "backend reported an error: {\"code\":7}" },
	{ "errany", 200, W("{\"error\":true}"),
	    TF, "backend reported an error: true" },
	{ "errany", 200, W("{\"error\":0}"),
	    TF, "backend reported an error: 0" },
	{ "errany", 200, W("{\"error\":false,\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errany", 200, W("{\"error\":\"\",\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errany", 200, W("{\"error\":null,\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errany", 200, W("{\"error\":{},\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errany", 200, W("{\"error\":[],\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errany", 200, W("{\"data\":{\"result\":\"v\"}}"),	F, "v" },
	{ "errperm", 200, W("{\"error\":\"gone\"}"),
	    PF, "backend reported an error: gone" },
	{ "errf", 200, W("{\"error\":\"none\",\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errf", 200, W("{\"data\":{\"result\":\"v\"}}"),	F, "v" },
	{ "errf", 200, W("{\"error\":null,\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errf", 200, W("{\"error\":\"none\"}"),		NF, "" },
	{ "errf", 200, W("oops"),	TF, "unparseable backend response" },
	{ "errnum", 200, W("{\"status\":{\"code\":0},\"data\":{\"result\":\"v\"}}"),
	    F, "v" },
	{ "errnum", 200, W("{\"status\":{\"code\":7},\"data\":{\"result\":\"v\"}}"),
	    TF, "backend reported an error: 7" },
	{ "created", 201, W("{\"data\":{\"result\":\"v\"}}"),	F, "v" },
	{ "created", 200, W("{\"data\":{\"result\":\"v\"}}"),	TF,
	    "backend answered HTTP 200" },
	{ "created", 404, W(""),		NF, "" },
	{ "bare", 200, W("{\"x\":{\"result\":\"deep\"},\"result\":\"top\"}"),
	    F, "top" },
	{ "bare", 200, W("{\"x\":{\"result\":\"deep\"},\"y\":{\"result\":\"2\"}}"),
	    F, "deep" },
	{ "bare", 200, W("[{\"a\":1},{\"result\":\"in array\"}]"),
	    F, "in array" },
	{ "idx", 200, W("{\"items\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"),
	    F, "b" },
	{ "idx", 200, W("{\"items\":[{\"name\":\"a\"}]}"),	NF, "" },
};

/* the response's Content-Type: declared JSON must parse (item 6) */
static const struct {
	const char	*ctype;
	struct mcase	 c;
} typed[] = {
	{ "application/json",
	    { "plain", 200, W("hello"), TF, UNP } },
	{ "Application/Problem+JSON; charset=utf-8",
	    { "plain", 200, W("x"), TF, UNP } },
	{ "text/plain",
	    { "plain", 200, W("hello"), F, "hello" } },
	{ "application/jsonx",
	    { "plain", 200, W("hello"), F, "hello" } },
	{ "application/json",
	    { "plain", 200, W("/*c*/\"v\""), TF, UNP } },
};

/* policy: a 404 is a failure unless not_found_action says (item 9) */
static const struct mcase policy[] = {
	{ "pol", 404, W(""),		PF, "backend answered HTTP 404; a"
	    " wrong target? (see not_found_action)" },
	{ "pol", 200, W("{\"policy\":{\"result\":\"OK\"}}"), F, "OK" },
	{ "pol", 200, W("{\"policy\":{}}"),	NF, "" },
	{ "pol", 200, W("{\"policy\":{\"result\":\" OK \"}}"), F, "OK" },
	{ "pol", 200, W("{\"policy\":{\"result\":\"REJECT x\\naction=OK\"}}"),
	    TF, INV },
	{ "pol", 200, W("{\"policy\":{\"result\":\" \"}}"), NF, "" },
	{ "pol404", 404, W(""),		F, "DUNNO" },
	{ "pol404", 403, W(""),		PF, "backend answered HTTP 403" },
};

/*
 * regression: json_tokener_parse_ex() returns NULL both on failure and
 * for the JSON value null; a body "null" once came out as FOUND "null"
 * (plain text) or, with value_field, TEMPFAIL.
 */
static const struct mcase nulls[] = {
	{ "plain", 200, W("null"),		NF, "" },
	{ "plain", 200, W(" null\n"),		NF, "" },
	{ "vf", 200, W("null"),			NF, "" },
};

static void
check(const struct conf *c, enum conf_kind kind, const struct mcase *mc,
    const char *ctype, struct pfx_result *res)
{
	const struct conf_entry *e;
	char	 desc[128];
	size_t	 j, k;

	/* a printable, one-line description of the case */
	k = (size_t)snprintf(desc, sizeof(desc), "%s %ld ", mc->entry,
	    mc->status);
	for (j = 0; j < mc->len && j < 40 && k + 5 < sizeof(desc); j++) {
		unsigned char ch = (unsigned char)mc->body[j];

		k += (size_t)snprintf(desc + k, sizeof(desc) - k,
		    ch >= 0x20 && ch < 0x7f && ch != '#' ? "%c" : "\\x%02x",
		    ch);
	}
	e = conf_find(c, kind, mc->entry);
	if (!ok(e != NULL, "entry %s", mc->entry))
		return;
	result_set(res, PFX_FOUND, "stale");
	lookup_map_body(e, mc->status, ctype, mc->body, mc->len, res);
	ok(res->verdict == mc->v, "%s: %s (got %s)", desc,
	    verdict_name(mc->v), verdict_name(res->verdict));
	if (mc->text != NULL)
		is_str(buf_str(result_text(res)), mc->text, "%s: text", desc);
}

int
main(void)
{
	char	 dir[] = "/tmp/test-mapping.XXXXXX", path[256], err[1024];
	const struct conf_entry *e;
	struct pfx_result res;
	struct conf *c;
	FILE	*f;
	size_t	 i;

	if (mkdtemp(dir) == NULL) {
		printf("1..0 # SKIP cannot create a temporary directory\n");
		return (0);
	}
	snprintf(path, sizeof(path), "%s/mapping.conf", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(config, f);
		fclose(f);
	}
	c = conf_load(path, 0, err, sizeof(err));
	unlink(path);
	rmdir(dir);
	if (!ok(c != NULL, "configuration loads (%s)", c != NULL ? "" : err))
		return (done_testing());

	result_init(&res, 100000);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(c, KIND_SOCKETMAP, &cases[i], NULL, &res);
	for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		check(c, KIND_SOCKETMAP, &typed[i].c, typed[i].ctype, &res);
	for (i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
		check(c, KIND_POLICY, &policy[i], NULL, &res);
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		check(c, KIND_SOCKETMAP, &nulls[i], NULL, &res);
	result_free(&res);

	/* a value larger than the result buffer */
	result_init(&res, 8);
	e = conf_find(c, KIND_SOCKETMAP, "vf");
	lookup_map_response(e, 200, W("{\"data\":{\"result\":\"0123456789\"}}"),
	    &res);
	ok(res.verdict == PFX_PERMFAIL, "value over the limit: PERMFAIL");
	result_free(&res);
	conf_free(c);
	return (done_testing());
}
