/*
 * smtpdata.h - message content between SMTP and file form (pure)
 *
 * SMTP carries content dot-stuffed with CRLF line ends; a filter
 * program reads and writes plain text.  Both conversions stream: feed
 * any pieces, then finish.
 */
#ifndef PFX_SMTPDATA_H
#define PFX_SMTPDATA_H

#include <stddef.h>

#include "buf.h"

struct smtpdata {
	int		 line_start;	/* the next byte begins a line */
	int		 cr;		/* a CR is held back (unstuff) */
};

void	 smtpdata_init(struct smtpdata *);
/*
 * smtpdata_unstuff - SMTP content (without the final ".") to a file as
 * postprox gives it: the leading dot of a line dropped, CRLF made LF;
 * other CRs kept
 */
int	 smtpdata_unstuff(struct smtpdata *, const char *, size_t, struct buf *);
int	 smtpdata_unstuff_end(struct smtpdata *, struct buf *);
/*
 * smtpdata_stuff - a file (LF or CRLF line ends) to SMTP content: every
 * line ends in CRLF, a line that starts with "." gets another, and the
 * last line is ended if it was not
 */
int	 smtpdata_stuff(struct smtpdata *, const char *, size_t, struct buf *);
int	 smtpdata_stuff_end(struct smtpdata *, struct buf *);

#endif
