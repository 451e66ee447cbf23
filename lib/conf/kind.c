/*
 * kind.c - the table of protocol kinds, and what lookup-key kinds share
 */
#include <string.h>

#include "conf.h"
#include "err.h"
#include "escape.h"
#include "kind.h"

/* indexed by enum conf_kind (vars.h) */
const struct kind *const kinds[KIND_COUNT + 1] = {
	[KIND_SOCKETMAP] = &kind_socketmap,
	[KIND_TCP] = &kind_tcp,
	[KIND_POLICY] = &kind_policy,
	[KIND_SASL] = &kind_sasl,
	[KIND_FILTER] = &kind_filter,
	[KIND_COUNT] = NULL,
};

const struct kind *
kind_by_section(const char *p, size_t n)
{
	int	 k;

	for (k = 0; k < KIND_COUNT; k++)
		if (strlen(kinds[k]->section) == n &&
		    memcmp(kinds[k]->section, p, n) == 0)
			return (kinds[k]);
	return (NULL);
}

const struct kind *
kind_by_word(const char *w)
{
	int	 k;

	for (k = 0; k < KIND_COUNT; k++)
		if (strcmp(kinds[k]->word, w) == 0)
			return (kinds[k]);
	return (NULL);
}

int
kind_index(const struct kind *kd)
{
	int	 k;

	for (k = 0; k < KIND_COUNT; k++)
		if (kinds[k] == kd)
			return (k);
	return (-1);
}

/* kind_key_query - "key=..." */
int
kind_key_query(struct buf *u, const struct pfx_req *req)
{
	const char *key;
	size_t	 keylen;
	int	 r;

	if ((r = buf_puts(u, "key=")) != PFX_OK)
		return (r);
	if ((key = pfx_req_get(req, "key", &keylen)) == NULL)
		key = "";
	return (escape_url(u, key, keylen));
}

/* kind_key_cache_key - the lookup key alone (the entry is the space) */
int
kind_key_cache_key(const struct conf_entry *e, const struct pfx_req *req,
    struct buf *k)
{
	const char *v;
	size_t	 n;

	(void)e;
	if ((v = pfx_req_get(req, "key", &n)) == NULL)
		return (PFX_EINVAL);
	return (buf_append(k, v, n));
}

/* kind_key_keep - a found value is kept, a not-found replaces it */
enum keep
kind_key_keep(const struct conf_entry *e, const struct pfx_result *res)
{
	(void)e;
	if (res->verdict == PFX_NOTFOUND)
		return (KEEP_FORGET);
	return (res->verdict == PFX_FOUND ? KEEP_STORE : KEEP_NONE);
}

/* kind_never_cache_key - logins and messages have no cache key */
int
kind_never_cache_key(const struct conf_entry *e, const struct pfx_req *req,
    struct buf *k)
{
	(void)e;
	(void)req;
	(void)k;
	return (PFX_EINVAL);
}

/* kind_never_keep - ... and nothing of their answers is kept */
enum keep
kind_never_keep(const struct conf_entry *e, const struct pfx_result *res)
{
	(void)e;
	(void)res;
	return (KEEP_NONE);
}
