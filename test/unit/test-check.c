/*
 * test-check.c - check backends: a reply line or an exec process's end
 * to a verdict (check.c), the program's environment, the back-off, and
 * what the configuration refuses for a command (file:line: reason)
 *
 * The entries come from a real configuration file, so the test goes
 * through the same compile step as pfxhttp-spawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "t.h"

#define C	" command = [ \"/bin/cat\" ];"

static const char config[] =
    "socket_maps = {\n"
    "  plain = {" C " };\n"
    "  json = {" C " value_field = \"value\"; error_field = \"error\"; };\n"
    "  env = {" C " environment = [ \"A=1\", \"PATH=/opt/bin\", \"A=2\" ];"
    " command_mode = \"exec\"; };\n"
    "};\n"
    "policy_services = {\n"
    "  pol = {" C " };\n"
    "};\n";

#define F	PFX_FOUND
#define NF	PFX_NOTFOUND
#define TF	PFX_TEMPFAIL

struct reply_case {
	const char	*entry;
	const char	*line;
	int		 verdict;
	const char	*text;		/* the value, or a prefix of the reason */
};

static const struct reply_case replies[] = {
	{ "plain", "OK", F, "OK" },
	{ "plain", "value with spaces  ", F, "value with spaces" },
	{ "plain", "", NF, "" },
	{ "plain", "   ", NF, "" },
	{ "plain", "\"a JSON string\"", F, "a JSON string" },
	{ "plain", "42", F, "42" },
	{ "plain", "null", NF, "" },
	{ "plain", "\"unterminated", TF, "unparseable" },
	{ "plain", "ctl\001byte", TF, "invalid value" },
	/* an object needs value_field: temporary, never permanent */
	{ "plain", "{\"value\":\"x\"}", TF, "backend value is not" },
	{ "json", "{\"value\":\"x\"}", F, "x" },
	{ "json", "  {\"value\":\"x\"}", F, "x" },
	{ "json", "{\"value\":null}", NF, "" },
	{ "json", "{}", NF, "" },
	{ "json", "{\"error\":\"boom\"}", TF, "backend reported an error: boom" },
	{ "json", "{\"error\":false,\"value\":\"ok\"}", F, "ok" },
	{ "json", "{\"value\":{\"deep\":1}}", TF, "backend value is not" },
	{ "json", "{\"value\":", TF, "unparseable" },
	/* a bare line is the value even where a field is configured */
	{ "json", "bare", F, "bare" },
	{ "pol", "REJECT not on the list", F, "REJECT not on the list" },
	{ "pol", "", NF, "" },
};

struct exit_case {
	const char	*entry;
	int		 status;	/* as waitpid() gives it */
	const char	*out;
	int		 verdict;
	const char	*text;
};

#define EXITED(n)	((n) << 8)
static const struct exit_case exits[] = {
	{ "plain", EXITED(0), "v\n", F, "v" },
	{ "plain", EXITED(0), "v\r\n", F, "v" },
	{ "plain", EXITED(0), "", NF, "" },
	{ "plain", EXITED(0), "two\nlines\n", TF, "invalid value" },
	{ "json", EXITED(0), "{\"value\":\"j\"}\n", F, "j" },
	{ "json", EXITED(0), "{\"error\":\"no\"}\n", TF, "backend reported" },
	{ "plain", EXITED(1), "ignored\n", NF, "" },
	{ "plain", EXITED(75), "", TF, "check failed temporarily (exit 75)" },
	{ "plain", EXITED(2), "", TF, "check failed (exit status 2)" },
	{ "plain", EXITED(127), "", TF, "check program did not run" },
	{ "plain", SIGKILL, "v\n", TF, "check killed by signal 9" },
};

/* refusals: a config, and the "FILE:LINE: reason" it must give */
struct refusal {
	const char	*conf;
	int		 line;
	const char	*why;
};

