/*
 * escape.h - escaping of untrusted values for the place they land
 */
#ifndef PFX_ESCAPE_H
#define PFX_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/* inside a JSON string, without quotes; bad UTF-8 becomes U+FFFD */
int	 escape_json(struct buf *, const char *, size_t);
/* a URL query or path component: all but unreserved bytes as %XX */
int	 escape_url(struct buf *, const char *, size_t);
/* a URL path segment: as escape_url, and "." or ".." as %2E, %2E%2E */
int	 escape_url_path(struct buf *, const char *, size_t);
/* a header value: printable ASCII except '%' kept, the rest %XX */
int	 escape_header(struct buf *, const char *, size_t);

/* escape_pct_unless - bytes keep() refuses become %XX (upper case) */
int	 escape_pct_unless(struct buf *, const char *, size_t,
	    int (*keep)(unsigned char));

#endif
