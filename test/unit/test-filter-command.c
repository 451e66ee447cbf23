/*
 * test-filter-command.c - the command verdict, exit status by exit status:
 * real filter programs (test/unit/filters/, POSIX sh) run on a spooled message,
 * their environment and descriptors checked exactly, and after every run
 * no process of the filter's group left and no child unreaped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "clock.h"
#include "conf.h"
#include "filter_command.h"
#include "t.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char	 dir[] = "/tmp/test-filter-command.XXXXXX";
static char	 email[256], outfile[256], pidfile[256], dump[256];
static char	 filters[512];
static char	 pidfile_env[300], dump_env[300];
static const char *const rcpts[] = { "alice@example.com", "bob@example.org" };

static const char *
script(const char *name)
{
	static char p[2][768];
	static int i;

	i = !i;
	snprintf(p[i], sizeof(p[i]), "%s/%s", filters, name);
	return (p[i]);
}

static void
write_file(const char *path, const char *s, int mode)
{
	int	 fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	close(fd);
}

/* read_file - a small file as a string, or "" */

static char *
read_file(const char *path, char *buf, size_t len)
{
	ssize_t	 n = 0, r;
	int	 fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return (buf);
	while (n < (ssize_t)len - 1 && (r = read(fd, buf + n, len - 1 -
	    (size_t)n)) > 0)
		n += r;
	buf[n] = '\0';
	close(fd);
	return (buf);
}

static pid_t
read_pid(const char *path)
{
	char	 b[32];

	return ((pid_t)strtol(read_file(path, b, sizeof(b)), NULL, 10));
}

/* group_gone - no process of the group is left, not even a zombie */

static int
group_gone(pid_t pgid)
{
	return (pgid > 1 && kill(-pgid, 0) == -1 && errno == ESRCH);
}

static int
no_children(void)
{
	return (waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
}

/* open_fds - how many descriptors this process has open */

static int
open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return (n);
}

static const struct filter_msg msg = {
	.email_path = email,
	.outfile_path = outfile,
	.sender = "sender@example.net",
	.rcpts = rcpts,
	.nrcpts = 2,
	.client_address = "192.0.2.1",
	.client_name = "client.example.net",
	.helo = "helo.example.net",
};

/* run - the command argv with the extra environment, a fresh OUTFILE */

static long long
run_msg(const char *const *argv, size_t argc, const char *const *env,
    size_t nenv, long long timeout_ms, int watch_fd,
    const struct filter_msg *m, struct filter_result *res)
{
	struct conf_entry e;
	long long start;

	write_file(outfile, "", 0600);
	unlink(pidfile);
	memset(&e, 0, sizeof(e));
	e.command = (char **)argv;
	e.ncommand = argc;
	e.environment = (char **)env;
	e.nenvironment = nenv;
	e.timeout_ms = timeout_ms;
	start = clock_ms();
	filter_command_run(&e, m, start + timeout_ms, watch_fd, res);
	return (clock_ms() - start);
}

static long long
run(const char *prog, long long timeout_ms, struct filter_result *res)
{
	const char *argv[] = { prog };
	const char *env[] = { pidfile_env };

	return (run_msg(argv, 1, env, 1, timeout_ms, -1, &msg, res));
}

