/*
 * trace.h - the steps of one lookup, for pfxhttp-spawn explain
 *
 * A trace is attached to an explained lookup only; every other lookup
 * passes NULL, and every trace_* function returns at once on NULL, so
 * the normal path pays a pointer test.  A trace is a list of steps
 * (entry, cache, token, request, response, mapping, ...), each stamped
 * with the time since the trace began, each with named fields; fields
 * before the first step or after trace_top() belong to the document
 * itself (verdict, value, reason).  It renders as one JSON object, or
 * as text for a terminal with every byte visible (visible.h).
 *
 * SECURITY
 *	The callers put nothing secret in: trace_headers() redacts
 *	credential headers, and no body of a secret request is added.
 *	Sizes are bounded (TRACE_MAX_FIELDS, TRACE_MAX_VALUE,
 *	TRACE_MAX_BYTES): a large answer is cut, never kept whole, and
 *	what no longer fits is left out and the trace marked incomplete.
 */
#ifndef PFX_TRACE_H
#define PFX_TRACE_H

#include <stddef.h>

#include "buf.h"

#define TRACE_MAX_STEPS		64
#define TRACE_MAX_FIELDS	512
#define TRACE_MAX_VALUE		8192	/* bytes kept of one value */
#define TRACE_MAX_BYTES		(32 * 1024)	/* ... of all values */
#define TRACE_BODY_MAX		2048	/* bytes shown of a body */

struct trace;
struct curl_slist;

struct trace *trace_new(void);
void	 trace_free(struct trace *);
/* trace_step - begin a step: the fields that follow are its own */
void	 trace_step(struct trace *, const char *name);
/* trace_top - the fields that follow are the document's own */
void	 trace_top(struct trace *);
void	 trace_str(struct trace *, const char *key, const char *, size_t);
void	 trace_strz(struct trace *, const char *key, const char *);
void	 trace_fmt(struct trace *, const char *key, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	 trace_num(struct trace *, const char *key, long long);
/* trace_real - a number with one decimal (milliseconds) */
void	 trace_real(struct trace *, const char *key, double);
/* trace_item - one more element of the list named key */
void	 trace_item(struct trace *, const char *key, const char *, size_t);
/*
 * trace_cut - at most max bytes of a value, then KEY_bytes (its whole
 * length) and KEY_truncated (1 when cut)
 */
void	 trace_cut(struct trace *, const char *key, const char *, size_t,
	    size_t max);
/*
 * trace_headers - a request's header lines as items of "headers":
 * Authorization, Proxy-Authorization, Cookie and any header whose name
 * speaks of a token, key, secret, password, session or auth have their
 * value replaced by "<redacted>"
 */
void	 trace_headers(struct trace *, const struct curl_slist *);
/* trace_url - a URL without its user:password@ part */
void	 trace_url(struct trace *, const char *key, const char *url);
/* trace_json, trace_text - the rendering, appended */
int	 trace_json(const struct trace *, struct buf *);
int	 trace_text(const struct trace *, struct buf *);
/* trace_ms - milliseconds since the trace began */
double	 trace_ms(const struct trace *);

#endif
