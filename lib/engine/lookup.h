/*
 * lookup.h - turn one Postfix request into one HTTP call and a verdict
 */
#ifndef PFX_LOOKUP_H
#define PFX_LOOKUP_H

#include <stddef.h>

#include "conf.h"
#include "proto.h"
#include "verdict.h"

struct lookup;

struct lookup *lookup_new(const struct conf *);
void	 lookup_free(struct lookup *);
/* lookup_run - always leaves a verdict in *res */
void	 lookup_run(struct lookup *, const struct conf_entry *,
	    const struct pfx_req *, struct pfx_result *);
/* lookup_map_response - HTTP status and body to a verdict (pure) */
void	 lookup_map_response(const struct conf_entry *, long status,
	    const char *body, size_t len, struct pfx_result *);

#endif
