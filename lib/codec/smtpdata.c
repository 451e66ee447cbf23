/*
 * smtpdata.c - dot-stuffing and line ends, streaming (pure)
 *
 * A CR is part of a line end only when an LF follows it, so unstuff
 * holds a CR back until it sees the next byte, which may come in the
 * next piece.
 */
#include "err.h"
#include "smtpdata.h"

void
smtpdata_init(struct smtpdata *s)
{
	s->line_start = 1;
	s->cr = 0;
}

int
smtpdata_unstuff(struct smtpdata *s, const char *p, size_t n, struct buf *out)
{
	size_t	 i;
	int	 r = PFX_OK;

	for (i = 0; i < n && r == PFX_OK; i++) {
		if (s->cr) {
			s->cr = 0;
			if (p[i] == '\n') {
				r = buf_putc(out, '\n');
				s->line_start = 1;
				continue;
			}
			if ((r = buf_putc(out, '\r')) != PFX_OK)
				break;
		}
		if (s->line_start && p[i] == '.') {
			s->line_start = 0;	/* the stuffing dot */
			continue;
		}
		s->line_start = p[i] == '\n';
		if (p[i] == '\r')
			s->cr = 1;
		else
			r = buf_putc(out, p[i]);
	}
	return (r);
}

int
smtpdata_unstuff_end(struct smtpdata *s, struct buf *out)
{
	int	 r = PFX_OK;

	if (s->cr)
		r = buf_putc(out, '\r');
	smtpdata_init(s);
	return (r);
}

int
smtpdata_stuff(struct smtpdata *s, const char *p, size_t n, struct buf *out)
{
	size_t	 i;
	int	 r = PFX_OK;

	for (i = 0; i < n && r == PFX_OK; i++) {
		if (s->line_start && p[i] == '.' &&
		    (r = buf_putc(out, '.')) != PFX_OK)
			break;
		if (p[i] == '\n') {
			/* CRLF stays CRLF, a bare LF becomes one */
			if (!s->cr)
				r = buf_putc(out, '\r');
			if (r == PFX_OK)
				r = buf_putc(out, '\n');
			s->line_start = 1;
			s->cr = 0;
			continue;
		}
		s->line_start = 0;
		s->cr = p[i] == '\r';
		r = buf_putc(out, p[i]);
	}
	return (r);
}

int
smtpdata_stuff_end(struct smtpdata *s, struct buf *out)
{
	int	 r = PFX_OK;

	/* the last line had no line end: "." must start a line */
	if (!s->line_start)
		r = buf_puts(out, s->cr ? "\n" : "\r\n");
	smtpdata_init(s);
	return (r);
}