static void
test_verdicts(void)
{
	static const struct {
		const char	*script;
		enum filter_verdict v;
		const char	*reply;
		const char	*why;
	} cases[] = {
		{ "accept.sh", FV_ACCEPT, "", "exit status 0" },
		{ "replace.sh", FV_REPLACE, "", "exit status 0, OUTFILE 28 bytes" },
		{ "reject-code.sh", FV_REJECT, "550 5.7.1 spam", "exit status 1" },
		{ "reject-text.sh", FV_REJECT, "554 5.7.1 virus found",
		    "exit status 1" },
		{ "reject-250.sh", FV_REJECT, "554 5.7.1 250 pretend ok",
		    "exit status 1" },
		{ "reject-silent.sh", FV_REJECT,
		    "554 5.7.1 Message content rejected", "exit status 1" },
		{ "fail.sh", FV_FAILED, "",
		    "exit status 2: clamd: cannot connect" },
		{ "signal.sh", FV_FAILED, "", "killed by signal 9" },
	};
	struct filter_result res;
	char	 b[256];
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++) {
		run(script(cases[i].script), 10000, &res);
		is_int(res.v, cases[i].v, "%s: verdict", cases[i].script);
		is_str(res.reply, cases[i].reply, "%s: reply", cases[i].script);
		is_str(res.why, cases[i].why, "%s: why", cases[i].script);
		ok(no_children(), "%s: no child left", cases[i].script);
	}
	run(script("replace.sh"), 10000, &res);
	is_str(read_file(outfile, b, sizeof(b)),
	    "Subject: replaced\n\nnew body\n", "the replacement is in OUTFILE");
	/* the caller must open OUTFILE again by name: this is a new inode */
	run(script("replace-mv.sh"), 10000, &res);
	ok(res.v == FV_REPLACE && strcmp(read_file(outfile, b, sizeof(b)),
	    "Subject: renamed\n\nnew body\n") == 0,
	    "a file renamed over OUTFILE replaces");
	run(script("replace-link.sh"), 10000, &res);
	ok(res.v == FV_FAILED && strcmp(res.why, "exit status 0, but OUTFILE"
	    " is no longer a regular file") == 0, "OUTFILE a symlink: failed");
	unlink(outfile);
}

/* test_replies - exit 1: what each stderr text becomes as a reply */

static void
test_replies(void)
{
	static const struct {
		const char	*stderr_text;	/* printf %b escapes */
		const char	*reply;
	} cases[] = {
		{ "550 5.7.1 spam\\n", "550 5.7.1 spam" },
		{ "550 5.7.1 crlf\\r\\n", "550 5.7.1 crlf" },
		{ "550 spam\\n", "550 5.7.1 spam" },
		{ "450 try later\\n", "450 4.7.1 try later" },
		{ "550", "550 5.7.1 Message content rejected" },
		{ "550 5.7.1", "550 5.7.1" },
		{ "421 4.3.0 going down\\n", "421 4.3.0 going down" },
		{ "virus found\\n", "554 5.7.1 virus found" },
		{ "250 pretend ok\\n", "554 5.7.1 250 pretend ok" },
		{ "250 2.0.0 pretend ok", "554 5.7.1 250 2.0.0 pretend ok" },
		{ "354 go ahead\\n", "554 5.7.1 354 go ahead" },
		{ "550-multi\\n550 line\\n", "550 5.7.1 line" },
		{ "550-multi\\n", "554 5.7.1 550-multi" },
		{ "5500 five digits\\n", "554 5.7.1 5500 five digits" },
		{ "55 short\\n", "554 5.7.1 55 short" },
		{ "first\\nsecond\\n\\n   \\n\\t\\n", "554 5.7.1 second" },
		{ "one\\rtwo\\n", "554 5.7.1 two" },
		{ "  550 5.7.1 indented  \\n", "550 5.7.1 indented" },
		{ "550 5.7.1 bad\\0001\\0033[31mbyte\\t\\0377 end\\n",
		    "550 5.7.1 bad??[31mbyte ? end" },
		{ "550 5.7.1 caf\\0303\\0251\\n", "550 5.7.1 caf??" },
		{ "", "554 5.7.1 Message content rejected" },
		{ "\\n\\n\\r\\n", "554 5.7.1 Message content rejected" },
		{ "no newline at the end", "554 5.7.1 no newline at the end" },
	};
	const char *argv[] = { script("reject-with.sh") };
	char	 env[256], *big, want[600];
	const char *envv[] = { env };
	struct filter_result res;
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++) {
		snprintf(env, sizeof(env), "REPLY=%s", cases[i].stderr_text);
		run_msg(argv, 1, envv, 1, 10000, -1, &msg, &res);
		ok(res.v == FV_REJECT && strcmp(res.reply, cases[i].reply) ==
		    0, "stderr \"%s\" -> \"%s\"", cases[i].stderr_text,
		    cases[i].reply);
		if (strcmp(res.reply, cases[i].reply) != 0)
			printf("#   got \"%s\" (%s)\n", res.reply, res.why);
	}
	/* a 2000-byte line: cut to a 510-byte reply, 512 with CRLF */
	big = malloc(2100);
	memcpy(big, "REPLY=", 6);
	memset(big + 6, 'x', 2000);
	big[2006] = '\0';
	envv[0] = big;
	run_msg(argv, 1, envv, 1, 10000, -1, &msg, &res);
	memcpy(want, "554 5.7.1 ", 10);
	memset(want + 10, 'x', 500);
	want[510] = '\0';
	is_int(strlen(res.reply), 510, "a long line: a 510-byte reply");
	is_str(res.reply, want, "a long line: its first bytes, prefixed");
	free(big);
}

