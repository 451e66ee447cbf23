/*
 * cacheable.c - cache keys and which answers are worth keeping
 */
#include "cacheable.h"
#include "err.h"
#include "kind.h"

int
cacheable_key(const struct conf_entry *e, const struct pfx_req *req,
    struct buf *k)
{
	if (req->flags & PFX_REQ_SECRET)
		return (PFX_EINVAL);	/* a secret never becomes a key */
	return (kinds[e->kind]->cache_key(e, req, k));
}

enum keep
cacheable_keep(const struct conf_entry *e, const struct pfx_result *res)
{
	return (kinds[e->kind]->keep(e, res));
}
