/*
 * tokproto.h - the pfxhttp-tokend wire protocol (shared by both programs)
 *
 * PROTOCOL
 *	Each message is one netstring whose payload is a sequence of
 *	netstrings (fields), so keys and values are binary-safe.  The first
 *	field is the protocol version "PFXTOK1"; the second is the verb.
 *
 *	TOKEN section name [renew]	-> OK token expires_in_ms | TEMP reason
 *		(renew: a backend refused the last token; fetch another)
 *	CGET section name key max_age_ms purpose -> HIT verdict age_ms text
 *					   | MISS   (purpose: fresh|fallback)
 *	CPUT section name key verdict text	(no reply)
 *	CDEL section name key			(no reply; the backend said
 *						 not found: forget the key)
 *	STATS				-> OK text
 *	Any request may be answered ERR reason (bad request); a peer
 *	tokend does not accept gets ERR refused before it is closed.
 *
 * LIMITS
 *	A message is at most TOK_MAX_MSG bytes and TOK_MAX_FIELDS fields.
 */
#ifndef PFX_TOKPROTO_H
#define PFX_TOKPROTO_H

#include <stddef.h>

#include "buf.h"

#define TOK_VERSION	"PFXTOK1"
#define TOK_MAX_FIELDS	8
#define TOK_MAX_MSG	(256 * 1024)

struct tok_msg {
	size_t		 n;
	const char	*f[TOK_MAX_FIELDS];
	size_t		 len[TOK_MAX_FIELDS];
};

void	 tok_init(struct tok_msg *, const char *verb);
void	 tok_add(struct tok_msg *, const char *, size_t);
void	 tok_adds(struct tok_msg *, const char *);
/* tok_encode - append the framed message (version added first) */
int	 tok_encode(struct buf *, const struct tok_msg *);
/* tok_parse - split a frame payload; PFX_EPROTO unless well formed */
int	 tok_parse(const char *, size_t, struct tok_msg *);
int	 tok_is(const struct tok_msg *, size_t, const char *);
long long tok_num(const struct tok_msg *, size_t);

#endif
