/*
 * checkpool.c - tokend's check processes (see checkpool.h)
 *
 * DESCRIPTION
 *	Each entry with a command has max_processes slots (check_proc.c),
 *	made on its first request.  A request goes to an idle coprocess,
 *	else to a slot without a process (which starts one), else waits
 *	in the entry's queue, first come first served, until a slot is
 *	free or its deadline passes.  When no slot is busy and every one
 *	waits out a back-off after failures, the request gets a
 *	temporary error at once: nothing would answer it sooner.
 *
 *	The slots' descriptors are in the pool's epoll set (level
 *	triggered), their pointer as the event's data; each slot's set
 *	is brought up to date after it acted, and a descriptor leaves the
 *	set before it is closed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "check.h"
#include "check_proc.h"
#include "checkpool.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "xalloc.h"

#define MAX_WATCH	4
#define MAX_EVENTS	64

struct watch {
	int		 fd;
	uint32_t	 events;
};

struct pool_entry;

struct slot {
	struct check_proc p;
	struct checkpool *cp;
	struct pool_entry *pe;
	void		*job;		/* the request under way, or NULL */
	struct pfx_result *res;		/* ... and where its answer goes */
	struct watch	 w[MAX_WATCH];	/* in the epoll set */
	size_t		 nw;
};

struct waiting {
	void		*job;
	const char	*payload;
	size_t		 len;
	long long	 deadline;
	struct pfx_result *res;
};

struct pool_entry {
	const struct conf_entry *e;	/* NULL: no request yet */
	struct slot	*slots;
	size_t		 nslots;
	struct waiting	*q;		/* oldest first */
	size_t		 nq;
};

struct checkpool {
	int		 epfd;
	checkpool_done_fn *done;
	void		*arg;
	const struct conf *c;
	struct pool_entry *pe;		/* per entry of c */
	size_t		 npe;
	struct pfx_result scratch;	/* for a slot nobody waits for */
};

static void
unwatch(void *arg, int fd)
{
	struct slot *s = arg;
	size_t	 i;

	for (i = 0; i < s->nw; i++)
		if (s->w[i].fd == fd) {
			(void)epoll_ctl(s->cp->epfd, EPOLL_CTL_DEL, fd, NULL);
			s->w[i] = s->w[--s->nw];
			return;
		}
}

/* sync - the slot's descriptors in the epoll set, as it wants them now */

static void
sync_watch(struct slot *s)
{
	struct pollfd pfd[MAX_WATCH];
	struct epoll_event ev;
	struct watch want[MAX_WATCH];
	size_t	 n, i, k;
	int	 found;

	n = check_proc_fds(&s->p, pfd, MAX_WATCH);
	for (i = 0; i < n; i++) {
		want[i].fd = pfd[i].fd;
		want[i].events = (pfd[i].events & POLLIN ? EPOLLIN : 0) |
		    (pfd[i].events & POLLOUT ? EPOLLOUT : 0);
	}
	for (k = 0; k < s->nw; k++) {
		for (i = 0, found = 0; i < n && !found; i++)
			found = want[i].fd == s->w[k].fd;
		if (!found)
			(void)epoll_ctl(s->cp->epfd, EPOLL_CTL_DEL, s->w[k].fd,
			    NULL);
	}
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.events = want[i].events;
		ev.data.ptr = s;
		for (k = 0, found = -1; k < s->nw; k++)
			if (s->w[k].fd == want[i].fd)
				found = (int)k;
		if (found < 0) {
			if (epoll_ctl(s->cp->epfd, EPOLL_CTL_ADD, want[i].fd,
			    &ev) != 0)
				log_warnx("epoll_ctl for a check process: %s",
				    strerror(errno));
		} else if (s->w[found].events != want[i].events)
			(void)epoll_ctl(s->cp->epfd, EPOLL_CTL_MOD,
			    want[i].fd, &ev);
	}
	memcpy(s->w, want, n * sizeof(want[0]));
	s->nw = n;
}

