/*
 * filter_command.c - the command verdict: run an smtp_filters entry's
 * program on one spooled message (postprox's contract, done safely)
 *
 * SYNOPSIS
 *	#include "filter_command.h"
 *
 *	void filter_command_run(e, m, deadline_ms, watch_fd, res);
 *
 * DESCRIPTION
 *	The program e->command[0] is run with the arguments e->command
 *	(execve(), no PATH search; a configured string arrives here as
 *	/bin/sh -c STRING).  It reads the message from $EMAIL and may
 *	write a replacement to $OUTFILE.  Its exit status is the verdict:
 *
 *	0	FV_ACCEPT, or FV_REPLACE when $OUTFILE is no longer empty;
 *	1	FV_REJECT; the reply is the last non-empty stderr line when
 *		it starts with a 4xx or 5xx code and a space (or ends
 *		there), with an enhanced status code X.7.1 added when it
 *		has none; any other line, 2xx and 3xx included, gets
 *		"554 5.7.1 " in front, so a rejecting filter can never
 *		make smtpd report success; no line at all gives "554 5.7.1
 *		Message content rejected".  The text is made printable
 *		ASCII and cut to 510 bytes (a reply line is 512 with CRLF);
 *	other	FV_FAILED, as are a signal, a program that cannot be run,
 *		the deadline and the client going away.  What to do then
 *		(on_failure) is the caller's choice.
 *
 * ENVIRONMENT OF THE FILTER
 *	Only these, nothing inherited:
 *
 *	PATH		/usr/local/bin:/usr/bin:/bin (an entry may set it)
 *	EMAIL, OUTFILE	the two files
 *	SENDER		the bare envelope sender, empty for <> (postprox
 *			gave "<>")
 *	RECIPIENTS	the accepted recipients joined by ","; at most
 *			64 KiB of whole addresses: compare with
 *			RECIPIENTCOUNT to see a list that was cut (and
 *			a quoted local part may hold a comma itself)
 *	RECIPIENT	the first of them (postprox's name)
 *	RECIPIENTCOUNT	how many there are (all of them)
 *	CLIENT_ADDRESS	XFORWARD ADDR, NAME and HELO, empty when unknown
 *	CLIENT_NAME
 *	HELO
 *	REMOTEIP	CLIENT_ADDRESS again (postprox's name)
 *
 *	Every value that comes from SMTP has its control bytes replaced
 *	by '?' and is cut to 255 bytes (not inside a UTF-8 character).
 *	Then come the entry's "NAME=value" environment entries, the last
 *	of one name winning.  They may set PATH and anything else, but
 *	not one of the message variables above: such an entry is left
 *	out, so a filter can trust that $EMAIL is the message whatever
 *	the configuration says.
 *
 * PROCESS
 *	The filter is started by child_start() (lib/util/child.c): it runs
 *	in a process group of its own, stdin and stdout
 *	/dev/null, stderr a pipe read here (only the last line is kept,
 *	the rest drained so the filter never blocks on it), every other
 *	descriptor closed (the Postfix socket is this process's 0, 1 and
 *	2 and must never reach it), every signal at its default and none
 *	blocked.  Its exit is seen through a pidfd (pidfd_open()), or on
 *	a kernel without one by asking waitid() every 10 ms; no signal
 *	handler is installed.
 *
 *	When the program exits, at the deadline, and when the client goes
 *	away, its whole group is sent SIGKILL before the program itself is
 *	reaped: a daemon it left behind in the group does not outlive the
 *	message, and the group id cannot have been reused by then (the
 *	unreaped leader holds it).  For the run this process is a child
 *	subreaper, so the killed members come back to it and are reaped
 *	too: when filter_command_run() returns, no process of the group is
 *	left.  A process that leaves the group on purpose (setsid(),
 *	setpgid()) escapes; containing those takes a cgroup.  If it was
 *	orphaned meanwhile it is this process's child, a zombie after it
 *	ends until this process exits (one Postfix connection).
 *
 *	The caller must not reap children it did not fork (a SIGCHLD
 *	handler calling waitpid(-1)): the exit status would be lost, and
 *	the run then fails.  An ignored SIGCHLD (which reaps by itself)
 *	is set to the default for the run and restored afterwards.
 *
 * SECURITY
 *	Everything the child needs is built before fork(); between fork()
 *	and execve() it calls only async-signal-safe functions.  Nothing
 *	is written to fd 2.  The stderr text is the filter's and shown
 *	only as sanitised reply or log text.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "childenv.h"
#include "clock.h"
#include "filter_command.h"
#include "xalloc.h"

#define FILTER_PATH	"/usr/local/bin:/usr/bin:/bin"
#define VALUE_MAX	255		/* one SMTP value in the environment */
#define RCPTS_MAX	65536		/* RECIPIENTS, far below execve's 128 KiB */
#define LINE_KEEP	1000		/* of the last stderr line */
#define REPLY_MAX	510		/* RFC 5321 4.5.3.1.5: 512 with CRLF */
#define READ_CHUNK	4096		/* stack pages count as private memory */
#define DRAIN_MAX	(1024 * 1024)	/* per wakeup, and after the exit */
#define TICK_MS		10		/* waitid() polling without a pidfd */

