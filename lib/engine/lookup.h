/*
 * lookup.h - the direct request path (pfxhttp-direct.so)
 */
#ifndef PFX_LOOKUP_H
#define PFX_LOOKUP_H

#include "conf.h"
#include "proto.h"
#include "verdict.h"

struct lookup;

struct lookup *lookup_new(const struct conf *);
void	 lookup_free(struct lookup *);
/* lookup_run - always leaves a verdict in *res, by the deadline (ms) */
void	 lookup_run(struct lookup *, const struct conf_entry *,
	    const struct pfx_req *, long long deadline_ms, struct pfx_result *);
/*
 * lookup_explain - lookup_run with every step recorded in the trace
 * (trace.h); the same call, the same log line
 */
struct trace;
void	 lookup_explain(struct lookup *, const struct conf_entry *,
	    const struct pfx_req *, long long deadline_ms, struct trace *,
	    struct pfx_result *);
/*
 * lookup_upload - an smtp_filters HTTP verdict: the first len bytes of
 * fd are the body; the answer as filter_answer() maps it
 */
void	 lookup_upload(struct lookup *, const struct conf_entry *,
	    const struct pfx_req *, int fd, long long len,
	    long long deadline_ms, struct pfx_result *);

#endif
