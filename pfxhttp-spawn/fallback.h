/*
 * fallback.h - the direct request path, loaded on first use
 */
#ifndef PFX_FALLBACK_H
#define PFX_FALLBACK_H

#include <stddef.h>

#include "proto.h"
#include "verdict.h"

/* fallback_lookup - the backend call made here; always sets a verdict */
void	 fallback_lookup(const char *conf_path, int log_to_stderr,
	    const char *section, const char *name, const struct pfx_req *,
	    long long deadline_ms, struct pfx_result *);
/* fallback_verdict - an smtp_filters HTTP verdict on the file fd */
void	 fallback_verdict(const char *conf_path, int log_to_stderr,
	    const char *name, const struct pfx_req *, int fd, long long len,
	    long long deadline_ms, struct pfx_result *);
/* fallback_check - load the configuration with every check (-t) */
/* fallback_explain - fallback_lookup with its trace (JSON and text) */
void	 fallback_explain(const char *conf_path, int log_to_stderr,
	    const char *section, const char *name, const struct pfx_req *,
	    long long deadline_ms, struct pfx_result *, struct buf *json,
	    struct buf *text);
int	 fallback_check(const char *conf_path, char *err, size_t errlen);
void	 fallback_unload(void);

#endif
