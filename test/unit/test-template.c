/*
 * test-template.c - "{{ .Name }}" templates, escaped by context
 *
 * Values: .Key is the case's key (for policy, a JSON object, as the
 * lookup passes it), .Name is "demo", .recipient is "r\"cpt@x".
 */
#include "err.h"
#include "template.h"
#include "t.h"
#include "vars.h"

#define POLICY_KEY	"{\"recipient\":\"a@b\"}"

static const struct {
	const char	*name;
	enum conf_kind	 kind;
	enum tmpl_ctx	 ctx;
	const char	*src;
	const char	*key;
	const char	*want;		/* rendering, or NULL */
	const char	*err;		/* compile error contains, or NULL */
} cases[] = {
	{ "JSON in string", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": \"{{ .Key }}\"}", "a\"b\\c",
	    "{\"k\": \"a\\\"b\\\\c\"}", NULL },
	{ "JSON in string, controls", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": \"{{ .Key }}\"}", "a\r\n\x01",
	    "{\"k\": \"a\\r\\n\\u0001\"}", NULL },
	{ "JSON in string, bad UTF-8", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": \"{{.Key}}\"}", "caf\xe9",
	    "{\"k\": \"caf\\ufffd\"}", NULL },
	{ "JSON string with prefix", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": \"user:{{ .Key }}@{{ .Name }}\"}", "x\"y",
	    "{\"k\": \"user:x\\\"y@demo\"}", NULL },
	{ "JSON outside string", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": {{ .Key }}}", "a\"b",
	    "{\"k\": \"a\\\"b\"}", NULL },
	{ "JSON outside, injection attempt", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": {{ .Key }}}", "1, \"admin\": true",
	    "{\"k\": \"1, \\\"admin\\\": true\"}", NULL },
	{ "JSON escaped quote in literal", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"q\": \"\\\"\", \"k\": {{ .Key }}}", "v",
	    "{\"q\": \"\\\"\", \"k\": \"v\"}", NULL },
	{ "JSON escaped backslash in literal", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"q\": \"\\\\\", \"k\": \"{{ .Key }}\"}", "\"",
	    "{\"q\": \"\\\\\", \"k\": \"\\\"\"}", NULL },
	{ "JSON two values", KIND_TCP, TMPL_JSON,
	    "[{{ .Name }}, \"{{ .Key }}\"]", "k",
	    "[\"demo\", \"k\"]", NULL },
	{ "policy .Key raw object", KIND_POLICY, TMPL_JSON,
	    "{{ .Key }}", NULL, POLICY_KEY, NULL },
	{ "policy .Key nested", KIND_POLICY, TMPL_JSON,
	    "{\"attrs\": {{ .Key }}, \"svc\": \"{{ .Name }}\"}", NULL,
	    "{\"attrs\": " POLICY_KEY ", \"svc\": \"demo\"}", NULL },
	{ "policy .Key inside a string", KIND_POLICY, TMPL_JSON,
	    "{\"raw\": \"{{ .Key }}\"}", NULL,
	    "{\"raw\": \"{\\\"recipient\\\":\\\"a@b\\\"}\"}", NULL },
	{ "policy attribute", KIND_POLICY, TMPL_JSON,
	    "{\"rcpt\": \"{{ .recipient }}\"}", NULL,
	    "{\"rcpt\": \"r\\\"cpt@x\"}", NULL },
	{ "URL", KIND_SOCKETMAP, TMPL_URL,
	    "http://h/x?k={{ .Key }}&n={{ .Name }}", "a b&c=d/e?#%",
	    "http://h/x?k=a%20b%26c%3Dd%2Fe%3F%23%25&n=demo", NULL },
	{ "URL path", KIND_TCP, TMPL_URL,
	    "http://h/{{ .Key }}", "../etc",
	    "http://h/..%2Fetc", NULL },
	{ "URL path: .. is no dot segment", KIND_TCP, TMPL_URL,
	    "http://h/domains/{{ .Key }}", "..", "http://h/domains/%2E%2E",
	    NULL },
	{ "URL path: . is no dot segment", KIND_TCP, TMPL_URL,
	    "http://h/{{ .Key }}/x", ".", "http://h/%2E/x", NULL },
	{ "URL path: ... escaped too", KIND_TCP, TMPL_URL,
	    "http://h/a/{{ .Key }}", "...", "http://h/a/%2E%2E%2E", NULL },
	{ "URL path: dots inside a name kept", KIND_TCP, TMPL_URL,
	    "http://h/d/{{ .Key }}", "example.com", "http://h/d/example.com",
	    NULL },
	{ "URL query: .. stays (no path there)", KIND_TCP, TMPL_URL,
	    "http://h/d/x?k={{ .Key }}", "..", "http://h/d/x?k=..", NULL },
	{ "URL host: dots kept", KIND_TCP, TMPL_URL,
	    "http://{{ .Key }}/d", "..", "http://../d", NULL },
	{ "form", KIND_TCP, TMPL_FORM,
	    "key={{ .Key }}", "a+b c", "key=a%2Bb%20c", NULL },
	{ "header", KIND_SOCKETMAP, TMPL_HEADER,
	    "X-Key: {{ .Key }}", "a\r\nX-Evil: 1%",
	    "X-Key: a%0D%0AX-Evil: 1%25", NULL },
	{ "text", KIND_SOCKETMAP, TMPL_TEXT,
	    "key={{ .Key }}", "a\"b c", "key=a\"b c", NULL },
	{ "no variables", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"fixed\": true}", "k", "{\"fixed\": true}", NULL },
	{ "lone braces kept", KIND_SOCKETMAP, TMPL_TEXT,
	    "a } b }} c {", "k", "a } b }} c {", NULL },
	{ "spacing inside braces", KIND_SOCKETMAP, TMPL_TEXT,
	    "<{{.Key}}|{{   .Key\t}}>", "k", "<k|k>", NULL },
	{ "unknown variable", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ .Kye }}", "k", NULL, "unknown template variable \".Kye\"" },
	{ "policy attribute in socketmap", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ .recipient }}", "k", NULL, "unknown template variable" },
	{ "case matters", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ .key }}", "k", NULL, "unknown template variable" },
	{ "pipeline", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ .Key | printf }}", "k", NULL, "unsupported template" },
	{ "function call", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ printf \"%s\" .Key }}", "k", NULL, "template reference" },
	{ "no dot", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ Key }}", "k", NULL, "template reference" },
	{ "bare dot", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ . }}", "k", NULL, "template reference" },
	{ "empty braces", KIND_SOCKETMAP, TMPL_JSON,
	    "{{}}", "k", NULL, "template reference" },
	{ "field chain", KIND_SOCKETMAP, TMPL_JSON,
	    "{{ .Key.Sub }}", "k", NULL, "unsupported template" },
	{ "unterminated", KIND_SOCKETMAP, TMPL_JSON,
	    "{\"k\": \"{{ .Key\"}", "k", NULL, "unterminated" },
	{ "unterminated at end", KIND_SOCKETMAP, TMPL_URL,
	    "http://h/{{", "k", NULL, "unterminated" },
	{ "very long name", KIND_SOCKETMAP, TMPL_TEXT,
	    "{{ .Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaa }}", "k", NULL, "template reference" },
};

