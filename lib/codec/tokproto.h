/*
 * tokproto.h - the pfxhttp-tokend wire protocol (shared by both programs)
 *
 * PROTOCOL
 *	Each message is one netstring whose payload is a sequence of
 *	netstrings (fields), so keys and values are binary-safe.  The first
 *	field is the protocol version "PFXTOK2"; the second is the verb.
 *	Every request gets exactly one answer (LOOKUP may send PENDING
 *	before it); a peer sends its next request only after the answer.
 *
 *	LOOKUP section name left_ms flags [rid] [attr value]...
 *		-> ANSWER verdict value reason
 *		   verdict: found notfound temp timeout perm (verdict_word);
 *		   left_ms: what is left of the peer's deadline;
 *		   flags: "" or "secret" (never logged, never cached);
 *		   rid: "rid=" and the request id (rid.h), there when an
 *		   odd number of fields follows flags (else that is
 *		   malformed); tokend makes an id when there is none
 *		-> PENDING first, when the answer takes more than half of
 *		   server.tokend.timeout: tokend is alive, keep waiting
 *	EXPLAIN (the fields of LOOKUP)
 *		-> TRACE verdict value reason json text: the same lookup
 *		   with every step recorded (trace.h), for pfxhttp-spawn
 *		   explain; PENDING as for LOOKUP
 *	STATS	-> OK text
 *	Any request may be answered ERR reason (bad request); a peer
 *	tokend does not accept gets ERR refused before it is closed.
 *
 * LIMITS
 *	A message is at most TOK_MAX_MSG bytes and TOK_MAX_FIELDS fields;
 *	more is an error on both sides, never a silent cut.
 */
#ifndef PFX_TOKPROTO_H
#define PFX_TOKPROTO_H

#include <stddef.h>

#include "buf.h"
#include "proto.h"

#define TOK_VERSION	"PFXTOK2"
#define TOK_MAX_FIELDS	(6 + 2 * PFX_REQ_MAX_ATTRS)
#define TOK_MAX_MSG	(256 * 1024)

struct tok_msg {
	size_t		 n;
	int		 overflow;	/* tok_add past TOK_MAX_FIELDS */
	const char	*f[TOK_MAX_FIELDS];
	size_t		 len[TOK_MAX_FIELDS];
};

void	 tok_init(struct tok_msg *, const char *verb);
void	 tok_add(struct tok_msg *, const char *, size_t);
void	 tok_adds(struct tok_msg *, const char *);
/* tok_encode - append the framed message (version added first);
 * PFX_ETOOBIG after an overflow */
int	 tok_encode(struct buf *, const struct tok_msg *);
/* tok_parse - split a frame payload; PFX_EPROTO unless well formed */
int	 tok_parse(const char *, size_t, struct tok_msg *);
int	 tok_is(const struct tok_msg *, size_t, const char *);
long long tok_num(const struct tok_msg *, size_t);
/*
 * tok_lookup_split - a LOOKUP's (or EXPLAIN's) layout: *first is the
 * field of the first attribute name, *rid the request id (NULL when
 * absent; its characters are the caller's to check).  PFX_EPROTO when
 * the fields cannot be such a request.
 */
int	 tok_lookup_split(const struct tok_msg *, size_t *first,
	    const char **rid, size_t *ridlen);

#endif
