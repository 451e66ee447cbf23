/*
 * cacheable.h - what identifies a cached answer, and what is kept
 */
#ifndef PFX_CACHEABLE_H
#define PFX_CACHEABLE_H

#include "buf.h"
#include "conf.h"
#include "kind.h"
#include "proto.h"
#include "verdict.h"


/*
 * cacheable_key - append what identifies the answer (the kind says
 * what); PFX_OK, or an error when it does not fit or the request is
 * secret (then the answer is not cached)
 */
int	 cacheable_key(const struct conf_entry *, const struct pfx_req *,
	    struct buf *);
enum keep cacheable_keep(const struct conf_entry *, const struct pfx_result *);

#endif
