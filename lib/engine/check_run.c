/*
 * check_run.c - checks in the direct path (see check_run.h)
 *
 * A persistent coprocess lives as long as this process (one Postfix
 * connection; PR_SET_PDEATHSIG ends it with us); an exec entry starts
 * a process per request.  One request at a time: max_processes is
 * tokend's pool bound, here there is never more than one per entry.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "check_proc.h"
#include "check_run.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "xalloc.h"

struct check_run {
	const struct conf *c;
	struct check_proc *slot;	/* per entry of c */
	char		*ready;		/* slot[i] is initialised */
};

struct check_run *
check_run_new(const struct conf *c)
{
	struct check_run *cr = xcalloc(1, sizeof(*cr));

	cr->c = c;
	cr->slot = xcalloc(c->nentries + 1, sizeof(*cr->slot));
	cr->ready = xcalloc(c->nentries + 1, 1);
	return (cr);
}

void
check_run_free(struct check_run *cr)
{
	size_t	 i;

	if (cr == NULL)
		return;
	for (i = 0; i < cr->c->nentries; i++)
		if (cr->ready[i])
			check_proc_free(&cr->slot[i]);
	check_reap_all();
	free(cr->slot);
	free(cr->ready);
	free(cr);
}

void
check_run(struct check_run *cr, const struct conf_entry *e,
    struct request *rq, const struct pfx_req *req, long long deadline,
    struct pfx_result *res)
{
	struct pollfd pfd[4];
	struct check_proc *p;
	long long due, left;
	size_t	 i = (size_t)(e - cr->c->entries), n;

	if (e < cr->c->entries || i >= cr->c->nentries) {
		result_set(res, PFX_TEMPFAIL, "entry unknown");
		return;
	}
	p = &cr->slot[i];
	if (!cr->ready[i]) {
		check_proc_init(p, e);
		cr->ready[i] = 1;
	}
	if (clock_ms() + e->timeout_ms < deadline)
		deadline = clock_ms() + e->timeout_ms;
	if (request_payload(rq, e, req) != PFX_OK) {
		log_warnx("%s %s: request too large",
		    conf_kind_section(e->kind), e->name);
		check_failed(res, PFX_TEMPFAIL, "request too large");
		return;
	}
	n = check_proc_send(p, rq->body.data, rq->body.len, deadline, res);
	request_clear(rq);
	if (n == 0)
		return;
	for (;;) {
		n = check_proc_fds(p, pfd, 4);
		due = check_proc_due(p);
		left = due < 0 ? 1000 : due - clock_ms();
		if (left < 0)
			left = 0;
		if (poll(pfd, n, left > INT_MAX ? INT_MAX : (int)left) < 0 &&
		    errno != EINTR) {
			check_proc_stop(p);
			check_failed(res, PFX_TEMPFAIL, "poll failed");
			return;
		}
		if (check_proc_step(p, res))
			return;
		if (p->state != CHECK_BUSY) {
			check_failed(res, PFX_TEMPFAIL, "check ended");
			return;
		}
	}
}
