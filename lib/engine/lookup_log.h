/*
 * lookup_log.h - the line a failed or slow lookup leaves in the log
 *
 * One line per lookup, by the process that called the backend (tokend
 * or the direct module): the entry, the verdict, what the backend did
 * (HTTP status or failure class), the time taken and the request id.
 * Failures are warnings, slow answers (slow_request) information.
 * Never the key, the value, a header or a body.
 */
#ifndef PFX_LOOKUP_LOG_H
#define PFX_LOOKUP_LOG_H

#include "conf.h"
#include "http.h"
#include "verdict.h"

struct lookup_outcome {
	const struct conf_entry *e;
	const char	*rid;		/* NULL: "-" */
	long long	 ms;		/* from the request to the answer */
	int		 called;	/* a backend call was made */
	const struct http_response *resp;	/* when called */
	int		 answered;	/* ... and a status came back */
	int		 from_cache;	/* a failure the cache answered */
};

void	 lookup_log(const struct lookup_outcome *, const struct pfx_result *);
/* http_failure_word - "timeout", "connect", "too-big", "other" */
const char *http_failure_word(enum http_failure);

#endif
