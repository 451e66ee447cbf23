/*
 * filter.h - pfxhttp-spawn smtpfilter: one smtpd_proxy_filter connection
 */
#ifndef PFX_FILTER_H
#define PFX_FILTER_H

#include "conf.h"

/* filter_serve - relay one connection until EOF; exit status */
int	 filter_serve(const struct conf *, const struct conf_entry *, int in,
	    int out);

#endif
