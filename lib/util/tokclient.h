/*
 * tokclient.h - pfxhttp-spawn's side of the tokend socket
 *
 * One connection per process, opened on first use and reopened after
 * any failure.  Every call has a deadline, so a slow or dead tokend
 * costs at most that long and yields a temporary error.
 */
#ifndef PFX_TOKCLIENT_H
#define PFX_TOKCLIENT_H

#include "tokproto.h"

struct tokc;

struct tokc *tokc_new(const char *socket_path);
void	 tokc_free(struct tokc *);
/*
 * tokc_call - send, then wait for the answer: at most first_ms (and at
 * most half of the time left) for the first frame, and after a PENDING
 * (*pending is then 1) until the deadline (monotonic ms)
 */
int	 tokc_call(struct tokc *, const struct tok_msg *, struct tok_msg *reply,
	    long long first_ms, long long deadline, int *pending);
/*
 * tokc_encode - tok_encode's frame, appended with one copy: the lengths
 * are written without printf and without an inner buffer (what both
 * ends of a lookup encode, several fields per lookup)
 */
int	 tokc_encode(struct buf *, const struct tok_msg *);

#endif
