/*
 * cacheable.h - what identifies a cached answer, and what is kept
 */
#ifndef PFX_CACHEABLE_H
#define PFX_CACHEABLE_H

#include "buf.h"
#include "conf.h"
#include "proto.h"
#include "verdict.h"

enum keep {
	KEEP_NONE,	/* not an answer to keep: leave the cache alone */
	KEEP_STORE,	/* a definitive positive: store it */
	KEEP_FORGET,	/* a definitive "nothing": drop any older positive */
};

/*
 * cacheable_key - append what identifies the answer: the key, or for
 * policy every attribute the backend sees (all of them, as received,
 * or those the templates use), or cache_key_attributes.  PFX_OK, or
 * an error when it does not fit (then the answer is not cached).
 */
int	 cacheable_key(const struct conf_entry *, const struct pfx_req *,
	    struct buf *);
enum keep cacheable_keep(const struct conf_entry *, const struct pfx_result *);

#endif
