/*
 * test-conf.c - conf_load: validation with "FILE:LINE: reason", defaults
 *
 * Each case is a configuration written to a temporary file.  A refused
 * one names the file and the line of the offending setting and says why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "kind.h"
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
	    "  logging = { level = \"debug\"; };\n"
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
	    "value_field: empty name in path" },
	{ "target not http", SM("    target = \"ftp://x/\";\n"), 3,
	    "http:// or https://" },
	{ "target scheme in capitals (RFC 3986: case-insensitive)",
	    SM("    target = \"HTTPS://127.0.0.1:9/map\";\n"), 0, NULL },
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
	{ "failure_delay in socket_maps", SM(TARGET
	    "    failure_delay = \"2s\";\n"), 4,
	    "failure_delay only applies to dovecot_sasl" },
	{ "failure_delay too long",
	    "dovecot_sasl = {\n  s = {\n"
	    "    target = \"http://127.0.0.1:9/a\";\n"
	    "    failure_delay = \"6s\";\n  };\n};\n", 4,
	    "failure_delay is out of range" },
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
	    "  };\n};\n", 3, "syntax error" },
	{ "defaults: unknown key", "socket_maps = {\n  defaults = {\n"
	    "    methd = \"GET\";\n  };\n  demo = {" TARGET "  };\n};\n", 3,
	    "unknown setting \"methd\"" },

	/* issue 6 item 22: messages, ignored keys, limits */
	{ "defaults: bad value reported under defaults, at its line",
	    "socket_maps = {\n  defaults = {\n    value_field = \"a..b\";\n"
	    "  };\n  demo = {\n" TARGET "  };\n};\n", 3,
	    "socket_maps.defaults: value_field: " },
	{ "entry's own bad value reported under the entry",
	    "socket_maps = {\n  defaults = {\n    value_field = \"a\";\n"
	    "  };\n  demo = {\n" TARGET "    value_field = \"a..b\";\n"
	    "  };\n};\n", 7, "socket_maps.demo: value_field: " },
	{ "unterminated {{ in target", SM(
	    "    target = \"http://127.0.0.1:9/{{ .Key\";\n"), 3,
	    "target: unterminated \"{{\"" },
	{ "unterminated {{ in payload", SM(TARGET
	    "    payload = \"{{ .Key\";\n"), 4, "payload: unterminated \"{{\"" },
	{ "logging.json is refused", "server = {\n  logging = {\n"
	    "    json = true;\n  };\n};\n", 3,
	    "server.logging.json is not used: pfxhttp logs to syslog" },
	{ "logging.use_systemd is refused", "server = {\n  logging = {\n"
	    "    use_systemd = true;\n  };\n};\n", 3,
	    "server.logging.use_systemd is not used" },
	{ "max_idle_connections is refused", "server = {\n  http_client = {\n"
	    "    max_idle_connections = 4;\n  };\n};\n", 3,
	    "server.http_client.max_idle_connections is not used" },
	{ "max_idle_connections_per_host is refused",
	    "server = {\n  http_client = {\n"
	    "    max_idle_connections_per_host = 4;\n  };\n};\n", 3,
	    "max_idle_connections_per_host is not used" },
	{ "max_connections_per_host is kept", "server = {\n  http_client = {\n"
	    "    max_connections_per_host = 4;\n  };\n};\n", 0, NULL },
	{ "target without a host", SM("    target = \"http://\";\n"), 3,
	    "target has no host name" },
	{ "target with only a port", SM("    target = \"https://:8080/x\";\n"),
	    3, "target has no host name" },
	{ "target with a templated host", SM(
	    "    target = \"http://{{ .Name }}.example/{{ .Key }}\";\n"), 0,
	    NULL },
	{ "default_action not an access(5) action",
	    "policy_services = {\n  p = {\n"
	    "    target = \"http://127.0.0.1:9/p\";\n"
	    "    default_action = \"DEFFER try later\";\n  };\n};\n", 4,
	    "default_action \"DEFFER try later\" is not an access(5) action" },
	{ "default_action 3NN", "policy_services = {\n  p = {\n"
	    "    target = \"http://127.0.0.1:9/p\";\n"
	    "    default_action = \"250 fine\";\n  };\n};\n", 4,
	    "is not an access(5) action" },
	{ "default_action 450 text",
	    "policy_services = { p = { target = \"http://127.0.0.1:9/p\";"
	    " default_action = \"450 4.7.1 try again later\"; }; };\n", 0,
	    NULL },
	{ "default_action restriction",
	    "policy_services = { p = { target = \"http://127.0.0.1:9/p\";"
	    " default_action = \"defer_if_permit\"; }; };\n", 0, NULL },
	{ "entry timeout longer than Postfix waits", SM(TARGET
	    "    timeout = \"2m\";\n"), 4,
	    "timeout 120s is longer than Postfix waits" },
	{ "http_client.timeout longer than Postfix waits",
	    "server = {\n  http_client = {\n    timeout = \"100s\";\n  };\n};\n",
	    3, "server.http_client.timeout 100s is longer than Postfix waits" },

	/* item 20: the key must reach the backend, framing headers */
	{ "GET target with a #fragment", SM(
	    "    target = \"http://127.0.0.1:9/map#x\";\n"
	    "    method = \"GET\";\n"), 3, "target has a #fragment" },
	{ "payload without the key", SM(TARGET
	    "    payload = \"{\\\"n\\\": \\\"{{ .Name }}\\\"}\";\n"), 4,
	    "the lookup key never reaches the backend" },
	{ "GET target with only .Name", SM(
	    "    target = \"http://127.0.0.1:9/{{ .Name }}\";\n"
	    "    method = \"GET\";\n    payload = \"{{ .Key }}\";\n"), 3,
	    "never reaches the backend: use {{ .Key }} in the target, payload"
	    " or a custom header (a GET sends no payload)" },
	{ "policy payload without attributes",
	    "policy_services = {\n  p = {\n"
	    "    target = \"http://127.0.0.1:9/p\";\n"
	    "    payload = \"{}\";\n  };\n};\n", 4,
	    "the request never reaches the backend" },
	{ "key in a custom header only", SM(TARGET "    payload = \"{}\";\n"
	    "    custom_headers = [ \"X-Key: {{ .Key }}\" ];\n"), 0, NULL },
	{ "custom header Content-Length", SM(TARGET
	    "    custom_headers = [ \"Content-Length: 5\" ];\n"), 4,
	    "custom header Content-Length is set by pfxhttp itself" },
	{ "custom header Transfer-Encoding", SM(TARGET
	    "    custom_headers = [ \"transfer-encoding: chunked\" ];\n"), 4,
	    "is set by pfxhttp itself" },
	{ "custom header Host", SM(TARGET
	    "    custom_headers = [ \"Host: other\" ];\n"), 4,
	    "custom header Host is set by pfxhttp itself" },
	{ "custom header Connection", SM(TARGET
	    "    custom_headers = [ \"Connection: close\" ];\n"), 4,
	    "is set by pfxhttp itself" },
	{ "Authorization from defaults next to http_auth_basic",
	    "socket_maps = {\n  defaults = {\n"
	    "    custom_headers = [ \"Authorization: Bearer x\" ];\n  };\n"
	    "  demo = {\n" TARGET "    http_auth_basic = \"u:p\";\n"
	    "  };\n};\n", 3, "socket_maps.defaults: custom header Authorization"
	    " conflicts with http_auth_basic" },
	{ "entry header after defaults' headers is the entry's",
	    "socket_maps = {\n  defaults = {\n"
	    "    custom_headers = [ \"X-A: 1\" ];\n  };\n"
	    "  demo = {\n" TARGET "    custom_headers = [ \"Host: x\" ];\n"
	    "  };\n};\n", 7, "socket_maps.demo: custom header Host" },
	{ "http_auth_basic with backend_oidc_auth", SM(TARGET
	    "    http_auth_basic = \"u:p\";\n"
	    "    backend_oidc_auth = { enabled = true; client_id = \"c\";"
	    " configuration_uri = \"https://idp/.well-known/x\"; };\n"), 4,
	    "http_auth_basic and backend_oidc_auth exclude each other" },

	/* item 18: TLS settings without tls.enabled */
	{ "tls.root_ca without tls.enabled", "server = {\n  tls = {\n"
	    "    root_ca = \"/etc/hostname\";\n  };\n};\n", 3,
	    "server.tls.root_ca is ignored unless server.tls.enabled = true" },
	{ "tls.cert with tls.enabled = false", "server = {\n  tls = {\n"
	    "    enabled = false;\n    cert = \"/etc/hostname\";\n"
	    "    key = \"/etc/hostname\";\n  };\n};\n", 4,
	    "server.tls.cert is ignored unless" },
	{ "tls.skip_verify without tls.enabled", "server = {\n  tls = {\n"
	    "    skip_verify = true;\n  };\n};\n", 3,
	    "server.tls.skip_verify is ignored unless" },
	{ "tls.root_ca with tls.enabled", "server = { tls = { enabled = true;"
	    " root_ca = \"/etc/hostname\"; }; };\n", 0, NULL },

	/* item 21: nothing to load */
	{ "empty file", "", -1, "the configuration is empty" },
	{ "comments only", "# nothing yet\n", -1, "the configuration is empty" },
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

