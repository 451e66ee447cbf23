/*
 * remote.h - lookups through pfxhttp-tokend's engine
 */
#ifndef PFX_REMOTE_H
#define PFX_REMOTE_H

#include "proto.h"
#include "verdict.h"

struct remote;

struct remote *remote_new(const char *socket_path, long long timeout_ms);
void	 remote_free(struct remote *);
/*
 * remote_lookup - PFX_OK with a verdict in *res, or PFX_EIO when tokend
 * cannot answer and the caller should call the backend itself
 */
int	 remote_lookup(struct remote *, const char *section, const char *name,
	    const struct pfx_req *, long long deadline_ms, struct pfx_result *);
/* remote_explain - EXPLAIN: the lookup, and its trace (JSON and text) */
int	 remote_explain(struct remote *, const char *section, const char *name,
	    const struct pfx_req *, long long deadline_ms, struct pfx_result *,
	    struct buf *json, struct buf *text);

#endif
