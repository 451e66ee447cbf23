/*
 * checkpool.h - tokend's check processes: per entry with a command, at
 * most max_processes of them, shared by every spawn connection
 *
 * A request waits in the entry's queue (bounded) while all of its
 * processes are busy.  The pool has one epoll descriptor of its own,
 * which tokend's event loop watches; checkpool_run() acts on it.
 */
#ifndef PFX_CHECKPOOL_H
#define PFX_CHECKPOOL_H

#include <stddef.h>

#include "conf.h"
#include "verdict.h"

struct checkpool;

/* checkpool_done_fn - the answer for job is in the result it gave */
typedef void checkpool_done_fn(void *job, void *arg);

#define CHECKPOOL_QUEUE_MAX	512	/* per entry: then "check busy" */

struct checkpool *checkpool_new(checkpool_done_fn *, void *arg);
void	 checkpool_free(struct checkpool *);
/* checkpool_set_conf - new entries: every old process is ended */
void	 checkpool_set_conf(struct checkpool *, const struct conf *);
int	 checkpool_fd(const struct checkpool *);
/*
 * checkpool_submit - a request for entry e; the payload must stay valid
 * until the answer.  1: the answer comes through done (into *res); 0:
 * *res holds it now (busy, restarting, a failure to start)
 */
int	 checkpool_submit(struct checkpool *, const struct conf_entry *,
	    const char *payload, size_t len, long long deadline_ms, void *job,
	    struct pfx_result *res);
/* checkpool_cancel - no answer for job; a process busy with it is ended */
void	 checkpool_cancel(struct checkpool *, void *job);
/* checkpool_run - act on what is ready (checkpool_fd is readable) */
void	 checkpool_run(struct checkpool *);
/* checkpool_next_ms - when checkpool_tick has work next, -1: none */
int	 checkpool_next_ms(const struct checkpool *, long long now_ms);
/* checkpool_processes - check programs running now, every entry */
size_t	 checkpool_processes(const struct checkpool *);
/* checkpool_tick - deadlines, back-offs, reaping */
void	 checkpool_tick(struct checkpool *, long long now_ms);

#endif
