/*
 * test-conf.c - conf_load: validation with "FILE:LINE: reason", defaults
 *
 * Each case is a configuration written to a temporary file.  A refused
 * one names the file and the line of the offending setting and says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "t.h"

#define SM(body)	"socket_maps = {\n  demo = {\n" body "  };\n};\n"
#define TARGET		"    target = \"http://127.0.0.1:9/map\";\n"

static const struct {
	const char	*name;
	const char	*text;
	int		 line;		/* 0: loads; else the error line */
	const char	*why;		/* error contains */
} cases[] = {
	{ "minimal socketmap", SM(TARGET), 0, NULL },
	{ "full example",
	    "server = {\n"
	    "  logging = { level = \"debug\"; json = false; };\n"
	    "  http_client = { timeout = \"2s\"; connect_timeout = \"500ms\";"
	    " user_agent = \"t/1\"; max_response_size = 4096; };\n"
	    "  socketmap_max_reply_size = 50000;\n"
	    "  idle_timeout = \"5m\";\n"
	    "};\n"
	    "socket_maps = { demo = { target = \"http://127.0.0.1:9/map\";"
	    " value_field = \"data.result\"; };\n"
	    "  rest = { target = \"http://127.0.0.1:9/rest\"; method = \"GET\"; };\n"
	    "  echo = { target = \"http://127.0.0.1:9/echo\";"
	    " payload = \"{\\\"k\\\": \\\"{{ .Key }}\\\"}\"; };\n"
	    "};\n"
	    "tcp_tables = { demo = { target = \"http://127.0.0.1:9/rest\";"
	    " method = \"GET\"; }; };\n"
	    "policy_services = { demo = { target = \"http://127.0.0.1:9/policy\";"
	    " value_field = \"policy.result\"; default_action = \"DUNNO\"; }; };\n",
	    0, NULL },
	{ "unknown key", SM(TARGET "    valu_field = \"x\";\n"), 4,
	    "unknown setting \"valu_field\"" },
	{ "unknown key deeper", "\n\n" SM(TARGET "\n\n    colour = 1;\n"), 8,
	    "unknown setting \"colour\"" },
	{ "unknown server key", "server = {\n  http_client = {\n"
	    "    timeout = \"1s\";\n    retries = 3;\n  };\n};\n", 4,
	    "unknown setting \"retries\"" },
	{ "unknown section", "socket_map = { };\n", 1,
	    "unknown section \"socket_map\"" },
	{ "status_code as string", SM(TARGET "    status_code = \"200\";\n"), 4,
	    "status_code must be an integer" },
	{ "status_code out of range", SM(TARGET "    status_code = 42;\n"), 4,
	    "status_code must be between" },
	{ "bool as string", SM(TARGET
	    "    http_response_compression = \"yes\";\n"), 4,
	    "http_response_compression must be true or false" },
	{ "string as number", SM("    target = 80;\n"), 3,
	    "target must be a string" },
	{ "duration without unit", SM(TARGET "    timeout = \"30\";\n"), 4,
	    "is not a duration" },
	{ "duration as number", SM(TARGET "    timeout = 30;\n"), 4,
	    "timeout must be a duration" },
	{ "server timeout without unit", "server = {\n  http_client = {\n"
	    "    timeout = \"30\";\n  };\n};\n", 3, "is not a duration" },
	{ "duration out of range", SM(TARGET "    timeout = \"2h\";\n"), 4,
	    "out of range" },
	{ "unknown template variable", SM(TARGET
	    "    payload = \"{\\\"k\\\": \\\"{{ .Kye }}\\\"}\";\n"), 4,
	    "unknown template variable \".Kye\"" },
	{ "template pipeline", SM(TARGET
	    "    payload = \"{{ .Key | printf }}\";\n"), 4,
	    "payload: unsupported template expression" },
	{ "template in target", SM(
	    "    target = \"http://127.0.0.1:9/{{.Nmae}}\";\n"), 3,
	    "target: unknown template variable" },
	{ "policy attribute in socketmap", SM(TARGET
	    "    payload = \"{\\\"r\\\": \\\"{{ .recipient }}\\\"}\";\n"), 4,
	    "unknown template variable \".recipient\"" },
	{ "payload not JSON", SM(TARGET
	    "    payload = \"{\\\"k\\\": \\\"{{ .Key }}\\\"\";\n"), 4,
	    "payload is not valid JSON" },
	{ "payload not JSON (bare value)", SM(TARGET
	    "    payload = \"{\\\"k\\\": x{{ .Key }}}\";\n"), 4,
	    "payload is not valid JSON" },
	{ "payload JSON with bare variable", SM(TARGET
	    "    payload = \"{\\\"k\\\": {{ .Key }}}\";\n"), 0, NULL },
	{ "non-JSON payload for text", SM(TARGET
	    "    content_type = \"text/plain\";\n"
	    "    payload = \"key={{ .Key }}\";\n"), 0, NULL },
	{ "bad value_field", SM(TARGET "    value_field = \"a..b\";\n"), 4,
	    "value_field" },
	{ "target not http", SM("    target = \"ftp://x/\";\n"), 3,
	    "http:// or https://" },
	{ "target missing", SM("    method = \"GET\";\n"), 2,
	    "target is required" },
	{ "bad method", SM(TARGET "    method = \"PUT\";\n"), 4,
	    "method must be GET or POST" },
	{ "custom header without colon", SM(TARGET
	    "    custom_headers = [ \"X-Foo bar\" ];\n"), 4,
	    "must look like \"Name: value\"" },
	{ "default_action in socket_maps", SM(TARGET
	    "    default_action = \"DUNNO\";\n"), 4,
	    "default_action only applies to policy_services" },
	{ "default_action with a line break",
	    "policy_services = {\n  p = {\n"
	    "    target = \"http://127.0.0.1:9/p\";\n"
	    "    default_action = \"DUNNO\\naction=OK\";\n  };\n};\n", 4,
	    "default_action must be one line" },
	{ "listen", "server = {\n  listen = [ ];\n};\n", 2, "spawn(8)" },
	{ "worker_pool", "server = {\n  worker_pool = { };\n};\n", 2,
	    "is not used" },
	{ "bad log level", "server = {\n  logging = {\n"
	    "    level = \"loud\";\n  };\n};\n", 3, "logging.level" },
	{ "syntax error", "socket_maps = {\n  demo = {\n    target = ;\n"
	    "  };\n};\n", 3, "" },
	{ "defaults: unknown key", "socket_maps = {\n  defaults = {\n"
	    "    methd = \"GET\";\n  };\n  demo = {" TARGET "  };\n};\n", 3,
	    "unknown setting \"methd\"" },
};

