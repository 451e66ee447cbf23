/*
 * check_proc.c - one check process slot (see check_proc.h)
 *
 * DESCRIPTION
 *	persistent: the coprocess is started on first use and kept; each
 *	request is one line on its stdin, each reply one line on its
 *	stdout.  A reply longer than CHECK_LINE_MAX, output nobody asked
 *	for, more than one line for one request, EOF, an exit or a missed
 *	deadline ends the process (its whole group is killed); the request
 *	gets a temporary answer, and the next start waits a back-off that
 *	doubles with each failure in a row after the first (100ms to 10s).  A request that
 *	finds a coprocess which answered before gone without a word (it
 *	exits after each answer) goes to a new one, once.
 *
 *	exec: a process per request, the payload and a newline on its
 *	stdin, then EOF; its exit status and stdout are the answer
 *	(check_map_exit()).  At its exit, a timeout or too much output the
 *	group is killed.
 *
 *	stderr goes to the log, a line at a time: control bytes replaced,
 *	cut to CHECK_ERR_KEEP bytes, at most ERR_LINES lines a minute per
 *	slot (then a count of the lines left out).  It never reaches
 *	Postfix.
 *
 *	Killed processes are reaped without blocking: they wait in a list
 *	until they are gone (check_reap()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "check_proc.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "request.h"
#include "xalloc.h"

#define READ_CHUNK	4096
#define DRAIN_MAX	(256 * 1024)	/* stderr bytes per step */
#define ERR_LINES	20		/* per ERR_WINDOW_MS */
#define ERR_WINDOW_MS	(60 * 1000)
#define TICK_MS		10		/* polling without a pidfd */
#define GRAVE_MAX	1024

/* the killed, not yet reaped */
static struct child grave[GRAVE_MAX];
static size_t ngrave;

void
check_reap(void)
{
	size_t	 i = 0;

	while (i < ngrave) {
		if (child_reap(&grave[i], 0))
			grave[i] = grave[--ngrave];
		else
			i++;
	}
}

size_t
check_graves(void)
{
	return (ngrave);
}

void
check_reap_all(void)
{
	while (ngrave > 0)
		(void)child_reap(&grave[--ngrave], 1);
}

void
check_proc_init(struct check_proc *p, const struct conf_entry *e)
{
	memset(p, 0, sizeof(*p));
	p->e = e;
	p->exec = e->command_mode != NULL && strcmp(e->command_mode,
	    "exec") == 0;
	p->ch.pid = -1;
	p->ch.pidfd = p->ch.in_w = p->ch.out_r = p->ch.err_r =
	    p->ch.status_r = -1;
	buf_init(&p->in, REQUEST_MAX_BODY + 1);
	buf_init(&p->out, CHECK_LINE_MAX + 1);
}

static const char *
sect(const struct check_proc *p)
{
	return (conf_kind_section(p->e->kind));
}

/* err_flush - the line so far goes to the log, within the rate cap */

static void
err_flush(struct check_proc *p)
{
	struct check_stderr *s = &p->err;
	long long now = clock_ms();
	char	 safe[CHECK_ERR_KEEP * 4 + 1];

	if (now - s->window >= ERR_WINDOW_MS) {
		if (s->dropped > 0)
			log_warnx("%s %s: check stderr: %u more lines left"
			    " out", sect(p), p->e->name, s->dropped);
		s->window = now;
		s->logged = s->dropped = 0;
	}
	if (s->len == 0)
		return;
	if (s->logged < ERR_LINES) {
		log_warnx("%s %s: check stderr: %s", sect(p), p->e->name,
		    log_safe(safe, sizeof(safe), s->line, s->len));
		s->logged++;
	} else
		s->dropped++;
	s->len = 0;
}

static void
err_feed(struct check_proc *p, const char *b, size_t n)
{
	struct check_stderr *s = &p->err;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (b[i] == '\n') {
			err_flush(p);
			continue;
		}
		if (s->len < sizeof(s->line))
			s->line[s->len++] = b[i];
	}
}

static void
unwatch(struct check_proc *p, int fd)
{
	if (fd >= 0 && p->unwatch != NULL)
		p->unwatch(p->unwatch_arg, fd);
}