static const struct refusal refusals[] = {
	{ "socket_maps = {\n m = { target = \"http://x/\";\n"
	  " command = [ \"/bin/cat\" ]; };\n};\n", 3,
	  "socket_maps.m: set target (an HTTP backend) or command (a local"
	  " program), not both" },
	{ "socket_maps = {\n m = {\n command = \"/bin/cat -n\"; };\n};\n", 3,
	  "socket_maps.m: command must be a list" },
	{ "socket_maps = {\n m = {\n command = [ \"cat\" ]; };\n};\n", 3,
	  "socket_maps.m: command must start with an absolute path" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " environment = [ \"NOEQUALS\" ]; };\n};\n", 3,
	  "socket_maps.m: environment entries look like \"NAME=value\"" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " environment = [ \"BAD NAME=1\" ]; };\n};\n", 3,
	  "socket_maps.m: environment entries look like" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " environment = [ \"PFXHTTP_NAME=x\" ]; };\n};\n", 3,
	  "socket_maps.m: PFXHTTP_SECTION and PFXHTTP_NAME are set" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " command_mode = \"forking\"; };\n};\n", 3,
	  "socket_maps.m: command_mode must be \"persistent\"" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " max_processes = 1000; };\n};\n", 3,
	  "m.max_processes must be between 1 and 64" },
	{ "socket_maps = {\n m = { target = \"http://x/\";\n"
	  " command_mode = \"exec\"; };\n};\n", 2,
	  "socket_maps.m: set target (an HTTP backend) or command" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " auth_token = \"t\"; };\n};\n", 3,
	  "socket_maps.m: auth_token does not apply to a check (command)" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " custom_headers = [ \"X-A: b\" ]; };\n};\n", 3,
	  "socket_maps.m: custom_headers does not apply to a check" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " method = \"GET\"; };\n};\n", 3,
	  "socket_maps.m: method does not apply to a check" },
	{ "socket_maps = {\n m = { command = [ \"/bin/cat\" ];\n"
	  " error_is_permanent = true; };\n};\n", 3,
	  "socket_maps.m: error_is_permanent does not apply to a check" },
	{ "socket_maps = {\n m = { target = \"http://x/\";\n"
	  " environment = [ \"A=1\" ]; };\n};\n", 3,
	  "socket_maps.m: environment only applies to a command" },
	{ "smtp_filters = {\n f = { downstream = \"127.0.0.1:10026\";"
	  " command = [ \"/bin/cat\" ];\n command_mode = \"exec\"; };\n};\n",
	  3, "smtp_filters.f: command_mode does not apply to a command" },
};

static struct conf *
load(const char *text, char *err, size_t errlen)
{
	char	 dir[] = "/tmp/test-check.XXXXXX", path[256];
	struct conf *c;
	FILE	*f;

	if (mkdtemp(dir) == NULL)
		return (NULL);
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	c = conf_load(path, 0, err, errlen);
	unlink(path);
	rmdir(dir);
	return (c);
}

static const struct conf_entry *
entry(const struct conf *c, const char *name)
{
	const struct conf_entry *e = conf_find(c, KIND_SOCKETMAP, name);

	return (e != NULL ? e : conf_find(c, KIND_POLICY, name));
}

static void
want(const char *what, struct pfx_result *res, int verdict, const char *text)
{
	const struct buf *t = result_ctext(res);

	ok((int)res->verdict == verdict && (verdict == F ? strcmp(buf_str(
	    (struct buf *)t), text) == 0 : strncmp(buf_str((struct buf *)t),
	    text, strlen(text)) == 0), "%s -> %s \"%s\"", what,
	    verdict_name((enum pfx_verdict)verdict), text);
	if ((int)res->verdict != verdict)
		printf("#   got %s \"%s\"\n", verdict_name(res->verdict),
		    buf_str((struct buf *)t));
}

static int
has(char **v, const char *s)
{
	for (; *v != NULL; v++)
		if (strcmp(*v, s) == 0)
			return (1);
	return (0);
}