struct vals {
	enum conf_kind	 kind;
	const char	*key;
};

static int
value(int id, struct tmpl_value *v, void *arg)
{
	const struct vals *vs = arg;

	v->json = 0;
	if (id == VAR_KEY && vs->kind == KIND_POLICY) {
		v->p = POLICY_KEY;
		v->json = 1;
	} else if (id == VAR_KEY)
		v->p = vs->key;
	else if (id == VAR_NAME)
		v->p = "demo";
	else if (strcmp(vars_attr(KIND_POLICY, id), "recipient") == 0)
		v->p = "r\"cpt@x";
	else
		v->p = "";
	v->n = strlen(v->p);
	return (PFX_OK);
}

static void
count(int id, void *arg)
{
	(void)id;
	++*(int *)arg;
}

int
main(void)
{
	struct tmpl *t;
	struct vals vs;
	struct buf b;
	enum conf_kind kind;
	char	 err[256];
	size_t	 i;
	int	 n;

	buf_init(&b, BUF_UNLIMITED);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kind = cases[i].kind;
		err[0] = '\0';
		t = tmpl_compile(cases[i].src, cases[i].ctx, vars_resolve,
		    &kind, err, sizeof(err));
		if (cases[i].err != NULL) {
			ok(t == NULL && strstr(err, cases[i].err) != NULL,
			    "%s: refused (%s)", cases[i].name, err);
			tmpl_free(t);
			continue;
		}
		if (!ok(t != NULL, "%s: compiles (%s)", cases[i].name, err))
			continue;
		vs.kind = kind;
		vs.key = cases[i].key;
		buf_reset(&b);
		is_int(tmpl_render(t, &b, value, &vs), PFX_OK,
		    "%s: renders", cases[i].name);
		is_str(buf_str(&b), cases[i].want, "%s", cases[i].name);
		tmpl_free(t);
	}

	kind = KIND_POLICY;
	t = tmpl_compile("{{ .Key }}-{{ .sender }}-{{ .Name }}", TMPL_TEXT,
	    vars_resolve, &kind, err, sizeof(err));
	n = 0;
	if (ok(t != NULL, "three references compile")) {
		tmpl_foreach_var(t, count, &n);
		is_int(n, 3, "tmpl_foreach_var sees three references");
		ok(tmpl_has_vars(t), "tmpl_has_vars");
	}
	tmpl_free(t);
	t = tmpl_compile("plain", TMPL_TEXT, vars_resolve, &kind, err,
	    sizeof(err));
	ok(t != NULL && !tmpl_has_vars(t), "no references: !tmpl_has_vars");
	tmpl_free(t);

	/* rendering stops at the output limit */
	kind = KIND_SOCKETMAP;
	t = tmpl_compile("{\"k\":\"{{ .Key }}\"}", TMPL_JSON, vars_resolve,
	    &kind, err, sizeof(err));
	buf_free(&b);
	buf_init(&b, 10);
	vs.kind = kind;
	vs.key = "\"\"\"\"";
	is_int(tmpl_render(t, &b, value, &vs), PFX_ETOOBIG,
	    "render over the limit fails");
	tmpl_free(t);
	buf_free(&b);
	return (done_testing());
}