static void
close_fd(struct check_proc *p, int *fd)
{
	unwatch(p, *fd);
	child_fd_close(fd);
}

/* drain_err - what stderr holds now, to the log */

static void
drain_err(struct check_proc *p)
{
	char	 b[READ_CHUNK];
	size_t	 got = 0;
	ssize_t	 n;

	while (p->ch.err_r >= 0 && got < DRAIN_MAX) {
		if ((n = read(p->ch.err_r, b, sizeof(b))) > 0) {
			err_feed(p, b, (size_t)n);
			got += (size_t)n;
		} else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			break;
		else {
			err_flush(p);
			close_fd(p, &p->ch.err_r);
		}
	}
}

/* bury - kill the group; it is reaped later, without blocking */

static void
bury(struct check_proc *p)
{
	if (p->ch.pid > 0) {
		drain_err(p);
		err_flush(p);
		child_kill(&p->ch);
		close_fd(p, &p->ch.pidfd);
		close_fd(p, &p->ch.in_w);
		close_fd(p, &p->ch.out_r);
		close_fd(p, &p->ch.err_r);
		close_fd(p, &p->ch.status_r);
		if (!child_reap(&p->ch, 0)) {
			if (ngrave == GRAVE_MAX)
				(void)child_reap(&p->ch, 1);
			else
				grave[ngrave++] = p->ch;
		}
	}
	p->ch.pid = -1;
	p->state = CHECK_NONE;
	buf_reset(&p->out);
	p->out_eof = 0;
}

/* failed - the request fails and the process goes; back-off grows */

static int
failed(struct check_proc *p, enum pfx_verdict v, const char *why,
    struct pfx_result *res)
{
	bury(p);
	p->fails++;
	p->next_start = clock_ms() + check_backoff_ms(p->fails);
	log_warnx("%s %s: check %s: %s", sect(p), p->e->name,
	    p->e->command[0], why);
	check_failed(res, v, why);
	return (1);
}

static int
start(struct check_proc *p, struct pfx_result *res)
{
	char	 why[256], **argv, **envp;
	int	 r;

	argv = check_argv(p->e);
	envp = check_env(p->e);
	r = child_start(&p->ch, argv, envp, CHILD_STDIN | CHILD_STDOUT |
	    CHILD_STDERR, why, sizeof(why));
	free(argv);
	strv_free(envp);
	if (r != 1) {
		if (r == 0)
			p->ch.pid = -1;
		return (!failed(p, PFX_TEMPFAIL, why, res));
	}
	p->state = CHECK_IDLE;
	p->answered = 0;
	buf_reset(&p->out);
	p->out_eof = 0;
	return (1);
}

/* exited - has the leader exited (a look at the pidfd, no waiting)? */

static int
exited(const struct check_proc *p)
{
	struct pollfd pfd = { p->ch.pidfd, POLLIN, 0 };

	if (p->ch.pidfd >= 0 && poll(&pfd, 1, 0) < 0)
		return (0);
	return (child_exited(&p->ch, pfd.revents));
}

/* write_in - as much of the request as the pipe takes; -1 on EPIPE */

static int
write_in(struct check_proc *p)
{
	ssize_t	 n;

	while (p->ch.in_w >= 0 && p->inoff < p->in.len) {
		n = write(p->ch.in_w, p->in.data + p->inoff, p->in.len -
		    p->inoff);
		if (n > 0)
			p->inoff += (size_t)n;
		else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return (0);
		else {
			close_fd(p, &p->ch.in_w);
			return (-1);
		}
	}
	if (p->exec && p->inoff == p->in.len)
		close_fd(p, &p->ch.in_w);	/* EOF: the request is whole */
	return (0);
}

/* read_out - what stdout holds now; -1 when more than a reply may be */

