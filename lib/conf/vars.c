/*
 * vars.c - template variable names per section
 *
 * The policy attribute list is what Postfix 3.0 to 3.12 send
 * (SMTPD_POLICY_README); a reference to anything else is a typo.
 */
#include <string.h>

#include "vars.h"

const char *const policy_attr_names[] = {
	"request", "protocol_state", "protocol_name", "helo_name",
	"queue_id", "sender", "recipient", "recipient_count",
	"client_address", "client_name", "reverse_client_name", "instance",
	"sasl_method", "sasl_username", "sasl_sender", "size",
	"ccert_subject", "ccert_issuer", "ccert_fingerprint",
	"ccert_pubkey_fingerprint", "encryption_protocol",
	"encryption_cipher", "encryption_keysize", "etrn_domain", "stress",
	"client_port", "policy_context", "server_address", "server_port",
	"compatibility_level", "mail_version", "tls_sni",
};
const unsigned int policy_attr_count =
    sizeof(policy_attr_names) / sizeof(policy_attr_names[0]);

int
vars_resolve(const char *name, void *kindp)
{
	enum conf_kind kind = *(enum conf_kind *)kindp;
	unsigned int i;

	if (strcmp(name, "Key") == 0)
		return (VAR_KEY);
	if (strcmp(name, "Name") == 0)
		return (VAR_NAME);
	if (kind == KIND_POLICY)
		for (i = 0; i < policy_attr_count; i++)
			if (strcmp(name, policy_attr_names[i]) == 0)
				return (VAR_ATTR0 + (int)i);
	return (-1);
}
