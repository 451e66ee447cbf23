/*
 * direct.h - the direct request path as a loadable module
 *
 * pfxhttp-spawn links neither libcurl nor json-c: a Postfix connection
 * that pfxhttp-tokend serves needs neither.  When spawn must call the
 * backend itself (no tokend configured, or tokend unreachable), it loads
 * pfxhttp-direct.so, which links them, and calls through this table.
 * The module reads the configuration file itself, fully compiled, and
 * has its own copy of the log state, so open() is told where logs go.
 */
#ifndef PFX_DIRECT_H
#define PFX_DIRECT_H

#include <stddef.h>

#include "proto.h"
#include "verdict.h"

#define DIRECT_ABI	3
#define DIRECT_SYMBOL	"pfxhttp_direct"

struct direct;

struct direct_api {
	int		 abi;		/* DIRECT_ABI */
	/* open - NULL with "FILE:LINE: reason" in err when refused */
	struct direct	*(*open)(const char *conf_path, int log_to_stderr,
			    char *err, size_t errlen);
	/* lookup - always leaves a verdict; never longer than deadline */
	void		 (*lookup)(struct direct *, const char *section,
			    const char *name, const struct pfx_req *,
			    long long deadline_ms, struct pfx_result *);
	void		 (*close)(struct direct *);
	/*
	 * verdict - an smtp_filters entry's HTTP verdict on the message in
	 * the first len bytes of fd, the envelope in the request
	 */
	void		 (*verdict)(struct direct *, const char *name,
			    const struct pfx_req *, int fd, long long len,
			    long long deadline_ms, struct pfx_result *);
	/*
	 * explain - lookup with a trace: its JSON document and its text
	 * appended to json and text (pfxhttp-spawn explain)
	 */
	void		 (*explain)(struct direct *, const char *section,
			    const char *name, const struct pfx_req *,
			    long long deadline_ms, struct pfx_result *,
			    struct buf *json, struct buf *text);
};

#endif