static int
read_out(struct check_proc *p)
{
	char	 b[READ_CHUNK];
	ssize_t	 n;
	size_t	 room;

	while (p->ch.out_r >= 0 && !p->out_eof) {
		room = CHECK_LINE_MAX + 1 - p->out.len;
		if (room == 0)
			return (-1);
		n = read(p->ch.out_r, b, room < sizeof(b) ? room : sizeof(b));
		if (n > 0) {
			if (buf_append(&p->out, b, (size_t)n) != PFX_OK)
				return (-1);
			/* a coprocess's reply is whole at its newline */
			if (!p->exec && memchr(b, '\n', (size_t)n) != NULL)
				return (0);
		} else if (n < 0 && errno == EINTR)
			continue;
		else if (n < 0 && errno == EAGAIN)
			return (0);
		else
			p->out_eof = 1;
	}
	return (0);
}

int
check_proc_send(struct check_proc *p, const char *payload, size_t len,
    long long deadline, struct pfx_result *res)
{
	check_reap();
	if (!p->exec && !check_request_ok(payload, len)) {
		/* a newline would end the request early: refused as ours */
		log_warnx("%s %s: the rendered payload holds a line break;"
		    " a check's request is one line", sect(p), p->e->name);
		check_failed(res, PFX_TEMPFAIL, "request holds a line break");
		return (0);
	}
	if (p->state == CHECK_BUSY) {
		check_failed(res, PFX_TEMPFAIL, "check busy");
		return (0);
	}
	if (p->state == CHECK_IDLE && (p->exec || exited(p)))
		bury(p);	/* it went while idle: start another */
	if (p->state == CHECK_NONE) {
		if (clock_ms() < p->next_start) {
			check_failed(res, PFX_TEMPFAIL, "check restarting after"
			    " a failure");
			return (0);
		}
		if (!start(p, res))
			return (0);
	}
	buf_reset(&p->in);
	if (buf_append(&p->in, payload, len) != PFX_OK ||
	    buf_putc(&p->in, '\n') != PFX_OK) {
		check_failed(res, PFX_TEMPFAIL, "request too large");
		return (0);
	}
	p->inoff = 0;
	p->deadline = deadline;
	p->retried = 0;
	p->state = CHECK_BUSY;
	return (!check_proc_step(p, res));
}

/* gone - the coprocess ended before its reply */

static int
persistent_gone(struct check_proc *p, struct pfx_result *res)
{
	char	 why[300];

	child_report(&p->ch);
	if (p->ch.stage != CHILD_RAN) {
		snprintf(why, sizeof(why), "cannot %s: %s", p->ch.stage ==
		    CHILD_EXEC ? "run it" : "set it up", strerror(p->ch.err));
		return (failed(p, PFX_TEMPFAIL, why, res));
	}
	if (p->answered && p->out.len == 0 && !p->retried &&
	    clock_ms() < p->deadline) {
		/* one that exits after each answer: once more, anew */
		bury(p);
		if (start(p, res)) {
			p->retried = 1;
			p->inoff = 0;
			p->state = CHECK_BUSY;
			return (check_proc_step(p, res));
		}
		return (1);
	}
	return (failed(p, PFX_TEMPFAIL, p->out.len > 0 ? "exited in the"
	    " middle of a reply line" : "exited without a reply", res));
}

static int
step_persistent(struct check_proc *p, struct pfx_result *res)
{
	const char *nl;
	size_t	 n;

	(void)write_in(p);	/* EPIPE: its exit or EOF tells the rest */
	if (read_out(p) < 0)
		return (failed(p, PFX_TEMPFAIL, "reply line longer than"
		    " 64 KiB", res));
	/* (no memchr on the NULL of a buffer never written to) */
	if (p->out.len > 0 && (nl = memchr(p->out.data, '\n', p->out.len)) !=
	    NULL) {
		n = (size_t)(nl - p->out.data);
		check_map_reply(p->e, p->out.data, n > 0 && nl[-1] == '\r' ?
		    n - 1 : n, res);
		if (n + 1 < p->out.len) {
			/* out of step with its requests: start anew */
			log_warnx("%s %s: check %s wrote more than one reply"
			    " line; restarting it", sect(p), p->e->name,
			    p->e->command[0]);
			bury(p);
			p->fails++;
			p->next_start = clock_ms() + check_backoff_ms(p->fails);
			return (1);
		}
		buf_reset(&p->out);
		p->state = CHECK_IDLE;
		p->answered = 1;
		p->fails = 0;
		return (1);
	}
	if (p->out_eof || exited(p))
		return (persistent_gone(p, res));
	if (clock_ms() >= p->deadline)
		return (failed(p, PFX_TIMEOUT, "no reply in time; killed",
		    res));
	return (0);
}

