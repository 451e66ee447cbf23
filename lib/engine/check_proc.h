/*
 * check_proc.h - one check process slot: a persistent coprocess, or one
 * exec process at a time, driven without blocking
 *
 * The caller watches the descriptors check_proc_fds() names and calls
 * check_proc_step() when one is ready or check_proc_due() has come;
 * check_proc_step() does the I/O that is possible and says when the
 * request has its answer.  pfxhttp-spawn's direct path drives one slot
 * with poll() (check_run.c); pfxhttp-tokend drives a pool of them from
 * its event loop (checkpool.c).
 */
#ifndef PFX_CHECK_PROC_H
#define PFX_CHECK_PROC_H

#include <poll.h>
#include <stddef.h>

#include "buf.h"
#include "child.h"
#include "conf.h"
#include "verdict.h"

enum check_state {
	CHECK_NONE,	/* no process */
	CHECK_IDLE,	/* a coprocess waits for a request */
	CHECK_BUSY,	/* a request is under way */
};

#define CHECK_ERR_KEEP	200	/* of one stderr line, for the log */

struct check_stderr {
	char		 line[CHECK_ERR_KEEP];
	size_t		 len;
	long long	 window;	/* ms: start of the rate window */
	unsigned int	 logged, dropped;
};

/* check_unwatch_fn - fd is about to be closed: stop watching it */
typedef void check_unwatch_fn(void *arg, int fd);

struct check_proc {
	const struct conf_entry *e;
	int		 exec;		/* command_mode "exec" */
	enum check_state state;
	struct child	 ch;
	struct buf	 in;		/* the request, with its newline */
	size_t		 inoff;
	struct buf	 out;		/* what stdout said so far */
	int		 out_eof;
	long long	 deadline;
	long long	 next_start;	/* back-off: no start before (ms) */
	unsigned int	 fails;		/* failures in a row */
	int		 answered;	/* this process answered before */
	int		 retried;	/* the request went to a new one */
	struct check_stderr err;
	check_unwatch_fn *unwatch;
	void		*unwatch_arg;
};

void	 check_proc_init(struct check_proc *, const struct conf_entry *);
/*
 * check_proc_send - hand over a request (the rendered payload), starting
 * the process when needed: 1 when it is under way, 0 when *res holds
 * the answer already (a failure)
 */
int	 check_proc_send(struct check_proc *, const char *payload, size_t,
	    long long deadline_ms, struct pfx_result *res);
/*
 * check_proc_step - the I/O that is ready: 1 when the request under way
 * has its answer in *res; 0 otherwise (also for an idle coprocess,
 * whose unasked output or exit ends it)
 */
int	 check_proc_step(struct check_proc *, struct pfx_result *res);
/* check_proc_fds - what to watch (poll events); the count */
size_t	 check_proc_fds(const struct check_proc *, struct pollfd *, size_t);
/* check_proc_due - when step must run at the latest (ms), -1: never */
long long check_proc_due(const struct check_proc *);
/* check_proc_stop - kill the process; a request under way gets none */
void	 check_proc_stop(struct check_proc *);
void	 check_proc_free(struct check_proc *);
/* check_reap - reap killed processes that have died (no blocking) */
void	 check_reap(void);
/* check_graves - how many killed processes wait to be reaped */
size_t	 check_graves(void);
/* check_reap_all - kill and reap every one left (blocks; at exit) */
void	 check_reap_all(void);

#endif
