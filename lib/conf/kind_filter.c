/*
 * kind_filter.c - before-queue SMTP proxy filters (smtp_filters,
 * "smtpfilter NAME")
 *
 * Not a lookup: pfxhttp-spawn relays one SMTP transaction between the
 * before-filter smtpd and the downstream one (pfxhttp-spawn/filter.c)
 * and asks the entry's verdict source about the message.  The
 * descriptor names the section, the keys only filters take, the
 * envelope a verdict's templates may use and the headers an HTTP verdict
 * sends it in; a message is never cached.
 */
#include <stddef.h>

#include "conf.h"
#include "err.h"
#include "kind.h"

static const char *const attrs[] = {
	"sender", "recipients", "recipient_count", "client_address",
	"client_name", "helo_name",
};

/* its size must agree with the declaration: the compiler checks it */
const char *const filter_msg_vars[] = {
	"EMAIL", "OUTFILE", "SENDER", "RECIPIENT", "RECIPIENTS",
	"RECIPIENTCOUNT", "CLIENT_ADDRESS", "CLIENT_NAME", "HELO", "REMOTEIP",
};

static const char *const own_keys[] = {
	"downstream", "tempdir",
	"max_message_size", "on_failure", "reply_field", "message_field",
	NULL,
};

/* an HTTP verdict's body is the message itself */
static const char *const ignored_keys[] = {
	"payload", "http_request_compression", NULL,
};

/* the envelope travels beside the message, in headers */
static const char *const extra_headers[] = {
	"X-Envelope-From: {{ .sender }}",
	"X-Envelope-To: {{ .recipients }}",
	"X-Recipient-Count: {{ .recipient_count }}",
	"X-Client-Address: {{ .client_address }}",
	"X-Client-Name: {{ .client_name }}",
	"X-Helo-Name: {{ .helo_name }}",
	NULL,
};

const struct kind kind_filter = {
	.section = "smtp_filters",
	.word = "smtpfilter",
	.takes_name = 1,
	.relay = 1,
	.attrs = attrs,
	.nattrs = sizeof(attrs) / sizeof(attrs[0]),
	.default_payload = "",
	.own_keys = own_keys,
	.ignored_keys = ignored_keys,
	.ignored_why = "an HTTP verdict posts the message itself, as it came",
	.content_type = "message/rfc822",
	.extra_headers = extra_headers,
	.what = "envelope",
	.key_hint = "an attribute such as {{ .sender }}",
	.cache_key = kind_never_cache_key,
	.keep = kind_never_keep,
};
