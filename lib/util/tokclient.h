/*
 * tokclient.h - pfxhttp-spawn's side of the tokend socket
 *
 * One connection per process, opened on first use and reopened after
 * any failure.  Every call has a deadline, so a slow or dead tokend
 * costs at most that long and yields a temporary error.
 */
#ifndef PFX_TOKCLIENT_H
#define PFX_TOKCLIENT_H

#include "conf.h"
#include "tokproto.h"

struct tokc;

struct tokc *tokc_new(const char *socket_path);
void	 tokc_free(struct tokc *);
/* tokc_call - send; wait for a reply unless want_reply is 0 */
int	 tokc_call(struct tokc *, const struct tok_msg *, int want_reply,
	    struct tok_msg *reply, long long timeout_ms);

#endif
