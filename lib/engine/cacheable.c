/*
 * cacheable.c - cache keys and which answers are worth keeping
 */
#include <string.h>
#include <strings.h>

#include "cacheable.h"
#include "err.h"

static int
key_attr(struct buf *k, const char *name, const char *v, size_t n)
{
	int	 r;

	if ((r = buf_puts(k, name)) != PFX_OK ||
	    (r = buf_putc(k, '=')) != PFX_OK ||
	    (r = buf_append(k, v, n)) != PFX_OK)
		return (r);
	return (buf_putc(k, '\n'));
}

int
cacheable_key(const struct conf_entry *e, const struct pfx_req *req,
    struct buf *k)
{
	unsigned int i;
	size_t	 n;
	const char *v;
	int	 r = PFX_OK;

	if (req->flags & PFX_REQ_SECRET)
		return (PFX_EINVAL);	/* a secret never becomes a key */
	if (e->kind != KIND_POLICY) {
		if ((v = pfx_req_get(req, "key", &n)) == NULL)
			return (PFX_EINVAL);
		return (buf_append(k, v, n));
	}
	if (e->cache_all_attrs) {
		for (n = 0; n < req->nattrs && r == PFX_OK; n++)
			r = key_attr(k, req->attrs[n].name,
			    req->attrs[n].value, req->attrs[n].valuelen);
		return (r);
	}
	for (i = 0; i < policy_attr_count && r == PFX_OK; i++) {
		if (!(e->cache_attrs & (1ULL << i)))
			continue;
		if ((v = pfx_req_get(req, policy_attr_names[i], &n)) == NULL)
			v = "";
		r = key_attr(k, policy_attr_names[i], v, n);
	}
	return (r);
}

/*
 * cacheable_keep - KEEP_STORE for answers worth keeping (found, and no
 * "ask again" action); KEEP_FORGET when the backend said there is
 * nothing (not found, or a policy's DUNNO): an older positive must not
 * outlive it as a fallback
 */
enum keep
cacheable_keep(const struct conf_entry *e, const struct pfx_result *res)
{
	static const char *const soft[] = { "DEFER", "4" };
	size_t	 i;

	if (res->verdict == PFX_NOTFOUND)
		return (KEEP_FORGET);
	if (res->verdict != PFX_FOUND)
		return (KEEP_NONE);
	if (e->kind != KIND_POLICY)
		return (KEEP_STORE);
	if (strncasecmp(buf_str(&res->value), "DUNNO", 5) == 0)
		return (KEEP_FORGET);
	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		if (strncasecmp(buf_str(&res->value), soft[i],
		    strlen(soft[i])) == 0)
			return (KEEP_NONE);
	return (KEEP_STORE);
}