static int
step_exec(struct check_proc *p, struct pfx_result *res)
{
	int	 gone;

	(void)write_in(p);	/* one that does not read it is its business */
	gone = exited(p);
	if (read_out(p) < 0)
		return (failed(p, PFX_TEMPFAIL, "more than 64 KiB on stdout",
		    res));
	if (!gone) {
		if (clock_ms() >= p->deadline)
			return (failed(p, PFX_TIMEOUT, "no answer in time;"
			    " killed", res));
		return (0);
	}
	drain_err(p);
	err_flush(p);
	child_report(&p->ch);
	child_kill(&p->ch);	/* what it left in its group goes too */
	if (!child_reap(&p->ch, 0) && !p->ch.reaped)
		(void)child_reap(&p->ch, 1);	/* the leader has exited */
	if (p->ch.stage != CHILD_RAN) {
		char	 why[300];

		snprintf(why, sizeof(why), "cannot %s: %s", p->ch.stage ==
		    CHILD_EXEC ? "run it" : "set it up", strerror(p->ch.err));
		return (failed(p, PFX_TEMPFAIL, why, res));
	}
	if (p->ch.lost)
		return (failed(p, PFX_TEMPFAIL, "lost its exit status", res));
	check_map_exit(p->e, p->ch.status, buf_str(&p->out), p->out.len, res);
	if (res->verdict == PFX_TEMPFAIL)
		log_warnx("%s %s: check %s: %s", sect(p), p->e->name,
		    p->e->command[0], buf_str(&res->reason));
	bury(p);
	p->fails = 0;
	return (1);
}

int
check_proc_step(struct check_proc *p, struct pfx_result *res)
{
	drain_err(p);
	switch (p->state) {
	case CHECK_NONE:
		return (0);
	case CHECK_IDLE:
		/* unasked output, EOF or an exit: it is of no more use */
		if (read_out(p) < 0 || p->out.len > 0 || p->out_eof ||
		    exited(p)) {
			if (p->out.len > 0)
				log_warnx("%s %s: check %s wrote without a"
				    " request; restarting it", sect(p),
				    p->e->name, p->e->command[0]);
			bury(p);
		}
		return (0);
	case CHECK_BUSY:
		break;
	}
	if (!(p->exec ? step_exec(p, res) : step_persistent(p, res)))
		return (0);
	buf_wipe(&p->in);	/* a login's request holds its password */
	return (1);
}

size_t
check_proc_fds(const struct check_proc *p, struct pollfd *pfd, size_t max)
{
	size_t	 n = 0;

	if (p->state == CHECK_NONE)
		return (0);
#define ADD(f, ev) do {						\
	if ((f) >= 0 && n < max)				\
		pfd[n++] = (struct pollfd){ (f), (ev), 0 };	\
} while (0)
	ADD(p->ch.out_r, POLLIN);
	ADD(p->ch.err_r, POLLIN);
	ADD(p->ch.pidfd, POLLIN);
	if (p->state == CHECK_BUSY && p->inoff < p->in.len)
		ADD(p->ch.in_w, POLLOUT);
#undef ADD
	return (n);
}

long long
check_proc_due(const struct check_proc *p)
{
	long long due = -1;

	if (p->state == CHECK_BUSY)
		due = p->deadline;
	if (p->state != CHECK_NONE && p->ch.pidfd < 0) {
		long long tick = clock_ms() + TICK_MS;

		if (due < 0 || tick < due)
			due = tick;
	}
	return (due);
}

void
check_proc_stop(struct check_proc *p)
{
	bury(p);
	buf_wipe(&p->in);
}

void
check_proc_free(struct check_proc *p)
{
	bury(p);
	buf_wipe(&p->in);
	buf_free(&p->in);
	buf_free(&p->out);
}