/* test_timeout - a filter that never exits, killed with its children */

static void
test_timeout(void)
{
	struct filter_result res;
	long long took;
	pid_t	 pgid;

	took = run(script("hang.sh"), 1000, &res);
	pgid = read_pid(pidfile);
	is_int(res.v, FV_FAILED, "hang: failed");
	is_str(res.why, "timed out after 1s: still scanning", "hang: why");
	ok(took >= 1000 && took < 1500, "hang: returned at the deadline"
	    " (%lld ms)", took);
	ok(group_gone(pgid), "hang: no process of group %d remains",
	    (int)pgid);
	ok(no_children(), "hang: no child unreaped");

	took = run(script("hang.sh"), 250, &res);
	is_str(res.why, "timed out after 250ms: still scanning",
	    "hang: a 250 ms deadline");
	ok(group_gone(read_pid(pidfile)), "hang: that group is gone too");
}

/* test_daemon - a daemon left in the group dies with the message */

static void
test_daemon(void)
{
	struct filter_result res;
	char	 dpid[300];
	pid_t	 pgid, d;

	run(script("daemon.sh"), 10000, &res);
	pgid = read_pid(pidfile);
	snprintf(dpid, sizeof(dpid), "%s.daemon", pidfile);
	d = read_pid(dpid);
	is_int(res.v, FV_ACCEPT, "daemon: the leader's exit 0 accepts");
	ok(d > 1 && kill(d, 0) == -1 && errno == ESRCH,
	    "daemon: its sleeping child %d is gone", (int)d);
	ok(group_gone(pgid), "daemon: no process of group %d remains",
	    (int)pgid);
	ok(no_children(), "daemon: no child unreaped");
}

/* test_noisy - 10 MB of stderr: no hang, the last line kept */

static void
test_noisy(void)
{
	struct filter_result res;
	long long took;

	took = run(script("noisy.sh"), 20000, &res);
	is_int(res.v, FV_REJECT, "noisy: rejected");
	is_str(res.reply, "550 5.7.1 after noise", "noisy: the last line"
	    " (%lld ms)", took);
}

/* env_check - the dump holds exactly want (in any order) and sh's own */

