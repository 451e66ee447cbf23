/*
 * kind_filter.c - before-queue SMTP proxy filters (smtp_filters,
 * "smtpfilter NAME")
 *
 * Not a lookup: pfxhttp-spawn relays one SMTP transaction between the
 * before-filter smtpd and the downstream one (pfxhttp-spawn/filter.c)
 * and asks the entry's verdict source about the message.  The
 * descriptor names the section, the keys only filters take and the
 * envelope a verdict's templates may use; a message is never cached.
 */
#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "kind.h"

static const char *const attrs[] = {
	"sender", "recipients", "recipient_count", "client_address",
	"client_name", "helo_name",
};

static const char *const own_keys[] = {
	"downstream", "command", "environment", "tempdir",
	"max_message_size", "on_failure", NULL,
};

static int
filter_cache_key(const struct conf_entry *e, const struct pfx_req *req,
    struct buf *k)
{
	(void)e;
	(void)req;
	(void)k;
	return (PFX_EINVAL);
}

static enum keep
filter_keep(const struct conf_entry *e, const struct pfx_result *res)
{
	(void)e;
	(void)res;
	return (KEEP_NONE);
}

const struct kind kind_filter = {
	.section = "smtp_filters",
	.word = "smtpfilter",
	.takes_name = 1,
	.relay = 1,
	.attrs = attrs,
	.nattrs = sizeof(attrs) / sizeof(attrs[0]),
	.key_is_json = 1,
	.default_payload = "{{ .Key }}",
	.own_keys = own_keys,
	.what = "envelope",
	.key_hint = "{{ .Key }} or an attribute such as {{ .sender }}",
	.cache_key = filter_cache_key,
	.keep = filter_keep,
};