/* The last non-empty stderr line, built as the bytes arrive. */
struct errline {
	char	 cur[LINE_KEEP];
	size_t	 curlen;
	int	 curblank;	/* only spaces and tabs so far */
	char	 last[LINE_KEEP];
	size_t	 lastlen;
};

struct run {
	struct child	 ch;		/* pid: the leader, also the group id */
	struct errline	 line;
};

enum run_end { END_EXITED, END_TIMEOUT, END_GONE, END_ERROR };

/* errline_feed - follow the lines of stderr, keeping the last one */

static void
errline_feed(struct errline *l, const char *p, size_t n)
{
	size_t	 i;
	char	 c;

	for (i = 0; i < n; i++) {
		c = p[i];
		if (c == '\n' || c == '\r') {
			if (l->curlen > 0 && !l->curblank) {
				memcpy(l->last, l->cur, l->curlen);
				l->lastlen = l->curlen;
			}
			l->curlen = 0;
			l->curblank = 1;
			continue;
		}
		if (c != ' ' && c != '\t')
			l->curblank = 0;
		if (l->curlen < sizeof(l->cur))
			l->cur[l->curlen++] = c;
	}
}

/* errline_end - a last line without a line end counts too */

static void
errline_end(struct errline *l)
{
	errline_feed(l, "\n", 1);
}

/* value_len - bytes of s that fit in max, not cutting a UTF-8 character */

static size_t
value_len(const char *s, size_t max)
{
	size_t	 n = strlen(s), k;

	if (n <= max)
		return (n);
	for (k = 0; k < 3 && max > 0 &&
	    ((unsigned char)s[max] & 0xc0) == 0x80; k++)
		max--;
	return (max);
}

/* value_copy - n bytes of SMTP text, control bytes made '?' */

static char *
value_copy(char *dst, const char *s, size_t n)
{
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		*dst++ = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	return (dst);
}

/* env_value - "NAME=value" with value sanitised and bounded */

static char *
env_value(const char *name, const char *val)
{
	size_t	 nl = strlen(name), vl;
	char	*s, *p;

	if (val == NULL)
		val = "";
	vl = value_len(val, VALUE_MAX);
	s = xmalloc(nl + 1 + vl + 1);
	memcpy(s, name, nl);
	s[nl] = '=';
	p = value_copy(s + nl + 1, val, vl);
	*p = '\0';
	return (s);
}

/* env_recipients - RECIPIENTS=a,b,...: whole addresses, 64 KiB at most */

static char *
env_recipients(const struct filter_msg *m)
{
	static const char name[] = "RECIPIENTS=";
	size_t	 i, n, total = 0, count;
	char	*s, *p;

	for (count = 0; count < m->nrcpts; count++) {
		n = value_len(m->rcpts[count] != NULL ? m->rcpts[count] : "",
		    VALUE_MAX);
		if (total + (count > 0) + n > RCPTS_MAX)
			break;
		total += (count > 0) + n;
	}
	s = xmalloc(sizeof(name) + total);
	memcpy(s, name, sizeof(name) - 1);
	p = s + sizeof(name) - 1;
	for (i = 0; i < count; i++) {
		const char *r = m->rcpts[i] != NULL ? m->rcpts[i] : "";

		if (i > 0)
			*p++ = ',';
		p = value_copy(p, r, value_len(r, VALUE_MAX));
	}
	*p = '\0';
	return (s);
}