static void
env_check(const char *tag, const char *const *want, size_t nwant)
{
	static char b[256 * 1024];
	char	*line, *save = NULL;
	size_t	 i, found = 0;
	int	 stray = 0, seen;

	read_file(dump, b, sizeof(b));
	for (line = strtok_r(b, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		seen = 0;
		for (i = 0; i < nwant; i++)
			if (strcmp(line, want[i]) == 0)
				seen = 1;
		if (seen)
			found++;
		else if (strncmp(line, "PWD=", 4) != 0 &&
		    strncmp(line, "OLDPWD=", 7) != 0 &&
		    strncmp(line, "SHLVL=", 6) != 0 &&
		    strncmp(line, "_=", 2) != 0) {
			printf("#   unexpected: %.200s\n", line);
			stray = 1;
		}
	}
	is_int(found, nwant, "%s: every variable, with its value", tag);
	ok(!stray, "%s: nothing else", tag);
}

/*
 * fd_check - the filter's descriptors: /dev/null, /dev/null, a pipe; and
 * what a program it runs inherits: those and nothing else (ls's own
 * directory is its fd 3)
 */

static void
fd_check(void)
{
	static char b[16384];
	char	 path[300], *line, *save = NULL, *arrow;
	int	 fd, stray = 0, n = 0;

	snprintf(path, sizeof(path), "%s.std", dump);
	read_file(path, b, sizeof(b));
	ok(strncmp(b, "0 /dev/null\n1 /dev/null\n2 pipe:[", 30) == 0,
	    "fds: stdin and stdout /dev/null, stderr a pipe");
	snprintf(path, sizeof(path), "%s.fd", dump);
	read_file(path, b, sizeof(b));
	for (line = strtok_r(b, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((arrow = strstr(line, " -> ")) == NULL)
			continue;	/* "total 0" */
		*arrow = '\0';
		fd = (int)strtol(strrchr(line, ' ') + 1, NULL, 10);
		arrow += 4;
		n++;
		if (fd > 3 || (fd == 3 && strncmp(arrow, "/proc/", 6) != 0)) {
			printf("#   fd %d -> %s\n", fd, arrow);
			stray = 1;
		}
	}
	ok(n == 4 && !stray, "fds: nothing else is open (the test holds a"
	    " socket and a file)");
}

/* env_get - the value of NAME in an env(1) dump, or NULL */

static const char *
env_get(const char *dumped, const char *name, size_t *len)
{
	size_t	 nl = strlen(name);
	const char *p = dumped;

	for (;;) {
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			*len = strcspn(p + nl + 1, "\n");
			return (p + nl + 1);
		}
		if ((p = strchr(p, '\n')) == NULL)
			return (NULL);
		p++;
	}
}

static void
test_environment(void)
{
	static char many[1000][128];
	const char *manyp[1000];
	char	 email_v[300], outfile_v[300], long_name[400];
	char	 helo_v[300], name_v[300], *rv;
	const char *argv[] = { script("env.sh") };
	const char *extra[] = { dump_env, "EMAIL=/etc/passwd", "FOO=1",
	    "REMOTEIP=10.0.0.1", "FOO=2", "LANG=C.UTF-8" };
	const char *extra_path[] = { dump_env, "PATH=/opt/filter/bin:/bin" };
	struct filter_msg m = msg;
	struct filter_result res;
	int	 sv[2], leak;
	size_t	 i, len;

	snprintf(email_v, sizeof(email_v), "EMAIL=%s", email);
	snprintf(outfile_v, sizeof(outfile_v), "OUTFILE=%s", outfile);

	/* descriptors the filter must not see: a socket and a file */
	ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "a socketpair");
	leak = open(email, O_RDONLY);
	run_msg(argv, 1, extra, NELEM(extra), 10000, -1, &msg, &res);
	is_int(res.v, FV_ACCEPT, "env: accepted");
	{
		const char *want[] = {
			"PATH=/usr/local/bin:/usr/bin:/bin", email_v, outfile_v,
			"SENDER=sender@example.net",
			"RECIPIENT=alice@example.com",
			"RECIPIENTS=alice@example.com,bob@example.org",
			"RECIPIENTCOUNT=2", "CLIENT_ADDRESS=192.0.2.1",
			"REMOTEIP=192.0.2.1",
			"CLIENT_NAME=client.example.net",
			"HELO=helo.example.net", dump_env, "FOO=2",
			"LANG=C.UTF-8",
		};
		env_check("env", want, NELEM(want));
	}
	fd_check();
	close(sv[0]);
	close(sv[1]);
	close(leak);

	/* the entry may set PATH */
	run_msg(argv, 1, extra_path, NELEM(extra_path), 10000, -1, &msg, &res);
	{
		const char *want[] = {
			"PATH=/opt/filter/bin:/bin", email_v, outfile_v,
			"SENDER=sender@example.net",
			"RECIPIENT=alice@example.com",
			"RECIPIENTS=alice@example.com,bob@example.org",
			"RECIPIENTCOUNT=2", "CLIENT_ADDRESS=192.0.2.1",
			"REMOTEIP=192.0.2.1",
			"CLIENT_NAME=client.example.net",
			"HELO=helo.example.net", dump_env,
		};
		env_check("env, own PATH", want, NELEM(want));
	}

	/* hostile values: control bytes, overlong, a UTF-8 character cut */
	memset(long_name, 'n', 254);
	memcpy(long_name + 254, "\xc3\xa9tail", 7);	/* é at 254..255 */
	m.sender = "";
	m.nrcpts = 0;
	m.helo = "evil\nINJECT=1\r\x1b[0m\x7f";
	m.client_name = long_name;
	m.client_address = NULL;
	run_msg(argv, 1, extra_path, 1, 10000, -1, &m, &res);
	snprintf(helo_v, sizeof(helo_v), "HELO=evil?INJECT=1??[0m?");
	snprintf(name_v, sizeof(name_v), "CLIENT_NAME=%.254s", long_name);
	{
		const char *want[] = {
			"PATH=/usr/local/bin:/usr/bin:/bin", email_v, outfile_v,
			"SENDER=", "RECIPIENT=", "RECIPIENTS=",
			"RECIPIENTCOUNT=0", "CLIENT_ADDRESS=", "REMOTEIP=",
			name_v, helo_v, dump_env,
		};
		env_check("env, hostile", want, NELEM(want));
	}

	/* 1000 recipients of 100 bytes: RECIPIENTS keeps whole addresses */
	for (i = 0; i < 1000; i++) {
		snprintf(many[i], sizeof(many[i]), "%090zu@x.example", i);
		manyp[i] = many[i];
	}
	m = msg;
	m.rcpts = manyp;
	m.nrcpts = 1000;
	run_msg(argv, 1, extra_path, 1, 10000, -1, &m, &res);
	{
		static char b[256 * 1024];
		const char *v;
		size_t	 n;

		read_file(dump, b, sizeof(b));
		rv = (char *)env_get(b, "RECIPIENTS", &len);
		ok(rv != NULL && len <= 65536 && len > 65000,
		    "many: RECIPIENTS is cut below 64 KiB (%zu bytes)", len);
		ok(rv != NULL && rv[len - 1] == 'e' && rv[len - 10] == '@' &&
		    rv[len - 101] == ',', "many: at a whole address");
		v = env_get(b, "RECIPIENTCOUNT", &n);
		ok(v != NULL && n == 4 && strncmp(v, "1000", 4) == 0,
		    "many: RECIPIENTCOUNT counts them all");
		v = env_get(b, "RECIPIENT", &n);
		ok(v != NULL && n == 100 && strncmp(v, many[0], 100) == 0,
		    "many: RECIPIENT is the first");
	}
}

