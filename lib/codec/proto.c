/*
 * proto.c - helpers shared by the codecs (the kinds name them: kind.h)
 */
#include <string.h>

#include "proto.h"

const char *
pfx_req_get(const struct pfx_req *req, const char *name, size_t *len)
{
	size_t	 i;

	for (i = 0; i < req->nattrs; i++)
		if (strcmp(req->attrs[i].name, name) == 0) {
			*len = req->attrs[i].valuelen;
			return (req->attrs[i].value);
		}
	*len = 0;
	return (NULL);
}

/*
 * proto_sanitize_into - reasons and diagnostics end up in Postfix logs
 * and replies; keep them to one line of printable text.
 */
void
proto_sanitize_into(struct buf *out, const char *p, size_t n, size_t max)
{
	size_t	 i;
	unsigned char c;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (buf_putc(out, c >= 0x20 && c != 0x7f ? c : ' ') != 0)
			return;
	}
}