struct checkpool *
checkpool_new(checkpool_done_fn *done, void *arg)
{
	struct checkpool *cp = xcalloc(1, sizeof(*cp));

	if ((cp->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatalx("epoll_create1: %s", strerror(errno));
	cp->done = done;
	cp->arg = arg;
	result_init(&cp->scratch, CHECK_LINE_MAX);
	return (cp);
}

static void
drop_entries(struct checkpool *cp)
{
	size_t	 i, k;

	for (i = 0; i < cp->npe; i++) {
		struct pool_entry *pe = &cp->pe[i];

		for (k = 0; k < pe->nslots; k++)
			check_proc_free(&pe->slots[k].p);
		free(pe->slots);
		free(pe->q);
	}
	free(cp->pe);
	cp->pe = NULL;
	cp->npe = 0;
}

void
checkpool_free(struct checkpool *cp)
{
	if (cp == NULL)
		return;
	drop_entries(cp);
	check_reap_all();
	result_free(&cp->scratch);
	(void)close(cp->epfd);
	free(cp);
}

void
checkpool_set_conf(struct checkpool *cp, const struct conf *c)
{
	drop_entries(cp);
	cp->c = c;
	cp->npe = c->nentries;
	cp->pe = xcalloc(c->nentries + 1, sizeof(*cp->pe));
}

int
checkpool_fd(const struct checkpool *cp)
{
	return (cp->epfd);
}

static struct pool_entry *
entry_of(struct checkpool *cp, const struct conf_entry *e)
{
	struct pool_entry *pe;
	size_t	 i, k;

	if (cp->c == NULL || e < cp->c->entries || e >= cp->c->entries +
	    cp->npe)
		return (NULL);
	i = (size_t)(e - cp->c->entries);
	pe = &cp->pe[i];
	if (pe->e == NULL) {
		pe->e = e;
		pe->nslots = e->max_processes > 0 ? (size_t)e->max_processes :
		    1;
		pe->slots = xcalloc(pe->nslots, sizeof(*pe->slots));
		for (k = 0; k < pe->nslots; k++) {
			check_proc_init(&pe->slots[k].p, e);
			pe->slots[k].p.unwatch = unwatch;
			pe->slots[k].p.unwatch_arg = &pe->slots[k];
			pe->slots[k].cp = cp;
			pe->slots[k].pe = pe;
		}
		pe->q = xcalloc(CHECKPOOL_QUEUE_MAX, sizeof(*pe->q));
	}
	return (pe);
}

/* pick - an idle coprocess, else a slot that may start one */

static struct slot *
pick(struct pool_entry *pe, long long now)
{
	size_t	 k;

	for (k = 0; k < pe->nslots; k++)
		if (pe->slots[k].p.state == CHECK_IDLE && pe->slots[k].job ==
		    NULL)
			return (&pe->slots[k]);
	for (k = 0; k < pe->nslots; k++)
		if (pe->slots[k].p.state == CHECK_NONE &&
		    pe->slots[k].p.next_start <= now)
			return (&pe->slots[k]);
	return (NULL);
}

static int
busy_slots(const struct pool_entry *pe)
{
	size_t	 k;
	int	 n = 0;

	for (k = 0; k < pe->nslots; k++)
		n += pe->slots[k].p.state == CHECK_BUSY;
	return (n);
}

/* start_on - 1: under way on s; 0: *res holds the answer already */

static int
start_on(struct slot *s, void *job, const char *payload, size_t len,
    long long deadline, struct pfx_result *res)
{
	s->job = job;
	s->res = res;
	if (!check_proc_send(&s->p, payload, len, deadline, res)) {
		s->job = NULL;
		sync_watch(s);
		return (0);
	}
	sync_watch(s);
	return (1);
}

/* dispatch - queued requests onto free slots, expired ones answered */

static void
dispatch(struct checkpool *cp, struct pool_entry *pe, long long now)
{
	struct waiting w;
	struct slot *s = NULL;

	while (pe->nq > 0) {
		w = pe->q[0];
		if (now < w.deadline && (s = pick(pe, now)) == NULL)
			return;
		memmove(&pe->q[0], &pe->q[1], --pe->nq * sizeof(pe->q[0]));
		if (now >= w.deadline)
			check_failed(w.res, PFX_TIMEOUT, "no check process"
			    " free in time");
		else if (start_on(s, w.job, w.payload, w.len, w.deadline,
		    w.res))
			continue;
		cp->done(w.job, cp->arg);
	}
}

static void
step_slot(struct slot *s)
{
	void	*job = s->job;

	if (!check_proc_step(&s->p, job != NULL ? s->res : &s->cp->scratch)) {
		sync_watch(s);
		return;
	}
	s->job = NULL;
	sync_watch(s);
	dispatch(s->cp, s->pe, clock_ms());
	if (job != NULL)
		s->cp->done(job, s->cp->arg);
}

int
checkpool_submit(struct checkpool *cp, const struct conf_entry *e,
    const char *payload, size_t len, long long deadline, void *job,
    struct pfx_result *res)
{
	struct pool_entry *pe;
	struct slot *s;
	long long now = clock_ms();

	check_reap();
	if ((pe = entry_of(cp, e)) == NULL) {
		check_failed(res, PFX_TEMPFAIL, "entry unknown");
		return (0);
	}
	if (pe->nq == 0 && (s = pick(pe, now)) != NULL)
		return (start_on(s, job, payload, len, deadline, res));
	if (busy_slots(pe) == 0) {
		check_failed(res, PFX_TEMPFAIL, "check restarting after a"
		    " failure");
		return (0);
	}
	if (pe->nq >= CHECKPOOL_QUEUE_MAX) {
		log_warnx("%s %s: %zu requests wait for a check process:"
		    " busy", conf_kind_section(e->kind), e->name, pe->nq);
		check_failed(res, PFX_TEMPFAIL, "check busy");
		return (0);
	}
	pe->q[pe->nq++] = (struct waiting){ job, payload, len, deadline,
	    res };
	return (1);
}

void
checkpool_cancel(struct checkpool *cp, void *job)
{
	size_t	 i, k;

	for (i = 0; i < cp->npe; i++) {
		struct pool_entry *pe = &cp->pe[i];

		for (k = 0; k < pe->nq; )
			if (pe->q[k].job == job)
				memmove(&pe->q[k], &pe->q[k + 1], (--pe->nq -
				    k) * sizeof(pe->q[0]));
			else
				k++;
		for (k = 0; k < pe->nslots; k++)
			if (pe->slots[k].job == job) {
				pe->slots[k].job = NULL;
				check_proc_stop(&pe->slots[k].p);
				sync_watch(&pe->slots[k]);
			}
	}
}

void
checkpool_run(struct checkpool *cp)
{
	struct epoll_event evs[MAX_EVENTS];
	int	 n, k;

	if ((n = epoll_wait(cp->epfd, evs, MAX_EVENTS, 0)) <= 0)
		return;
	for (k = 0; k < n; k++)
		step_slot(evs[k].data.ptr);
}

int
checkpool_next_ms(const struct checkpool *cp, long long now)
{
	long long next = -1, due;
	size_t	 i, k;

	for (i = 0; i < cp->npe; i++) {
		const struct pool_entry *pe = &cp->pe[i];

		for (k = 0; k < pe->nslots; k++) {
			due = check_proc_due(&pe->slots[k].p);
			if (due < 0 && pe->nq > 0 &&
			    pe->slots[k].p.state == CHECK_NONE)
				due = pe->slots[k].p.next_start;
			if (due >= 0 && (next < 0 || due < next))
				next = due;
		}
		for (k = 0; k < pe->nq; k++)
			if (next < 0 || pe->q[k].deadline < next)
				next = pe->q[k].deadline;
	}
	if (check_graves() > 0 && (next < 0 || now + 100 < next))
		next = now + 100;
	if (next < 0)
		return (-1);
	return (next <= now ? 0 : next - now > 1000 ? 1000 :
	    (int)(next - now));
}

void
checkpool_tick(struct checkpool *cp, long long now)
{
	long long due;
	size_t	 i, k;

	check_reap();
	for (i = 0; i < cp->npe; i++) {
		struct pool_entry *pe = &cp->pe[i];

		for (k = 0; k < pe->nslots; k++)
			if ((due = check_proc_due(&pe->slots[k].p)) >= 0 &&
			    due <= now)
				step_slot(&pe->slots[k]);
		dispatch(cp, pe, now);
	}
}

size_t
checkpool_processes(const struct checkpool *cp)
{
	size_t	 i, k, n = 0;

	for (i = 0; i < cp->npe; i++)
		for (k = 0; k < cp->pe[i].nslots; k++)
			n += cp->pe[i].slots[k].p.state != CHECK_NONE;
	return (n);
}
