/*
 * h1resp.h - an HTTP/1.1 response, parsed as its bytes arrive (pure)
 *
 * The response side of pfxhttp-tokend's own HTTP/1.1 client (h1pool.c):
 * status line, header lines (each handed to a callback), then a body
 * framed by Content-Length, by chunks or by the end of the connection.
 * Interim 1xx responses are skipped.  Strict where a lax parser would
 * let a response be read two ways: both Content-Length and
 * Transfer-Encoding, two different lengths, a Transfer-Encoding other
 * than chunked, folded or space-before-colon headers, and a bare CR are
 * errors, never guesses.  Every line and the whole head are bounded.
 */
#ifndef PFX_H1RESP_H
#define PFX_H1RESP_H

#include <stddef.h>

#define H1_LINE_MAX	8192	/* a status, header or chunk-size line */
#define H1_HEAD_MAX	65536	/* all header (and trailer) lines */

enum h1_state {
	H1_STATUS,		/* waiting for the status line */
	H1_HEADER,
	H1_BODY_LEN,		/* Content-Length bytes to come */
	H1_CHUNK_SIZE,
	H1_CHUNK_DATA,
	H1_CHUNK_END,		/* the CRLF after a chunk's data */
	H1_TRAILER,
	H1_BODY_CLOSE,		/* the body runs until the connection ends */
	H1_DONE,
	H1_ERROR,
};

struct h1resp_cb {
	/* a status or header line, without its line end; nonzero stops */
	int	(*header)(void *arg, const char *line, size_t len);
	/* body bytes (chunk framing removed); nonzero stops: too large */
	int	(*body)(void *arg, const char *p, size_t n);
	void	*arg;
};

struct h1resp {
	enum h1_state	 st;
	int		 status;	/* of the final response */
	int		 keep_alive;	/* the connection may carry another */
	int		 chunked;
	int		 have_len;
	int		 closing;	/* Connection: close */
	int		 minor;		/* HTTP/1.minor */
	int		 stopped;	/* a callback said stop */
	long long	 left;		/* body or chunk bytes still to come */
	size_t		 head_bytes;
	size_t		 linelen;
	const char	*error;		/* why H1_ERROR: static text */
	char		 line[H1_LINE_MAX];
};

void	 h1resp_init(struct h1resp *);
/*
 * h1resp_feed - parse n more bytes; returns how many it used, which is
 * fewer than n only when it reached H1_DONE (the rest is not this
 * response's) or H1_ERROR
 */
size_t	 h1resp_feed(struct h1resp *, const char *p, size_t n,
	    const struct h1resp_cb *);
/* h1resp_eof - the connection ended: H1_DONE for a body that runs to
 * the end, else H1_ERROR (cut short) */
void	 h1resp_eof(struct h1resp *);
/* h1_tchar - a character of a header name (an RFC 9110 token) */
int	 h1_tchar(unsigned char);
/* h1resp_wipe - clear the line buffer (it may have held a header) */
void	 h1resp_wipe(struct h1resp *);

#endif