/* env_build - the filter's whole environment, NULL-terminated */

static char **
env_build(const struct conf_entry *e, const struct filter_msg *m)
{
	struct childenv ce;
	char	 count[32];

	childenv_init(&ce, FILTER_NMSG_VARS);
	childenv_set(&ce, "EMAIL", m->email_path != NULL ? m->email_path : "");
	childenv_set(&ce, "OUTFILE", m->outfile_path != NULL ?
	    m->outfile_path : "");
	childenv_take(&ce, env_value("SENDER", m->sender));
	childenv_take(&ce, env_value("RECIPIENT", m->nrcpts > 0 ?
	    m->rcpts[0] : ""));
	childenv_take(&ce, env_recipients(m));
	snprintf(count, sizeof(count), "%zu", m->nrcpts);
	childenv_set(&ce, "RECIPIENTCOUNT", count);
	childenv_take(&ce, env_value("CLIENT_ADDRESS", m->client_address));
	childenv_take(&ce, env_value("REMOTEIP", m->client_address));
	childenv_take(&ce, env_value("CLIENT_NAME", m->client_name));
	childenv_take(&ce, env_value("HELO", m->helo));
	return (childenv_finish(&ce, e->environment, e->nenvironment,
	    FILTER_PATH));
}

/* run_drain - read stderr until it is empty for now, or max bytes */

static void
run_drain(struct run *r, size_t max)
{
	char	 b[READ_CHUNK];
	size_t	 got = 0;
	ssize_t	 n;

	while (r->ch.err_r >= 0 && got < max) {
		if ((n = read(r->ch.err_r, b, sizeof(b))) > 0) {
			errline_feed(&r->line, b, (size_t)n);
			got += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN) {
			break;
		} else {
			child_fd_close(&r->ch.err_r);	/* EOF, or unreadable */
		}
	}
}

/* run_wait - poll stderr, the exit, the client and the clock */

static enum run_end
run_wait(struct run *r, long long deadline_ms, int watch_fd, int *err)
{
	enum { P_ERR, P_STATUS, P_PID, P_WATCH, P_N };
	struct pollfd pfd[P_N];
	long long left;
	int	 timeout;

	for (;;) {
		if ((left = deadline_ms - clock_ms()) <= 0)
			return (END_TIMEOUT);
		timeout = left > INT_MAX ? INT_MAX : (int)left;
		if (r->ch.pidfd < 0 && timeout > TICK_MS)
			timeout = TICK_MS;
		pfd[P_ERR] = (struct pollfd){ r->ch.err_r, POLLIN, 0 };
		pfd[P_STATUS] = (struct pollfd){ r->ch.status_r, POLLIN, 0 };
		pfd[P_PID] = (struct pollfd){ r->ch.pidfd, POLLIN, 0 };
		/* EOF or hangup only: smtpd sends nothing while it waits */
		pfd[P_WATCH] = (struct pollfd){ watch_fd, POLLRDHUP, 0 };
		if (poll(pfd, P_N, timeout) < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			return (END_ERROR);
		}
		if (pfd[P_ERR].revents != 0)
			run_drain(r, DRAIN_MAX);
		if (pfd[P_STATUS].revents != 0)
			child_report(&r->ch);
		/* first: a verdict nobody waits for must not be acted on */
		if (pfd[P_WATCH].revents != 0)
			return (END_GONE);
		if (child_exited(&r->ch, pfd[P_PID].revents))
			return (END_EXITED);
	}
}

/* span_text - "30s", "1.5s", "250ms" */

static void
span_text(char *s, size_t len, long long ms)
{
	if (ms < 1000)
		snprintf(s, len, "%lldms", ms);
	else if (ms % 1000 == 0)
		snprintf(s, len, "%llds", ms / 1000);
	else
		snprintf(s, len, "%lld.%03llds", ms / 1000, ms % 1000);
	/* "1.500s" -> "1.5s" */
	if (strchr(s, '.') != NULL) {
		size_t	 n = strlen(s) - 1;	/* the 's' */

		while (n > 0 && s[n - 1] == '0') {
			memmove(s + n - 1, s + n, 2);
			n--;
		}
	}
}

/* printable - n bytes as printable ASCII: tabs spaces, the rest '?' */

