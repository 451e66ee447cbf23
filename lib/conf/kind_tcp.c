/*
 * kind_tcp.c - tcp_table lookups (tcp_tables, "tcp NAME")
 *
 * Postfix reaches a tcp_table over TCP, so any local user can ask it:
 * the loader warns about credentials on such entries.  Requests: key.
 */
#include "conf.h"
#include "kind.h"

static int
tcp_query(struct buf *u, const struct conf_entry *e,
    const struct pfx_req *req)
{
	(void)e;
	return (kind_key_query(u, req));
}

const struct kind kind_tcp = {
	.section = "tcp_tables",
	.word = "tcp",
	.takes_name = 1,
	.inet = 1,
	.codec = &proto_tcptable,
	.default_payload = KIND_KEY_PAYLOAD,
	.what = "lookup key",
	.key_hint = "{{ .Key }}",
	.query = tcp_query,
	.cache_key = kind_key_cache_key,
	.keep = kind_key_keep,
};