/* test_cannot_run - a missing or non-executable program */

static void
test_cannot_run(void)
{
	char	 noexec[300], want[400];
	struct filter_result res;

	run("/nonexistent/filter", 10000, &res);
	is_int(res.v, FV_FAILED, "missing: failed");
	is_str(res.why, "cannot run /nonexistent/filter: No such file or"
	    " directory", "missing: why");

	snprintf(noexec, sizeof(noexec), "%s/noexec.sh", dir);
	write_file(noexec, "#!/bin/sh\nexit 0\n", 0600);
	run(noexec, 10000, &res);
	snprintf(want, sizeof(want), "cannot run %s: Permission denied",
	    noexec);
	is_int(res.v, FV_FAILED, "not executable: failed");
	if (geteuid() == 0 && res.v != FV_FAILED)
		printf("# root may execute a mode 0600 file on some systems\n");
	is_str(res.why, want, "not executable: why");
	ok(no_children(), "cannot run: no child left");
}

/* test_shell_form - a configured string is /bin/sh -c STRING */

static void
test_shell_form(void)
{
	const char *exit1[] = { "/bin/sh", "-c", "exit 1" };
	const char *code[] = { "/bin/sh", "-c",
	    "echo '550 5.7.1 from sh -c' >&2; exit 1" };
	const char *exit3[] = { "/bin/sh", "-c", "exit 3" };
	const char *notfound[] = { "/bin/sh", "-c", "no-such-filter-x" };
	struct filter_result res;

	run_msg(exit1, 3, NULL, 0, 10000, -1, &msg, &res);
	ok(res.v == FV_REJECT && strcmp(res.reply,
	    "554 5.7.1 Message content rejected") == 0, "sh -c 'exit 1'");
	run_msg(code, 3, NULL, 0, 10000, -1, &msg, &res);
	ok(res.v == FV_REJECT && strcmp(res.reply, "550 5.7.1 from sh -c") ==
	    0, "sh -c with a reply on stderr");
	run_msg(exit3, 3, NULL, 0, 10000, -1, &msg, &res);
	ok(res.v == FV_FAILED && strcmp(res.why, "exit status 3") == 0,
	    "sh -c 'exit 3': %s", res.why);
	run_msg(notfound, 3, NULL, 0, 10000, -1, &msg, &res);
	ok(res.v == FV_FAILED && strncmp(res.why, "exit status 127",
	    15) == 0, "sh -c with an unknown command: %s", res.why);
}