static size_t
printable(char *dst, const char *p, size_t n)
{
	size_t	 i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		dst[i] = c == '\t' ? ' ' : c < 0x20 || c > 0x7e ? '?' :
		    (char)c;
	}
	dst[n] = '\0';
	return (n);
}

/* enhanced_code - does s start with "X.Y.Z" and a space or its end? */

static int
enhanced_code(const char *s)
{
	int	 part, digits;

	if (*s != '2' && *s != '4' && *s != '5')
		return (0);
	s++;
	for (part = 0; part < 2; part++) {
		if (*s++ != '.')
			return (0);
		for (digits = 0; *s >= '0' && *s <= '9'; s++)
			digits++;
		if (digits < 1 || digits > 3)
			return (0);
	}
	return (*s == ' ' || *s == '\0');
}

/* reject_reply - the SMTP reply for exit status 1 and its stderr line */

static void
reject_reply(const struct errline *l, char *out, size_t outlen)
{
	char	 t[LINE_KEEP + 1], *p = t;
	size_t	 n, cut = outlen - 1 < REPLY_MAX ? outlen - 1 : REPLY_MAX;

	n = printable(t, l->last, l->lastlen);
	while (n > 0 && p[n - 1] == ' ')
		p[--n] = '\0';
	while (*p == ' ')
		p++, n--;
	if (n == 0)
		snprintf(out, outlen, "554 5.7.1 Message content rejected");
	else if ((p[0] != '4' && p[0] != '5') || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || (p[3] != ' ' && p[3] != '\0'))
		snprintf(out, outlen, "554 5.7.1 %s", p);
	else if (p[3] == '\0')
		snprintf(out, outlen, "%s %c.7.1 Message content rejected",
		    p, p[0]);
	else if (enhanced_code(p + 4) && p[4] == p[0])
		snprintf(out, outlen, "%s", p);
	else if (enhanced_code(p + 4))
		/* "550 2.0.0 ...": the class must say what the code says */
		snprintf(out, outlen, "%.3s %c.7.1 %s", p, p[0],
		    p + 4 + strcspn(p + 4, " ") + (p[4 + strcspn(p + 4, " ")] ==
		    ' '));
	else
		snprintf(out, outlen, "%.3s %c.7.1 %s", p, p[0], p + 4);
	if (strlen(out) > cut)
		out[cut] = '\0';
}

/* why_line - ": <last stderr line>" after a failure's reason, if any */

static void
why_line(struct filter_result *res, const struct errline *l)
{
	size_t	 used = strlen(res->why), n = l->lastlen;

	if (n == 0 || used + 3 >= sizeof(res->why))
		return;
	if (n > sizeof(res->why) - used - 3)
		n = sizeof(res->why) - used - 3;
	memcpy(res->why + used, ": ", 2);
	printable(res->why + used + 2, l->last, n);
}

/* outfile_verdict - exit 0: was a replacement written? */

static void
outfile_verdict(const struct filter_msg *m, struct filter_result *res)
{
	struct stat st;

	if (m->outfile_path == NULL || lstat(m->outfile_path, &st) < 0) {
		if (m->outfile_path == NULL || errno == ENOENT) {
			res->v = FV_ACCEPT;	/* removed: nothing replaces */
			snprintf(res->why, sizeof(res->why), "exit status 0");
		} else {
			snprintf(res->why, sizeof(res->why), "exit status 0,"
			    " but OUTFILE: %s", strerror(errno));
		}
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(res->why, sizeof(res->why), "exit status 0, but"
		    " OUTFILE is no longer a regular file");
	} else if (st.st_size > 0) {
		res->v = FV_REPLACE;
		snprintf(res->why, sizeof(res->why), "exit status 0, OUTFILE"
		    " %lld bytes", (long long)st.st_size);
	} else {
		res->v = FV_ACCEPT;
		snprintf(res->why, sizeof(res->why), "exit status 0");
	}
}

/* run_verdict - what the end of the run means */

