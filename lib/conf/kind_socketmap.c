/*
 * kind_socketmap.c - socketmap tables (socket_maps, "socketmap")
 *
 * The map name comes with each request, so one spawn service serves
 * every socket_maps entry.  Requests: name, key.
 */
#include <string.h>

#include "conf.h"
#include "err.h"
#include "escape.h"
#include "kind.h"

/* query - ?name=<map>&key=<key>, as postfix-rest-connector */
static int
socketmap_query(struct buf *u, const struct conf_entry *e,
    const struct pfx_req *req)
{
	int	 r;

	if ((r = buf_puts(u, "name=")) != PFX_OK ||
	    (r = escape_url(u, e->name, strlen(e->name))) != PFX_OK ||
	    (r = buf_putc(u, '&')) != PFX_OK)
		return (r);
	return (kind_key_query(u, req));
}

const struct kind kind_socketmap = {
	.section = "socket_maps",
	.word = "socketmap",
	.takes_name = 0,
	.codec = &proto_socketmap,
	.default_payload = KIND_KEY_PAYLOAD,
	.what = "lookup key",
	.key_hint = "{{ .Key }}",
	.query = socketmap_query,
	.cache_key = kind_key_cache_key,
	.keep = kind_key_keep,
};