/* attr_bits - cache_attrs bits of the named attributes (NULL ends) */

static unsigned long long
attr_bits(const char *name, ...)
{
	unsigned long long bits = 0;
	unsigned int i;
	va_list	 ap;

	va_start(ap, name);
	for (; name != NULL; name = va_arg(ap, const char *))
		for (i = 0; i < kind_policy.nattrs; i++)
			if (strcmp(kind_policy.attrs[i], name) == 0)
				bits |= 1ULL << i;
	va_end(ap);
	return (bits);
}

static int
has_warning(const struct conf *c, const char *what)
{
	size_t	 i;

	for (i = 0; c != NULL && i < c->nwarnings; i++)
		if (strstr(c->warnings[i], what) != NULL)
			return (1);
	return (0);
}

static struct conf *
load_mode(size_t i, const char *text, mode_t mode, int flags, char *err,
    size_t errlen, char **pathp)
{
	char	*path = write_conf(i, text);

	*pathp = path;
	err[0] = '\0';
	if (path == NULL || chmod(path, mode) != 0)
		return (NULL);
	return (conf_load(path, flags, err, errlen));
}

static void
perms(const char *d)
{
	const struct conf_entry *e;
	struct conf *c;
	char	 err[1024], secret[256], text[1024], *path;
	FILE	*f;

	c = load_mode(80, SM(TARGET "    auth_token = \"t0ken\";\n"), 0644, 0,
	    err, sizeof(err), &path);
	ok(c != NULL && has_warning(c, "holds auth_token and is readable by"
	    " anyone"), "auth_token in a 0644 file: loads with a warning");
	conf_free(c);
	c = load_mode(80, SM(TARGET "    http_auth_basic = \"u:p\";\n"), 0640,
	    0, err, sizeof(err), &path);
	ok(c != NULL && c->nwarnings == 0, "http_auth_basic in a 0640 file:"
	    " no warning");
	conf_free(c);
	c = load_mode(80, SM(TARGET "    http_auth_basic = \"u:p\";\n"), 0604,
	    0, err, sizeof(err), &path);
	ok(c != NULL && has_warning(c, "holds http_auth_basic"),
	    "http_auth_basic in a 0604 file: a warning");
	conf_free(c);
	c = load_mode(80, SM(TARGET), 0644, 0, err, sizeof(err), &path);
	ok(c != NULL && c->nwarnings == 0, "no secret in a 0644 file: no"
	    " warning");
	conf_free(c);
	c = load_mode(80, "tcp_tables = { t = { target = \"http://h/t\";"
	    " method = \"GET\"; auth_token = \"x\"; }; };\n", 0600, 0, err,
	    sizeof(err), &path);
	ok(c != NULL && has_warning(c, "every local user can connect"),
	    "credentials on a tcp_tables entry: a warning");
	conf_free(c);
	c = load_mode(80, SM(TARGET), 0646, 0, err, sizeof(err), &path);
	ok(c == NULL && strstr(err, "writable by anyone") != NULL,
	    "a configuration others can write is refused (%s)", err);
	c = load_mode(80, SM(TARGET), 0664, 0, err, sizeof(err), &path);
	ok(c != NULL && has_warning(c, "writable by its group"),
	    "a group-writable configuration: loads with a warning");
	conf_free(c);
	unlink(path);

	snprintf(secret, sizeof(secret), "%s/secret", d);
	if ((f = fopen(secret, "w")) != NULL) {
		fputs("s3cret\n", f);
		fclose(f);
	}
	snprintf(text, sizeof(text), SM(TARGET
	    "    backend_oidc_auth = { enabled = true; client_id = \"c\";"
	    " client_secret_file = \"%s\";"
	    " configuration_uri = \"https://idp/.well-known/x\"; };\n"),
	    secret);
	(void)chmod(secret, 0606);
	c = load_mode(81, text, 0600, CONF_SECRETS, err, sizeof(err), &path);
	ok(c == NULL && strstr(err, "client_secret_file") != NULL &&
	    strstr(err, "is writable by anyone") != NULL,
	    "tokend: a secret file others can write is refused (%s)", err);
	c = load_mode(81, text, 0600, 0, err, sizeof(err), &path);
	ok(c == NULL && strstr(err, "is writable by anyone") != NULL,
	    "spawn: the same is refused (%s)", err);
	(void)chmod(secret, 0604);
	c = load_mode(81, text, 0600, CONF_SECRETS, err, sizeof(err), &path);
	ok(c != NULL && has_warning(c, "client_secret_file") &&
	    has_warning(c, "is readable by anyone"),
	    "tokend: a secret file others can read: a warning (%s)", err);
	conf_free(c);
	(void)chmod(secret, 0600);
	c = load_mode(81, text, 0600, CONF_SECRETS, err, sizeof(err), &path);
	ok(c != NULL && c->nwarnings == 0, "a 0600 secret file: no warning"
	    " (%s)", err);
	conf_free(c);
	unlink(path);
	unlink(secret);

	/* an inline client_secret: tokend keeps it, spawn drops it */
	snprintf(text, sizeof(text), SM(TARGET
	    "    backend_oidc_auth = { enabled = true; client_id = \"c\";"
	    " client_secret = \"inl1ne\";"
	    " configuration_uri = \"https://idp/.well-known/x\"; };\n"));
	c = load_mode(82, text, 0600, CONF_SECRETS, err, sizeof(err), &path);
	e = entry(c, KIND_SOCKETMAP, "demo");
	ok(e != NULL && e->backend_oidc_auth.client_secret != NULL &&
	    strcmp(e->backend_oidc_auth.client_secret, "inl1ne") == 0,
	    "tokend (CONF_SECRETS) keeps an inline client_secret (%s)", err);
	conf_free(c);
	c = load_mode(82, text, 0600, 0, err, sizeof(err), &path);
	e = entry(c, KIND_SOCKETMAP, "demo");
	ok(e != NULL && e->backend_oidc_auth.client_secret == NULL,
	    "spawn (no CONF_SECRETS) holds no client_secret (%s)", err);
	conf_free(c);
	unlink(path);
}