int
main(void)
{
	char	 err[1024], where[64], **env;
	const struct conf_entry *e;
	struct pfx_result res;
	struct conf *c;
	size_t	 i, n;

	c = load(config, err, sizeof(err));
	if (!ok(c != NULL, "configuration loads (%s)", c != NULL ? "" : err))
		return (done_testing());
	result_init(&res, 100000);
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_case *r = &replies[i];
		char	 what[200];

		e = entry(c, r->entry);
		check_map_reply(e, r->line, strlen(r->line), &res);
		snprintf(what, sizeof(what), "%s: reply '%s'", r->entry,
		    r->line);
		want(what, &res, r->verdict, r->text);
	}
	for (i = 0; i < sizeof(exits) / sizeof(exits[0]); i++) {
		const struct exit_case *x = &exits[i];
		char	 what[200];

		e = entry(c, x->entry);
		check_map_exit(e, x->status, x->out, strlen(x->out), &res);
		snprintf(what, sizeof(what), "%s: exec status %#x, stdout"
		    " %zu bytes", x->entry, (unsigned)x->status,
		    strlen(x->out));
		want(what, &res, x->verdict, x->text);
	}

	e = entry(c, "env");
	env = check_env(e);
	for (n = 0; env[n] != NULL; n++)
		;
	is_int(n, 4, "environment: 4 variables (A, PATH, PFXHTTP_*)");
	ok(has(env, "A=2") && !has(env, "A=1"), "the last A wins");
	ok(has(env, "PATH=/opt/bin") && !has(env, "PATH=" CHECK_PATH),
	    "the entry's PATH replaces the default");
	ok(has(env, "PFXHTTP_SECTION=socket_maps") &&
	    has(env, "PFXHTTP_NAME=env"), "PFXHTTP_SECTION, PFXHTTP_NAME");
	strv_free(env);
	env = check_env(entry(c, "plain"));
	ok(has(env, "PATH=" CHECK_PATH), "the default PATH");
	strv_free(env);
	is_int(e->command_exec, 1, "command_mode exec resolved");
	is_int(entry(c, "plain")->command_exec, 0, "persistent by default");
	is_int(entry(c, "plain")->max_processes, 2, "max_processes 2 by"
	    " default");

	is_int(check_backoff_ms(0), 0, "back-off: none before a failure");
	is_int(check_backoff_ms(1), 0, "back-off: none after one");
	is_int(check_backoff_ms(2), 100, "back-off: 100ms after two");
	is_int(check_backoff_ms(3), 200, "back-off: doubles");
	is_int(check_backoff_ms(8), 6400, "back-off: 6.4s after eight");
	is_int(check_backoff_ms(10), 10000, "back-off: at most 10s");
	is_int(check_backoff_ms(4000000000U), 10000, "back-off: at most 10s,"
	    " however many");
	ok(check_request_ok(W("{\"key\":\"a\\nb\"}")), "an escaped newline"
	    " may go");
	ok(!check_request_ok(W("a\nb")), "a raw newline may not");
	conf_free(c);
	result_free(&res);

	/* a program anyone may write is refused, not only warned about */
	{
		char	 dir[] = "/tmp/test-check-w.XXXXXX", prog[300], text[600];
		FILE	*f;

		if (mkdtemp(dir) != NULL) {
			snprintf(prog, sizeof(prog), "%s/prog", dir);
			if ((f = fopen(prog, "w")) != NULL) {
				fputs("#!/bin/sh\n", f);
				fclose(f);
			}
			chmod(prog, 0777);
			snprintf(text, sizeof(text), "socket_maps = {\n m = {\n"
			    " command = [ \"%s\" ]; };\n};\n", prog);
			c = load(text, err, sizeof(err));
			ok(c == NULL && strstr(err, ":3: socket_maps.m: the"
			    " program is writable by anyone") != NULL,
			    "refused: a program anyone may write");
			if (c != NULL)
				conf_free(c);
			else if (strstr(err, "writable by anyone") == NULL)
				printf("#   got: %s\n", err);
			unlink(prog);
			rmdir(dir);
		}
	}
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *r = &refusals[i];
		const char *colon;

		c = load(r->conf, err, sizeof(err));
		snprintf(where, sizeof(where), "t.conf:%d: ", r->line);
		colon = strstr(err, "t.conf:");
		ok(c == NULL && colon != NULL && strncmp(colon, where,
		    strlen(where)) == 0 && strncmp(colon + strlen(where),
		    r->why, strlen(r->why)) == 0, "refused: %s", r->why);
		if (c != NULL || colon == NULL || strncmp(colon + strlen(where),
		    r->why, strlen(r->why)) != 0)
			printf("#   got: %s\n", c != NULL ? "(accepted)" : err);
		conf_free(c);
	}
	return (done_testing());
}
