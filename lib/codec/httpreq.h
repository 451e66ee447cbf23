/*
 * httpreq.h - an HTTP/1.x request head, for tokend's /metrics endpoint
 *
 * Pure: bytes in, a verdict out.  Only what a scrape needs: the method
 * (GET or HEAD), the path and the Authorization header; the rest of the
 * headers is skipped.  Lines may end in CRLF or LF.
 */
#ifndef PFX_HTTPREQ_H
#define PFX_HTTPREQ_H

#include <stddef.h>

struct http_req {
	int		 status;	/* 200 GET/HEAD; 400, 405, 431 */
	int		 head;		/* HEAD: no body in the answer */
	const char	*path;		/* the target up to '?', in the input */
	size_t		 pathlen;
	const char	*auth;		/* Authorization value, or NULL */
	size_t		 authlen;
	size_t		 used;		/* bytes through the blank line */
};

/*
 * http_req_parse - 0 while the head is incomplete (and shorter than
 * max), else 1 with r->status set
 */
int	 http_req_parse(const char *p, size_t n, size_t max,
	    struct http_req *r);

#endif