/* test_watch - the client going away ends the run; data alone does not */

static void
test_watch(void)
{
	const char *argv[] = { script("hang.sh") };
	const char *env[] = { pidfile_env };
	struct filter_result res;
	long long took;
	pid_t	 smtpd;
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	close(sv[1]);
	took = run_msg(argv, 1, env, 1, 10000, sv[0], &msg, &res);
	is_int(res.v, FV_FAILED, "gone: failed");
	is_str(res.why, "client went away", "gone: why");
	ok(took < 500, "gone: at once (%lld ms)", took);
	ok(no_children(), "gone: no child left");
	close(sv[0]);

	/* smtpd gives up while the filter runs */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	if ((smtpd = fork()) == 0) {
		close(sv[0]);
		usleep(300 * 1000);
		_exit(0);		/* closes sv[1] */
	}
	close(sv[1]);
	took = run_msg(argv, 1, env, 1, 10000, sv[0], &msg, &res);
	waitpid(smtpd, NULL, 0);
	ok(res.v == FV_FAILED && strcmp(res.why, "client went away") == 0,
	    "gone later: failed, client went away");
	ok(took >= 250 && took < 1000, "gone later: when it went (%lld ms)",
	    took);
	ok(group_gone(read_pid(pidfile)), "gone later: the filter's group"
	    " is gone");
	close(sv[0]);

	/* a byte waiting from smtpd is not a hangup */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return;
	if (write(sv[1], "x", 1) != 1)
		return;
	argv[0] = script("accept.sh");
	run_msg(argv, 1, env, 1, 10000, sv[0], &msg, &res);
	is_int(res.v, FV_ACCEPT, "pending data: the verdict stands");
	close(sv[0]);
	close(sv[1]);
}

/* test_edges - no command, no time, an ignored SIGCHLD */

static void
test_edges(void)
{
	struct conf_entry e;
	struct filter_result res;
	struct sigaction ign, old;

	memset(&e, 0, sizeof(e));
	filter_command_run(&e, &msg, clock_ms() + 1000, -1, &res);
	ok(res.v == FV_FAILED && strcmp(res.why, "no command") == 0,
	    "no command: failed");
	{
		const char *argv[] = { script("accept.sh") };

		e.command = (char **)argv;
		e.ncommand = 1;
		filter_command_run(&e, &msg, clock_ms() - 1, -1, &res);
		ok(res.v == FV_FAILED && strncmp(res.why, "no time left",
		    12) == 0, "a deadline already passed: %s", res.why);
	}
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &ign, &old);
	run(script("reject-code.sh"), 10000, &res);
	ok(res.v == FV_REJECT && strcmp(res.reply, "550 5.7.1 spam") == 0,
	    "SIGCHLD ignored: the exit status still seen");
	run(script("daemon.sh"), 10000, &res);
	ok(res.v == FV_ACCEPT && group_gone(read_pid(pidfile)),
	    "SIGCHLD ignored: the group still killed");
	sigaction(SIGCHLD, NULL, &ign);
	ok(ign.sa_handler == SIG_IGN, "SIGCHLD ignored again afterwards");
	sigaction(SIGCHLD, &old, NULL);
}

