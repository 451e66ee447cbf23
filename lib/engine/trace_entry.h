/*
 * trace_entry.h - the steps every explained lookup shares
 */
#ifndef PFX_TRACE_ENTRY_H
#define PFX_TRACE_ENTRY_H

#include "conf.h"
#include "http.h"
#include "lookup_log.h"
#include "proto.h"
#include "trace.h"
#include "verdict.h"

/* trace_entry - how it came (via), the entry's settings, the request */
void	 trace_entry(struct trace *, const char *via, const struct conf *,
	    const struct conf_entry *, const struct pfx_req *);
/* trace_request - the request as sent (credentials redacted) */
void	 trace_request(struct trace *, const struct http_request *,
	    const struct pfx_req *);
/* trace_response - status, headers, the body cut at TRACE_BODY_MAX */
void	 trace_response(struct trace *, const struct http_response *,
	    int answered);
/* trace_result - the verdict, value and reason, the time taken */
void	 trace_result(struct trace *, const struct pfx_result *);

#endif