static void
relative(const char *d)
{
	const struct conf_entry *e;
	struct conf *c;
	char	 err[1024], want[512], sub[256], cwd[1024], *path;
	FILE	*f;

	snprintf(sub, sizeof(sub), "%s/sub", d);
	(void)mkdir(sub, 0700);
	snprintf(want, sizeof(want), "%s/sub/secret", d);
	if ((f = fopen(want, "w")) != NULL) {
		fputs("s3cret\n", f);
		fclose(f);
	}
	(void)chmod(want, 0600);
	path = write_conf(82, SM(TARGET
	    "    backend_oidc_auth = { enabled = true; client_id = \"c\";"
	    " client_secret_file = \"sub/secret\";"
	    " configuration_uri = \"https://idp/.well-known/x\"; };\n"));
	if (getcwd(cwd, sizeof(cwd)) == NULL || chdir("/") != 0)
		return;
	/* from "/", "sub/secret" exists only next to the configuration */
	c = path != NULL ? conf_load(path, CONF_SECRETS, err, sizeof(err)) :
	    NULL;
	e = entry(c, KIND_SOCKETMAP, "demo");
	ok(e != NULL && strcmp(e->backend_oidc_auth.client_secret_file,
	    want) == 0, "relative client_secret_file is made absolute against"
	    " the configuration's directory (%s)", c != NULL ?
	    e->backend_oidc_auth.client_secret_file : err);
	conf_free(c);
	/* a relative configuration path becomes absolute */
	if (chdir(d) == 0) {
		c = conf_load("case82.conf", CONF_SECRETS, err, sizeof(err));
		snprintf(want, sizeof(want), "%s/case82.conf", d);
		ok(c != NULL && strcmp(c->file, want) == 0,
		    "relative -c path: conf->file is absolute (%s)", c != NULL ?
		    c->file : err);
		e = entry(c, KIND_SOCKETMAP, "demo");
		snprintf(want, sizeof(want), "%s/sub/secret", d);
		ok(e != NULL && strcmp(e->backend_oidc_auth.client_secret_file,
		    want) == 0, "relative config, relative secret: absolute");
		conf_free(c);
	}
	(void)chdir(cwd);
	unlink(path);
	unlink(want);
	rmdir(sub);
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
			if (cases[i].line < 0)
				snprintf(want, sizeof(want), "%s: ", path);
			else
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

	/* item 22: value_field = "" unsets a default */
	c = load(95,
	    "socket_maps = {\n"
	    "  defaults = { value_field = \"data.result\"; };\n"
	    "  a = { target = \"http://127.0.0.1:9/a\"; };\n"
	    "  b = { target = \"http://127.0.0.1:9/b\"; value_field = \"\"; };\n"
	    "};\n", err, sizeof(err), &path);
	e = entry(c, KIND_SOCKETMAP, "a");
	ok(e != NULL && e->value_jp != NULL, "a: value_field from defaults");
	e = entry(c, KIND_SOCKETMAP, "b");
	ok(e != NULL && e->value_field == NULL && e->value_jp == NULL,
	    "b: value_field = \"\" unsets the default (%s)", err);
	conf_free(c);
	unlink(path);

	/* item 2: the policy cache key covers what the backend sees */
	c = load(94,
	    "policy_services = {\n"
	    "  dflt = { target = \"http://127.0.0.1:9/p\"; };\n"
	    "  get = { target = \"http://127.0.0.1:9/p\"; method = \"GET\"; };\n"
	    "  tget = { target = \"http://127.0.0.1:9/p/{{ .recipient }}\";"
	    " method = \"GET\"; payload = \"{{ .sender }}\"; };\n"
	    "  tpost = { target = \"http://127.0.0.1:9/p/{{ .recipient }}\";"
	    " payload = \"{\\\"s\\\": \\\"{{ .sender }}\\\"}\";"
	    " custom_headers = [ \"X-C: {{ .ccert_fingerprint }}\" ]; };\n"
	    "  key = { target = \"http://127.0.0.1:9/p\";"
	    " payload = \"{\\\"a\\\": {{ .Key }}, \\\"r\\\": \\\"{{ .recipient }}\\\"}\"; };\n"
	    "  list = { target = \"http://127.0.0.1:9/p\";"
	    " cache_key_attributes = [ \"recipient\" ]; };\n"
	    "};\n", err, sizeof(err), &path);
	ok(c != NULL, "cache key config loads (%s)", err);
	e = entry(c, KIND_POLICY, "dflt");
	ok(e != NULL && e->cache_all_attrs,
	    "default payload ({{ .Key }}): every attribute");
	e = entry(c, KIND_POLICY, "get");
	ok(e != NULL && e->cache_all_attrs, "GET query: every attribute");
	e = entry(c, KIND_POLICY, "tget");
	ok(e != NULL && !e->cache_all_attrs && e->cache_attrs ==
	    attr_bits("recipient", NULL),
	    "templated GET: the target's attributes, not the unsent payload's");
	e = entry(c, KIND_POLICY, "tpost");
	ok(e != NULL && !e->cache_all_attrs && e->cache_attrs ==
	    attr_bits("recipient", "sender", "ccert_fingerprint", NULL),
	    "templated POST: target, payload and header attributes");
	e = entry(c, KIND_POLICY, "key");
	ok(e != NULL && e->cache_all_attrs, "{{ .Key }} anywhere: every"
	    " attribute");
	e = entry(c, KIND_POLICY, "list");
	ok(e != NULL && !e->cache_all_attrs && e->cache_attrs ==
	    attr_bits("recipient", NULL), "cache_key_attributes: as listed");
	conf_free(c);
	unlink(path);

	/* item 4: modes of the configuration and of secret files */
	perms(dir);

	/* item 17: relative file names are relative to the config's dir */
	relative(dir);

	/* a file that cannot be read */
	snprintf(want, sizeof(want), "%s/missing.conf", dir);
	c = conf_load(want, 0, err, sizeof(err));
	ok(c == NULL && strncmp(err, want, strlen(want)) == 0,
	    "missing file: \"%s\"", err);
	rmdir(dir);
	return (done_testing());
}