/*
 * no_pidfd - make pidfd_open() fail with ENOSYS (an old kernel) for the
 * rest of this process; 0 where the filter cannot be installed
 */

static int
no_pidfd(void)
{
#if defined(__x86_64__) && defined(SYS_pidfd_open)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { NELEM(f), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return (0);
	return (syscall(SYS_pidfd_open, getpid(), 0) < 0 && errno == ENOSYS);
#else
	return (0);
#endif
}

/* test_no_pidfd - the same contract without pidfds */

static void
test_no_pidfd(void)
{
	struct filter_result res;
	long long took;

	if (!no_pidfd()) {
		ok(1, "# SKIP no seccomp filter to hide pidfd_open");
		return;
	}
	run(script("reject-code.sh"), 10000, &res);
	ok(res.v == FV_REJECT && strcmp(res.reply, "550 5.7.1 spam") == 0,
	    "no pidfd: reject");
	run(script("accept.sh"), 10000, &res);
	is_int(res.v, FV_ACCEPT, "no pidfd: accept");
	took = run(script("hang.sh"), 500, &res);
	ok(res.v == FV_FAILED && took >= 500 && took < 1000 &&
	    group_gone(read_pid(pidfile)), "no pidfd: timeout (%lld ms)",
	    took);
	run(script("daemon.sh"), 10000, &res);
	ok(res.v == FV_ACCEPT && group_gone(read_pid(pidfile)),
	    "no pidfd: the daemon's group killed");
	run(script("noisy.sh"), 20000, &res);
	is_str(res.reply, "550 5.7.1 after noise", "no pidfd: noisy");
	ok(no_children(), "no pidfd: no child left");
}

int
main(void)
{
	const char *src = getenv("PFXHTTP_SRCDIR");
	int	 fds;

	snprintf(filters, sizeof(filters), "%s/test/unit/filters",
	    src != NULL ? src : "../..");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return (1);
	}
	snprintf(email, sizeof(email), "%s/email", dir);
	snprintf(outfile, sizeof(outfile), "%s/outfile", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	snprintf(dump, sizeof(dump), "%s/env", dir);
	snprintf(pidfile_env, sizeof(pidfile_env), "PIDFILE=%s", pidfile);
	snprintf(dump_env, sizeof(dump_env), "DUMP=%s", dump);
	write_file(email, "Subject: test\n\nbody\n", 0600);
	signal(SIGPIPE, SIG_IGN);	/* as pfxhttp-spawn: the child's default */
	fds = open_fds();

	test_verdicts();
	test_replies();
	test_timeout();
	test_daemon();
	test_noisy();
	test_environment();
	test_cannot_run();
	test_shell_form();
	test_watch();
	test_edges();
	test_no_pidfd();
	is_int(open_fds(), fds, "no descriptor left open by the runs");

	{
		char	 cmd[400];

		snprintf(cmd, sizeof(cmd), "%s/noexec.sh", dir);
		unlink(cmd);
	}
	unlink(email);
	unlink(outfile);
	unlink(pidfile);
	unlink(dump);
	{
		char	 p[300];

		snprintf(p, sizeof(p), "%s.fd", dump);
		unlink(p);
		snprintf(p, sizeof(p), "%s.std", dump);
		unlink(p);
		snprintf(p, sizeof(p), "%s.daemon", pidfile);
		unlink(p);
	}
	rmdir(dir);
	return (done_testing());
}
