/*
 * check_run.h - checks in the direct path: one slot per entry in this
 * process (pfxhttp-spawn serves one Postfix connection), driven with
 * poll() until the answer or the deadline
 */
#ifndef PFX_CHECK_RUN_H
#define PFX_CHECK_RUN_H

#include "conf.h"
#include "proto.h"
#include "request.h"
#include "verdict.h"

struct check_run;

struct check_run *check_run_new(const struct conf *);
void	 check_run_free(struct check_run *);
/* check_run - always leaves a verdict in *res, by the deadline (ms) */
void	 check_run(struct check_run *, const struct conf_entry *,
	    struct request *, const struct pfx_req *, long long deadline_ms,
	    struct pfx_result *);

#endif