static char dir[] = "/tmp/test-conf.XXXXXX";

static char *
write_conf(size_t i, const char *text)
{
	static char path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/case%zu.conf", dir, i);
	if ((f = fopen(path, "w")) == NULL)
		return (NULL);
	fputs(text, f);
	fclose(f);
	return (path);
}

static struct conf *
load(size_t i, const char *text, char *err, size_t errlen, char **pathp)
{
	char	*path = write_conf(i, text);

	*pathp = path;
	err[0] = '\0';
	return (path != NULL ? conf_load(path, 0, err, errlen) : NULL);
}

static const struct conf_entry *
entry(const struct conf *c, enum conf_kind k, const char *name)
{
	return (c != NULL ? conf_find(c, k, name) : NULL);
}

int
main(void)
{
	const struct conf_entry *e;
	struct conf *c;
	char	 err[1024], want[512], *path;
	size_t	 i, j;

	if (mkdtemp(dir) == NULL) {
		printf("1..0 # SKIP cannot create a temporary directory\n");
		return (0);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = load(i, cases[i].text, err, sizeof(err), &path);
		if (cases[i].line == 0) {
			ok(c != NULL, "%s: loads (%s)", cases[i].name, err);
		} else {
			ok(c == NULL, "%s: refused", cases[i].name);
			snprintf(want, sizeof(want), "%s:%d: ", path,
			    cases[i].line);
			ok(strncmp(err, want, strlen(want)) == 0 &&
			    strstr(err, cases[i].why) != NULL,
			    "%s: \"%s\" starts with \"%s\" and says \"%s\"",
			    cases[i].name, err, want, cases[i].why);
		}
		conf_free(c);
		unlink(path);
	}

	/* values of the full example */
	c = load(99, cases[1].text, err, sizeof(err), &path);
	if (ok(c != NULL, "full example loads again")) {
		is_int(c->http.timeout_ms, 2000, "http_client.timeout");
		is_int(c->http.connect_timeout_ms, 500, "connect_timeout");
		is_int(c->socketmap_max_reply_size, 50000,
		    "socketmap_max_reply_size");
		is_int(c->idle_timeout_ms, 300000, "idle_timeout");
		e = entry(c, KIND_SOCKETMAP, "demo");
		ok(e != NULL && e->timeout_ms == 2000,
		    "entry timeout inherits http_client.timeout");
		ok(e != NULL && e->status_code == 200 && !e->is_get,
		    "entry defaults: status_code 200, POST");
		e = entry(c, KIND_SOCKETMAP, "rest");
		ok(e != NULL && e->is_get, "method GET");
		ok(entry(c, KIND_TCP, "demo") != NULL, "tcp_tables.demo");
		ok(entry(c, KIND_SOCKETMAP, "nosuch") == NULL,
		    "conf_find of a missing name");
		e = entry(c, KIND_POLICY, "demo");
		ok(e != NULL && strcmp(e->default_action, "DUNNO") == 0,
		    "policy default_action");
	}
	conf_free(c);
	unlink(path);

	/* policy default_action when none is configured */
	c = load(98, "policy_services = { p = {"
	    " target = \"http://127.0.0.1:9/p\"; }; };\n", err, sizeof(err),
	    &path);
	e = entry(c, KIND_POLICY, "p");
	ok(e != NULL && e->default_action != NULL &&
	    strcmp(e->default_action, "DEFER_IF_PERMIT Service temporarily"
	    " unavailable") == 0, "policy default_action defaults to DEFER_IF_PERMIT");
	conf_free(c);
	unlink(path);

	/* defaults: merged into every entry; entries override either way */
	c = load(97,
	    "socket_maps = {\n"
	    "  defaults = {\n"
	    "    method = \"GET\";\n"
	    "    http_response_compression = true;\n"
	    "    http_request_compression = false;\n"
	    "    custom_headers = [ \"X-Default: 1\" ];\n"
	    "    timeout = \"3s\";\n"
	    "    value_field = \"data.result\";\n"
	    "  };\n"
	    "  a = { target = \"http://127.0.0.1:9/a\"; };\n"
	    "  b = { target = \"http://127.0.0.1:9/b\";"
	    " http_response_compression = false;"
	    " http_request_compression = true; method = \"POST\";"
	    " custom_headers = [ \"X-Own: {{ .Key }}\" ]; timeout = \"1s\"; };\n"
	    "};\n", err, sizeof(err), &path);
	ok(c != NULL, "defaults config loads (%s)", err);
	ok(c != NULL && c->nentries == 2, "\"defaults\" is not an entry");
	e = entry(c, KIND_SOCKETMAP, "a");
	ok(e != NULL && e->is_get, "a: method from defaults");
	ok(e != NULL && e->http_response_compression == 1,
	    "a: http_response_compression true from defaults");
	ok(e != NULL && e->http_request_compression == 0,
	    "a: http_request_compression false from defaults");
	ok(e != NULL && e->timeout_ms == 3000, "a: timeout from defaults");
	ok(e != NULL && e->value_field != NULL &&
	    strcmp(e->value_field, "data.result") == 0 && e->value_jp != NULL,
	    "a: value_field from defaults");
	ok(e != NULL && e->ncustom_headers == 1 &&
	    strcmp(e->custom_headers[0], "X-Default: 1") == 0,
	    "a: custom_headers from defaults");
	e = entry(c, KIND_SOCKETMAP, "b");
	ok(e != NULL && !e->is_get, "b: overrides method");
	ok(e != NULL && e->http_response_compression == 0,
	    "b: overrides a default true with false");
	ok(e != NULL && e->http_request_compression == 1,
	    "b: overrides a default false with true");
	ok(e != NULL && e->timeout_ms == 1000, "b: overrides timeout");
	for (j = 0; e != NULL && j < e->ncustom_headers; j++)
		;
	ok(e != NULL && e->ncustom_headers == 2 &&
	    strcmp(e->custom_headers[0], "X-Default: 1") == 0 &&
	    strcmp(e->custom_headers[1], "X-Own: {{ .Key }}") == 0,
	    "b: custom_headers from defaults are added to its own (%zu)", j);
	conf_free(c);
	unlink(path);

	/* defaults are per section */
	c = load(96,
	    "socket_maps = { defaults = { method = \"GET\"; }; };\n"
	    "tcp_tables = { t = { target = \"http://127.0.0.1:9/t\"; }; };\n",
	    err, sizeof(err), &path);
	e = entry(c, KIND_TCP, "t");
	ok(e != NULL && !e->is_get, "socket_maps defaults do not reach tcp_tables");
	conf_free(c);
	unlink(path);

	/* a file that cannot be read */
	snprintf(want, sizeof(want), "%s/missing.conf", dir);
	c = conf_load(want, 0, err, sizeof(err));
	ok(c == NULL && strncmp(err, want, strlen(want)) == 0,
	    "missing file: \"%s\"", err);
	rmdir(dir);
	return (done_testing());
}