static void
run_verdict(const struct run *r, const struct conf_entry *e,
    const struct filter_msg *m, enum run_end end, long long span_ms,
    int err, struct filter_result *res)
{
	char	 span[32], prog[160];

	res->v = FV_FAILED;
	printable(prog, e->command[0], value_len(e->command[0],
	    sizeof(prog) - 1));
	switch (end) {
	case END_GONE:
		snprintf(res->why, sizeof(res->why), "client went away");
		return;
	case END_TIMEOUT:
		span_text(span, sizeof(span), span_ms);
		snprintf(res->why, sizeof(res->why), "timed out after %s",
		    span);
		why_line(res, &r->line);
		return;
	case END_ERROR:
		snprintf(res->why, sizeof(res->why), "poll: %s",
		    strerror(err));
		return;
	case END_EXITED:
		break;
	}
	if (r->ch.stage != CHILD_RAN) {
		snprintf(res->why, sizeof(res->why), "cannot %s %s: %s",
		    r->ch.stage == CHILD_EXEC ? "run" : "set up", prog,
		    strerror(r->ch.err));
	} else if (!r->ch.reaped) {
		snprintf(res->why, sizeof(res->why), "lost the exit status"
		    " of %s", prog);
	} else if (WIFSIGNALED(r->ch.status)) {
		snprintf(res->why, sizeof(res->why), "killed by signal %d",
		    WTERMSIG(r->ch.status));
		why_line(res, &r->line);
	} else if (!WIFEXITED(r->ch.status)) {
		snprintf(res->why, sizeof(res->why), "wait status %#x",
		    (unsigned)r->ch.status);
	} else if (WEXITSTATUS(r->ch.status) == 0) {
		outfile_verdict(m, res);
	} else if (WEXITSTATUS(r->ch.status) == 1) {
		res->v = FV_REJECT;
		reject_reply(&r->line, res->reply, sizeof(res->reply));
		snprintf(res->why, sizeof(res->why), "exit status 1");
	} else {
		snprintf(res->why, sizeof(res->why), "exit status %d",
		    WEXITSTATUS(r->ch.status));
		why_line(res, &r->line);
	}
}

/* filter_command_run - run the entry's command on one message */

void
filter_command_run(const struct conf_entry *e, const struct filter_msg *m,
    long long deadline_ms, int watch_fd, struct filter_result *res)
{
	char	**argv, **envp;
	struct sigaction dfl, oldchld;
	struct run r;
	enum run_end end = END_ERROR;
	long long start = clock_ms();
	int	 started, err = 0, restore_chld = 0, was_reaper = 0;
	size_t	 i;

	memset(res, 0, sizeof(*res));
	res->v = FV_FAILED;
	if (e->ncommand == 0 || e->command == NULL || e->command[0] == NULL) {
		snprintf(res->why, sizeof(res->why), "no command");
		return;
	}
	if (deadline_ms <= start) {
		snprintf(res->why, sizeof(res->why), "no time left to run %s",
		    "the filter");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.line.curblank = 1;
	argv = xcalloc(e->ncommand + 1, sizeof(char *));
	for (i = 0; i < e->ncommand; i++)
		argv[i] = e->command[i];
	envp = env_build(e, m);

	/* an ignored SIGCHLD would reap the leader before we kill the group */
	if (sigaction(SIGCHLD, NULL, &oldchld) == 0 &&
	    (oldchld.sa_handler == SIG_IGN ||
	    (oldchld.sa_flags & SA_NOCLDWAIT) != 0)) {
		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		restore_chld = sigaction(SIGCHLD, &dfl, NULL) == 0;
	}
	/* the killed group's members come back to us to be reaped */
	if (prctl(PR_GET_CHILD_SUBREAPER, &was_reaper, 0, 0, 0) == 0 &&
	    !was_reaper)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

	/* stdin and stdout are /dev/null: the message is in $EMAIL */
	started = child_start(&r.ch, argv, envp, CHILD_STDERR, res->why,
	    sizeof(res->why));
	if (started == 1)
		end = run_wait(&r, deadline_ms, watch_fd, &err);
	if (started != 0) {
		(void)child_reap(&r.ch, 1);
		run_drain(&r, DRAIN_MAX);	/* what was left when it exited */
		child_report(&r.ch);
		errline_end(&r.line);
	}
	if (started == 1)
		run_verdict(&r, e, m, end, deadline_ms - start, err, res);

	child_close(&r.ch);
	if (!was_reaper)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
	if (restore_chld)
		(void)sigaction(SIGCHLD, &oldchld, NULL);
	free(argv);
	strv_free(envp);
}
