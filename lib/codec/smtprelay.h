/*
 * smtprelay.h - one smtpd_proxy_filter transaction, sans I/O
 *
 * The relay sits between the before-filter smtpd ("up") and the
 * after-filter smtpd ("down").  The driver feeds it what each side
 * sends and acts on the events it returns; bytes to write are left in
 * relay_up_out() and relay_down_out().  Message content is never held
 * here: RELAY_SPOOL hands each piece back for the driver to append to
 * its spool file, and RELAY_SEND asks it to stream the message down.
 * After every call the driver also calls relay_next() until it says
 * RELAY_MORE, since one input can end the content and start a verdict.
 */
#ifndef PFX_SMTPRELAY_H
#define PFX_SMTPRELAY_H

#include <stddef.h>

#include "buf.h"

#define RELAY_MAX_LINE		4096	/* a command from smtpd */
#define RELAY_MAX_REPLY		65536	/* a (multi-line) reply from down */
#define RELAY_MAX_RCPTS		1000	/* recorded for the verdict */
#define RELAY_MAX_ADDR		RELAY_MAX_LINE	/* as long as a command */

enum relay_event {
	RELAY_MORE,		/* nothing for the driver but the out bytes */
	RELAY_SPOOL_OPEN,	/* content follows: open a spool file */
	RELAY_SPOOL,		/* append *span to the spool */
	RELAY_VERDICT,		/* the message is whole: ask for a verdict */
	RELAY_SEND,		/* stream the message down, then relay_sent() */
	RELAY_CLOSE_DOWN,	/* close the downstream without "." */
	RELAY_ABORT,		/* smtpd gave up mid-message: drop the spool
				   and the verdict, close down, exit */
	RELAY_DONE,		/* write what is left, then exit */
};

enum relay_verdict {
	RV_ACCEPT,		/* send the spooled message */
	RV_REPLACE,		/* send a replacement (relay_stuff) */
	RV_REJECT,		/* answer smtpd with the reply, queue nothing */
};

struct relay_opts {
	long long	 max_message_size;	/* content bytes, stuffed */
};

struct relay;

struct relay	*relay_new(const struct relay_opts *);
void		 relay_free(struct relay *);

enum relay_event relay_up(struct relay *, const char *, size_t, size_t *used,
		    const char **span, size_t *spanlen);
enum relay_event relay_up_eof(struct relay *);
enum relay_event relay_down(struct relay *, const char *, size_t,
		    size_t *used);
enum relay_event relay_down_eof(struct relay *);
/* relay_spool_failed - the spool could not be written (disk full) */
void		 relay_spool_failed(struct relay *);
/* relay_verdict - reply: a whole SMTP reply line without CRLF (reject) */
enum relay_event relay_verdict(struct relay *, enum relay_verdict,
		    const char *reply);
/* relay_sent - the message went down: end it with "." */
enum relay_event relay_sent(struct relay *);
enum relay_event relay_next(struct relay *);

/* does the relay take input from that side now?  (else hold it) */
int		 relay_wants_up(const struct relay *);
int		 relay_wants_down(const struct relay *);
/*
 * relay_data_refused - was DATA just refused downstream?  (Once.)  A
 * client that sent content before the answer must not have it taken
 * for commands: the driver drops what it holds.
 */
int		 relay_data_refused(struct relay *);
/* is the downstream's answer to "." awaited? */
int		 relay_awaits_eod(const struct relay *);

struct buf	*relay_up_out(struct relay *);
struct buf	*relay_down_out(struct relay *);

/* the envelope, for the verdict; NUL-terminated */
const char	*relay_sender(const struct relay *);
size_t		 relay_nrcpts(const struct relay *);
const char	*relay_rcpt(const struct relay *, size_t);
/* XFORWARD NAME, ADDR or HELO, decoded; "" when not sent */
const char	*relay_xforward(const struct relay *, const char *attr);
/* the content's length in the spool, without the final ".\r\n" */
long long	 relay_content_length(const struct relay *);

#endif
