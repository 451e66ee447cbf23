/*
 * sasl_mech.h - SASL mechanisms as Dovecot 2.3 runs them (pure)
 *
 * One descriptor per mechanism: its name, the flags Dovecot announces
 * for it, and a step function that takes one decoded client response
 * and says what comes next: a challenge, credentials to check, or a
 * failure with a reason safe to show a client.
 */
#ifndef PFX_SASL_MECH_H
#define PFX_SASL_MECH_H

#include <stddef.h>

#include "buf.h"

enum sasl_mech_id {
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_XOAUTH2,
	SASL_OAUTHBEARER,
	SASL_NMECH,
};

#define SASL_MECH_BIT(m)	(1u << (m))
#define SASL_MECH_PASSWORD	(SASL_MECH_BIT(SASL_PLAIN) | \
				    SASL_MECH_BIT(SASL_LOGIN))
#define SASL_MECH_TOKEN		(SASL_MECH_BIT(SASL_XOAUTH2) | \
				    SASL_MECH_BIT(SASL_OAUTHBEARER))

/* the longest login name and secret kept (RFC 4616 asks for >= 255) */
#define SASL_MAX_USER		1024
#define SASL_MAX_SECRET		16384

/* one exchange's progress, and what it found; secret is wiped */
struct sasl_exchange {
	enum sasl_mech_id mech;
	int		 step;		/* the mechanism's own counter */
	int		 token_failed;	/* error challenge sent: FAIL next */
	struct buf	 user;		/* authcid, or the claimed user */
	struct buf	 secret;	/* password or bearer token */
};

enum sasl_step {
	SASL_STEP_CHALLENGE,	/* send *challenge, wait for a response */
	SASL_STEP_DONE,		/* user and secret are ready to check */
	SASL_STEP_FAIL,		/* *why is the reason for the client */
};

struct sasl_mech {
	const char	*name;		/* upper case, as announced */
	const char	*flags;		/* Dovecot's MECH flags */
	int		 token;		/* checked by token validation */
	/*
	 * step - the client's response (present: a response was sent,
	 * even an empty one) and what follows.  user is set only to a
	 * whole, valid name: a FAIL names it, as Dovecot's does.
	 */
	enum sasl_step	 (*step)(struct sasl_exchange *, int allow_authzid,
			    const char *data, size_t len, int present,
			    struct buf *challenge, const char **why);
	/* error_challenge - sent after a refused token, or NULL */
	const char	*error_challenge;
};

extern const struct sasl_mech sasl_mechs[SASL_NMECH];

/* sasl_mech_find - by name, case-insensitive; NULL when unknown */
const struct sasl_mech *sasl_mech_find(const char *, size_t);
void	 sasl_exchange_init(struct sasl_exchange *, enum sasl_mech_id);
/* sasl_exchange_clear - wipe the secret, forget the user */
void	 sasl_exchange_clear(struct sasl_exchange *);
void	 sasl_exchange_free(struct sasl_exchange *);
/*
 * sasl_name_ok - may this login name appear on a reply line?  Non-empty
 * UTF-8 without control bytes: a TAB or LF could forge a reply
 */
int	 sasl_name_ok(const char *, size_t);

#endif
