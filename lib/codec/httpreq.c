/*
 * httpreq.c - the request head of an HTTP/1.0 or 1.1 request
 *
 * Order of the verdicts: too large (431), a request line that is not
 * "TOKEN SP TARGET SP HTTP/1.x" (400), another method than GET or HEAD
 * (405).  Header lines are not judged beyond finding Authorization.
 */
#include <string.h>
#include <strings.h>

#include "httpreq.h"

/* head_end - the length through the blank line, or 0 */
static size_t
head_end(const char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return (i + 2);
		if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')
			return (i + 3);
	}
	return (0);
}

/* tchar - RFC 9110 token characters */
static int
tchar(char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL));
}

/* find_auth - the Authorization header in [p, end), trimmed */
static void
find_auth(const char *p, const char *end, struct http_req *r)
{
	static const char name[] = "Authorization:";
	const size_t n = sizeof(name) - 1;
	const char *eol, *v;
	size_t	 len;

	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((size_t)(eol - p) >= n && strncasecmp(p, name, n) == 0) {
			for (v = p + n; v < eol && (*v == ' ' || *v == '\t');
			    v++)
				;
			for (len = (size_t)(eol - v); len > 0 &&
			    (v[len - 1] == ' ' || v[len - 1] == '\t' ||
			    v[len - 1] == '\r'); len--)
				;
			r->auth = v;
			r->authlen = len;
			return;
		}
		p = eol + 1;
	}
}

int
http_req_parse(const char *p, size_t n, size_t max, struct http_req *r)
{
	const char *eol, *sp1, *sp2, *end;
	size_t	 mlen;

	memset(r, 0, sizeof(*r));
	if (n > max)
		n = max;
	if ((r->used = head_end(p, n)) == 0) {
		if (n < max)
			return (0);
		r->status = 431;
		return (1);
	}
	end = p + r->used;
	eol = memchr(p, '\n', r->used);		/* there is one */
	r->status = 400;
	if (eol > p && eol[-1] == '\r')
		eol--;
	if ((sp1 = memchr(p, ' ', (size_t)(eol - p))) == NULL ||
	    (sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1))) == NULL ||
	    eol - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1') || sp2 == sp1 + 1)
		return (1);
	for (mlen = 0; p + mlen < sp1 && tchar(p[mlen]); mlen++)
		;
	if (mlen == 0 || p + mlen != sp1)
		return (1);
	r->path = sp1 + 1;
	for (r->pathlen = 0; r->path + r->pathlen < sp2 &&
	    r->path[r->pathlen] != '?'; r->pathlen++)
		;
	r->head = mlen == 4 && memcmp(p, "HEAD", 4) == 0;
	if (!r->head && !(mlen == 3 && memcmp(p, "GET", 3) == 0)) {
		r->status = 405;
		return (1);
	}
	find_auth(eol, end, r);
	r->status = 200;
	return (1);
}
