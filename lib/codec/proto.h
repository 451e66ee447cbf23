/*
 * proto.h - one interface for every Postfix-facing protocol codec
 *
 * A codec is sans I/O: it consumes bytes, produces requests, and encodes
 * replies into a buffer.  It never reads file descriptors, never logs
 * and never exits, so it can be unit-tested byte by byte and fuzzed.
 * The spawn loop owns I/O and the HTTP call.
 */
#ifndef PFX_PROTO_H
#define PFX_PROTO_H

#include <stddef.h>

#include "buf.h"
#include "verdict.h"

struct pfx_attr {
	const char	*name;
	const char	*value;
	size_t		 valuelen;
};

/*
 * A decoded request: named attributes only (socketmap: "name" and "key";
 * tcp_table: "key"; policy: what Postfix sent).  Pointers stay valid
 * until the next feed.
 */
struct pfx_req {
	const struct pfx_attr *attrs;
	size_t		 nattrs;
	unsigned int	 flags;
	const char	*rid;		/* request id (rid.h), or NULL */
};

#define PFX_REQ_SECRET	0x1	/* never logged, never a cache key; wiped */
#define PFX_REQ_MAX_ATTRS	128	/* per request, any kind */

struct proto_opts {
	size_t		 max_request;	/* bytes buffered per request */
	size_t		 max_reply;	/* bytes in one reply */
	const char	*default_action;	/* policy: answer on failure */
	/* Dovecot auth */
	unsigned int	 mech_mask;	/* SASL_MECH_BIT()s announced */
	int		 allow_authzid;
	int		 temp_fail_closes;	/* else FAIL code=temp_fail */
	unsigned long	 spid;		/* our pid, for the handshake */
	const char	*cookie;	/* 32 hex digits */
	const char	*default_local_port;	/* or NULL */
};

enum proto_status {
	PROTO_MORE,		/* all input consumed, need more */
	PROTO_REQUEST,		/* *req holds a request to answer */
	PROTO_REPLIED,		/* codec wrote a reply to out itself */
	PROTO_CLOSE,		/* unrecoverable: write out, then close */
};

struct proto_ops {
	const char	*name;
	void		*(*create)(const struct proto_opts *);
	void		 (*destroy)(void *);
	/* Optional: what the server says at connect, before any input. */
	void		 (*greet)(void *, struct buf *out);
	/* Consume input; *used says how much.  Reasons go to *why. */
	enum proto_status (*feed)(void *, const char *, size_t, size_t *used,
			    struct pfx_req *, struct buf *out,
			    const char **why);
	/*
	 * Encode the answer to the request returned last: PROTO_MORE to
	 * go on, PROTO_CLOSE to close once out is written.
	 */
	enum proto_status (*reply)(void *, const struct pfx_result *,
			    struct buf *out);
	/* Is a request partly read (EOF now would lose it)? */
	int		 (*in_progress)(const void *);
};

extern const struct proto_ops proto_socketmap;
extern const struct proto_ops proto_tcptable;
extern const struct proto_ops proto_policy;
extern const struct proto_ops proto_dovecot;

/* pfx_req_get - an attribute's value and length, NULL when absent */
const char *pfx_req_get(const struct pfx_req *, const char *name,
	    size_t *len);

/*
 * policy_action_ok - may this text follow "action=" on the wire?  One
 * line of printable UTF-8, tabs allowed; the rule for every found value
 */
int	 policy_action_ok(const char *, size_t);

/* proto_sanitize_into - append text without control bytes, at most max */
void	 proto_sanitize_into(struct buf *, const char *, size_t, size_t max);

#endif
