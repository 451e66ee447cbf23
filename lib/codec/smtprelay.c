/*
 * smtprelay.c - the SMTP relay between two smtpd processes (sans I/O)
 *
 * DESCRIPTION
 *	Lock-step, as smtpd speaks to a proxy (SMTPD_PROXY_README): the
 *	downstream's greeting goes up; each command line from smtpd goes
 *	down byte for byte (the CRLF restored) and its whole reply comes
 *	back up before the next command is read.  The EHLO reply goes up
 *	without CHUNKING and BINARYMIME (content reaches the filter as
 *	DATA only).  MAIL, RCPT and XFORWARD are remembered for the
 *	verdict once the downstream accepted them.
 *
 *	DATA goes down first: only the downstream's 354 goes up, and then
 *	content is read until a line that is exactly "." CRLF, and nothing
 *	else: ".\r", ".\n", "\n.\n" are content.  Every content byte,
 *	still dot-stuffed, is handed to the spool unchanged; the verdict
 *	decides whether it goes down and is ended by ".", or whether the
 *	downstream connection is dropped without "." so that nothing is
 *	queued.  EOF from smtpd before the end (smtpd aborts by writing
 *	QUIT into the content and closing) aborts the transaction.
 *
 * SECURITY
 *	A bare LF in content is refused: smtpd never sends one, and the
 *	downstream would take "\n.\n" for the end of the message, which
 *	would let a body smuggle commands past the verdict.  A bare CR is
 *	passed (Postfix ends lines at LF only).  Nothing smtpd sends is
 *	read as a command while content is being read.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "hexq.h"
#include "linebuf.h"
#include "smtprelay.h"
#include "xalloc.h"

enum state {
	R_GREETING,	/* the downstream's greeting */
	R_COMMAND,	/* a command from smtpd */
	R_REPLY,	/* a command went down: its reply */
	R_CONTENT,	/* message content from smtpd */
	R_ENDED,	/* content ended: check it, then the verdict */
	R_VERDICT,	/* the driver asks the verdict */
	R_SENDING,	/* the driver streams the message down */
	R_EOD_REPLY,	/* "." went down: its reply */
	R_DOWN_GONE,	/* no downstream: QUIT is answered here */
	R_DONE,
};

enum cmd { C_EHLO, C_MAIL, C_RCPT, C_DATA, C_RSET, C_QUIT, C_XFORWARD,
    C_OTHER };

/* content scanner: where "." CRLF at a line start would be */
enum scan { S_MID, S_LINE_START, S_DOT, S_DOT_CR, S_DOT_CRS };

#define XF_LEN	256

struct relay {
	enum state	 st;
	enum cmd	 pending;
	struct relay_opts o;
	struct linebuf	 lb;		/* command lines from smtpd */
	struct buf	 cmdline;	/* the command that went down */
	struct buf	 dline;		/* a reply line from down, partial */
	struct buf	 reply;		/* the reply so far */
	int		 reply_bad;
	struct buf	 up, down;	/* bytes to write */
	/* content */
	enum scan	 scan;
	char		 last;
	long long	 total;		/* content bytes, with the end */
	int		 bare_lf, spool_failed, down_lost;
	int		 data_refused;	/* for relay_data_refused() */
	enum relay_event queued;	/* for relay_next() */
	/* envelope */
	struct buf	 sender;
	struct buf	 rcpts;		/* address\0address\0... */
	size_t		 rcptoff[RELAY_MAX_RCPTS];
	size_t		 nrcpts;
	char		 xf_name[XF_LEN], xf_addr[XF_LEN], xf_helo[XF_LEN];
};

struct relay *
relay_new(const struct relay_opts *o)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->o = *o;
	r->st = R_GREETING;
	lb_init(&r->lb, RELAY_MAX_LINE);
	buf_init(&r->cmdline, RELAY_MAX_LINE);
	buf_init(&r->dline, RELAY_MAX_REPLY);
	buf_init(&r->reply, RELAY_MAX_REPLY);
	buf_init(&r->up, RELAY_MAX_REPLY + RELAY_MAX_LINE);
	buf_init(&r->down, RELAY_MAX_LINE + 8);
	buf_init(&r->sender, RELAY_MAX_ADDR);
	buf_init(&r->rcpts, (size_t)RELAY_MAX_RCPTS * (RELAY_MAX_ADDR + 1));
	return (r);
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	lb_free(&r->lb);
	buf_free(&r->cmdline);
	buf_free(&r->dline);
	buf_free(&r->reply);
	buf_free(&r->up);
	buf_free(&r->down);
	buf_free(&r->sender);
	buf_free(&r->rcpts);
	free(r);
}

struct buf *
relay_up_out(struct relay *r)
{
	return (&r->up);
}

struct buf *
relay_down_out(struct relay *r)
{
	return (&r->down);
}

int
relay_wants_up(const struct relay *r)
{
	return (r->st == R_COMMAND || r->st == R_CONTENT ||
	    r->st == R_DOWN_GONE);
}

int
relay_data_refused(struct relay *r)
{
	int	 v = r->data_refused;

	r->data_refused = 0;
	return (v);
}

int
relay_awaits_eod(const struct relay *r)
{
	return (r->st == R_EOD_REPLY);
}

int
relay_wants_down(const struct relay *r)
{
	return (r->st == R_GREETING || r->st == R_REPLY ||
	    r->st == R_EOD_REPLY);
}

static void
say_up(struct relay *r, const char *line)
{
	(void)buf_puts(&r->up, line);
	(void)buf_puts(&r->up, "\r\n");
}

static void
envelope_clear(struct relay *r)
{
	buf_reset(&r->sender);
	buf_reset(&r->rcpts);
	r->nrcpts = 0;
}

/* ---------------------------------------------------------- envelope */

/* addr_of - the address in "FROM:<addr> ..." / "TO:<addr> ..." */
static void
addr_of(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n, *lt, *gt, *sp;

	buf_reset(out);
	while (p < end && *p == ' ')
		p++;
	if (p < end && (lt = memchr(p, '<', (size_t)(end - p))) == p &&
	    (gt = memchr(lt, '>', (size_t)(end - lt))) != NULL) {
		(void)buf_append(out, lt + 1, (size_t)(gt - lt - 1));
		return;
	}
	sp = memchr(p, ' ', (size_t)(end - p));
	(void)buf_append(out, p, (size_t)((sp != NULL ? sp : end) - p));
}

/* after_colon - the text after "MAIL FROM:" or "RCPT TO:" */
static const char *
after_colon(const struct buf *line, size_t *n)
{
	const char *c = memchr(line->data, ':', line->len);

	if (c == NULL)
		return (NULL);
	*n = line->len - (size_t)(c + 1 - line->data);
	return (c + 1);
}

static void
record_rcpt(struct relay *r)
{
	struct buf a;
	const char *p;
	size_t	 n;

	if (r->nrcpts == RELAY_MAX_RCPTS ||
	    (p = after_colon(&r->cmdline, &n)) == NULL)
		return;
	buf_init(&a, RELAY_MAX_ADDR);
	addr_of(p, n, &a);
	r->rcptoff[r->nrcpts] = r->rcpts.len;
	if (buf_append(&r->rcpts, a.data != NULL ? a.data : "", a.len) ==
	    PFX_OK && buf_putc(&r->rcpts, '\0') == PFX_OK)
		r->nrcpts++;
	else
		buf_truncate(&r->rcpts, r->rcptoff[r->nrcpts]);
	buf_free(&a);
}

/* xtext - RFC 3461 decoding, printable ASCII kept, the rest '?' */
static void
xtext(char *dst, const char *p, size_t n)
{
	size_t	 i, k = 0;
	int	 c, h, l;

	for (i = 0; i < n && k < XF_LEN - 1; i++) {
		c = (unsigned char)p[i];
		if (c == '+' && i + 2 < n && (h = hex_digit(p[i + 1])) >= 0 &&
		    (l = hex_digit(p[i + 2])) >= 0) {
			c = h * 16 + l;
			i += 2;
		}
		dst[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	dst[k] = '\0';
	if (strcmp(dst, "[UNAVAILABLE]") == 0 || strcmp(dst, "[TEMPUNAVAIL]") ==
	    0)
		dst[0] = '\0';
}

static void
record_xforward(struct relay *r)
{
	const char *p = r->cmdline.data + 8, *end = r->cmdline.data +
	    r->cmdline.len, *sp, *eq;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
			sp = end;
		if ((eq = memchr(p, '=', (size_t)(sp - p))) != NULL) {
			if (eq - p == 4 && strncasecmp(p, "NAME", 4) == 0)
				xtext(r->xf_name, eq + 1, (size_t)(sp - eq - 1));
			else if (eq - p == 4 && strncasecmp(p, "ADDR", 4) == 0) {
				xtext(r->xf_addr, eq + 1, (size_t)(sp - eq - 1));
				if (strncasecmp(r->xf_addr, "IPV6:", 5) == 0)
					memmove(r->xf_addr, r->xf_addr + 5,
					    strlen(r->xf_addr + 5) + 1);
			} else if (eq - p == 4 && strncasecmp(p, "HELO", 4) ==
			    0)
				xtext(r->xf_helo, eq + 1, (size_t)(sp - eq - 1));
		}
		p = sp;
	}
}

/* ---------------------------------------------------------- replies */

/* ehlo_keyword - is this reply line's keyword kw?  "250-KW ..." */
static int
ehlo_keyword(const char *line, size_t n, const char *kw)
{
	size_t	 k = strlen(kw);

	if (n < 4 + k || strncasecmp(line + 4, kw, k) != 0)
		return (0);
	return (n == 4 + k || line[4 + k] == ' ' || line[4 + k] == '\r' ||
	    line[4 + k] == '\n');
}

/*
 * ehlo_up - the downstream's EHLO reply without CHUNKING and
 * BINARYMIME: a client of the filter sends DATA, never BDAT
 */
static void
ehlo_up(struct relay *r)
{
	const char *p = r->reply.data, *end = p + r->reply.len, *nl;
	size_t	 n, lastline = r->up.len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)(nl + 1 - p);
		if (!ehlo_keyword(p, n, "CHUNKING") &&
		    !ehlo_keyword(p, n, "BINARYMIME")) {
			lastline = r->up.len;
			(void)buf_append(&r->up, p, n);
		}
		p = nl + 1;
	}
	/* the last line kept must say it is the last */
	if (r->up.len > lastline + 3 && r->up.data[lastline + 3] == '-')
		r->up.data[lastline + 3] = ' ';
}

static void
reply_done(struct relay *r)
{
	int	 code = (r->reply.data[0] - '0') * 100 +
	    (r->reply.data[1] - '0') * 10 + (r->reply.data[2] - '0');
	int	 ok = code >= 200 && code < 300;

	if (r->st == R_GREETING) {
		(void)buf_append(&r->up, r->reply.data, r->reply.len);
		if (ok)
			r->st = R_COMMAND;
		else {
			r->st = R_DOWN_GONE;
			r->queued = RELAY_CLOSE_DOWN;
		}
		return;
	}
	if (r->st == R_EOD_REPLY) {
		/* the downstream's verdict on the message, verbatim */
		(void)buf_append(&r->up, r->reply.data, r->reply.len);
		envelope_clear(r);
		r->st = R_COMMAND;
		return;
	}
	r->st = R_COMMAND;
	switch (r->pending) {
	case C_EHLO:
		if (ok) {
			ehlo_up(r);
			return;
		}
		break;
	case C_MAIL:
		if (ok) {
			const char *p;
			size_t	 n;

			envelope_clear(r);
			if ((p = after_colon(&r->cmdline, &n)) != NULL)
				addr_of(p, n, &r->sender);
		}
		break;
	case C_RCPT:
		if (ok)
			record_rcpt(r);
		break;
	case C_RSET:
		if (ok)
			envelope_clear(r);
		break;
	case C_XFORWARD:
		if (ok)
			record_xforward(r);
		break;
	case C_DATA:
		if (code != 354)
			r->data_refused = 1;
		if (code == 354) {
			r->st = R_CONTENT;
			r->scan = S_LINE_START;
			r->last = '\n';
			r->total = 0;
			r->bare_lf = r->spool_failed = r->down_lost = 0;
			r->queued = RELAY_SPOOL_OPEN;
		}
		break;
	case C_QUIT:
		(void)buf_append(&r->up, r->reply.data, r->reply.len);
		r->st = R_DOWN_GONE;
		r->queued = RELAY_CLOSE_DOWN;
		return;
	case C_OTHER:
		break;
	}
	(void)buf_append(&r->up, r->reply.data, r->reply.len);
}

/* reply_line - one line of a reply: "ddd-text" goes on, "ddd text" ends */
static int
reply_line(struct relay *r, const char *p, size_t n)
{
	size_t	 len = n;

	if (len >= 2 && p[len - 2] == '\r')
		len -= 2;
	else
		len--;
	if (len < 3 || p[0] < '2' || p[0] > '5' || p[1] < '0' || p[1] > '9' ||
	    p[2] < '0' || p[2] > '9' || (len > 3 && p[3] != ' ' &&
	    p[3] != '-') || (r->reply.len > 0 && memcmp(r->reply.data, p,
	    3) != 0))
		r->reply_bad = 1;
	/* each line goes up ended by CRLF, whatever ended it here */
	if (buf_append(&r->reply, p, len) != PFX_OK ||
	    buf_puts(&r->reply, "\r\n") != PFX_OK)
		r->reply_bad = 1;
	return (len == 3 || (len > 3 && p[3] == ' ') || r->reply_bad);
}

static void
down_broken(struct relay *r, const char *why)
{
	if (r->st == R_REPLY && r->pending == C_QUIT)
		say_up(r, "221 2.0.0 Bye");
	else if (r->st != R_COMMAND && r->st != R_DOWN_GONE)
		say_up(r, why);
	r->st = R_DOWN_GONE;
	r->queued = RELAY_CLOSE_DOWN;
}

enum relay_event
relay_down(struct relay *r, const char *p, size_t n, size_t *used)
{
	const char *nl;
	size_t	 i = 0, k;

	*used = 0;
	if (!relay_wants_down(r)) {
		/* nothing is asked: an unsolicited 421 before a close */
		*used = n;
		return (RELAY_MORE);
	}
	while (i < n) {
		if ((nl = memchr(p + i, '\n', n - i)) == NULL) {
			if (buf_append(&r->dline, p + i, n - i) != PFX_OK) {
				*used = n;
				down_broken(r, "451 4.4.2 Error: overlong reply"
				    " from the after-filter smtpd");
				return (relay_next(r));
			}
			*used = n;
			return (RELAY_MORE);
		}
		k = (size_t)(nl + 1 - (p + i));
		if (buf_append(&r->dline, p + i, k) != PFX_OK)
			r->reply_bad = 1;
		i += k;
		if (!reply_line(r, r->dline.data, r->dline.len)) {
			buf_reset(&r->dline);
			continue;
		}
		buf_reset(&r->dline);
		/* lock-step: what follows a reply answers nothing; dropped */
		*used = n;
		if (r->reply_bad) {
			r->reply_bad = 0;
			buf_reset(&r->reply);
			down_broken(r, "451 4.4.2 Error: malformed reply from"
			    " the after-filter smtpd");
			return (relay_next(r));
		}
		reply_done(r);
		buf_reset(&r->reply);
		return (relay_next(r));
	}
	*used = n;
	return (RELAY_MORE);
}

enum relay_event
relay_down_eof(struct relay *r)
{
	switch (r->st) {
	case R_CONTENT:
	case R_ENDED:
	case R_VERDICT:
	case R_SENDING:
		/* smtpd still gets its end-of-data reply: a 451 then */
		r->down_lost = 1;
		return (RELAY_MORE);
	case R_GREETING:
		say_up(r, "451 4.3.0 Error: the after-filter smtpd closed the"
		    " connection");
		r->st = R_DONE;
		return (RELAY_DONE);
	case R_DOWN_GONE:
	case R_DONE:
		return (RELAY_MORE);
	default:
		down_broken(r, "451 4.4.2 Error: lost connection with the"
		    " after-filter smtpd");
		return (relay_next(r));
	}
}

/* --------------------------------------------------------- commands */

static enum cmd
verb(const char *p, size_t n)
{
	static const struct {
		const char	*word;
		enum cmd	 cmd;
	} verbs[] = {
		{ "EHLO", C_EHLO }, { "MAIL", C_MAIL }, { "RCPT", C_RCPT },
		{ "DATA", C_DATA }, { "RSET", C_RSET }, { "QUIT", C_QUIT },
		{ "XFORWARD", C_XFORWARD },
	};
	size_t	 i, k;

	for (k = 0; k < n && p[k] != ' '; k++)
		;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].word) == k &&
		    strncasecmp(p, verbs[i].word, k) == 0)
			return (verbs[i].cmd);
	return (C_OTHER);
}

static int
refused_verb(const char *p, size_t n)
{
	static const char *const refused[] = { "BDAT", "STARTTLS" };
	size_t	 i, k;

	for (k = 0; k < n && p[k] != ' '; k++)
		;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strlen(refused[i]) == k &&
		    strncasecmp(p, refused[i], k) == 0)
			return (1);
	return (0);
}

static enum relay_event
command(struct relay *r, const char *p, size_t n)
{
	if (r->st == R_DOWN_GONE) {
		if (verb(p, n) == C_QUIT) {
			say_up(r, "221 2.0.0 Bye");
			r->st = R_DONE;
			return (RELAY_DONE);
		}
		say_up(r, "421 4.3.0 Error: the filter's transaction has"
		    " ended");
		r->st = R_DONE;
		return (RELAY_DONE);
	}
	if (refused_verb(p, n)) {
		/* the filter reads content as DATA, in the clear */
		say_up(r, "502 5.5.1 Error: command not implemented by the"
		    " filter");
		return (RELAY_MORE);
	}
	r->pending = verb(p, n);
	buf_reset(&r->cmdline);
	(void)buf_append(&r->cmdline, p, n);
	(void)buf_append(&r->down, p, n);
	(void)buf_puts(&r->down, "\r\n");
	r->st = R_REPLY;
	return (RELAY_MORE);
}

/* content - scan for "." CRLF at a line start; every byte is spooled */
static enum relay_event
content(struct relay *r, const char *p, size_t n, size_t *used,
    const char **span, size_t *spanlen)
{
	size_t	 i;
	int	 end = 0;
	char	 c;

	for (i = 0; i < n && !end; i++) {
		c = p[i];
		if (c == '\n' && r->last != '\r')
			r->bare_lf = 1;
		switch (r->scan) {
		case S_LINE_START:
			r->scan = c == '.' ? S_DOT : c == '\n' ?
			    S_LINE_START : S_MID;
			break;
		case S_DOT:
			r->scan = c == '\r' ? S_DOT_CR : c == '\n' ?
			    S_LINE_START : S_MID;
			break;
		case S_DOT_CR:
			if (c == '\n')
				end = 1;
			else
				r->scan = c == '\r' ? S_DOT_CRS : S_MID;
			break;
		case S_DOT_CRS:
			/*
			 * ".\r\r\n": content here, but Postfix drops every
			 * CR before an LF and would see the end: refused
			 */
			if (c == '\n') {
				r->bare_lf = 1;
				r->scan = S_LINE_START;
			} else if (c != '\r')
				r->scan = S_MID;
			break;
		case S_MID:
			if (c == '\n')
				r->scan = S_LINE_START;
			break;
		}
		r->last = c;
	}
	*used = i;
	*span = p;
	*spanlen = i;
	/* past the limit nothing more is spooled: the message is refused */
	if (r->total > r->o.max_message_size + 3)
		*spanlen = 0;
	else if (r->total + (long long)i > r->o.max_message_size + 3)
		*spanlen = (size_t)(r->o.max_message_size + 3 - r->total);
	r->total += (long long)i;
	if (end) {
		r->st = R_ENDED;
		r->queued = RELAY_VERDICT;
	}
	return (*spanlen > 0 ? RELAY_SPOOL : relay_next(r));
}

enum relay_event
relay_up(struct relay *r, const char *p, size_t n, size_t *used,
    const char **span, size_t *spanlen)
{
	size_t	 i = 0, u;
	enum relay_event ev;

	*used = 0;
	*span = NULL;
	*spanlen = 0;
	if (r->st == R_CONTENT)
		return (content(r, p, n, used, span, spanlen));
	while (i < n && relay_wants_up(r) && r->st != R_CONTENT) {
		switch (lb_feed(&r->lb, p + i, n - i, &u)) {
		case LB_MORE:
			*used = n;
			return (RELAY_MORE);
		case LB_TOOLONG:
			i += u;
			*used = i;
			lb_consumed(&r->lb);
			say_up(r, "500 5.5.2 Error: line too long");
			return (RELAY_MORE);
		case LB_LINE:
			break;
		}
		i += u;
		ev = command(r, r->lb.line.data, r->lb.line.len);
		lb_consumed(&r->lb);
		*used = i;
		return (ev != RELAY_MORE ? ev : relay_next(r));
	}
	*used = i;
	return (RELAY_MORE);
}

enum relay_event
relay_up_eof(struct relay *r)
{
	enum state st = r->st;

	r->st = R_DONE;
	switch (st) {
	case R_CONTENT:
	case R_ENDED:
	case R_VERDICT:
	case R_SENDING:
		/* no "." may go down: the client will retry */
		return (RELAY_ABORT);
	default:
		return (RELAY_DONE);
	}
}

void
relay_spool_failed(struct relay *r)
{
	r->spool_failed = 1;
}

/* ended - the content is whole: refuse it here, or ask the verdict */
static enum relay_event
ended(struct relay *r)
{
	const char *why = NULL;

	if (r->total - 3 > r->o.max_message_size)
		why = "552 5.3.4 Error: message file too big";
	else if (r->bare_lf)
		why = "554 5.6.0 Error: bare LF or CR in message content";
	else if (r->spool_failed)
		why = "451 4.3.0 Error: the filter could not store the message";
	else if (r->down_lost)
		why = "451 4.4.2 Error: lost connection with the after-filter"
		    " smtpd";
	if (why == NULL) {
		r->st = R_VERDICT;
		return (RELAY_VERDICT);
	}
	say_up(r, why);
	envelope_clear(r);
	r->st = R_DOWN_GONE;
	return (RELAY_CLOSE_DOWN);
}

enum relay_event
relay_verdict(struct relay *r, enum relay_verdict v, const char *reply)
{
	if (r->st != R_VERDICT)
		return (RELAY_MORE);
	if (v != RV_REJECT && r->down_lost)
		reply = "451 4.4.2 Error: lost connection with the after-filter"
		    " smtpd";
	else if (v != RV_REJECT) {
		r->st = R_SENDING;
		return (RELAY_SEND);
	}
	say_up(r, reply);
	envelope_clear(r);
	r->st = R_DOWN_GONE;
	return (RELAY_CLOSE_DOWN);
}

enum relay_event
relay_sent(struct relay *r)
{
	if (r->st != R_SENDING)
		return (RELAY_MORE);
	if (r->down_lost) {
		r->st = R_VERDICT;
		return (relay_verdict(r, RV_REJECT, "451 4.4.2 Error: lost"
		    " connection with the after-filter smtpd"));
	}
	(void)buf_puts(&r->down, ".\r\n");
	r->st = R_EOD_REPLY;
	return (RELAY_MORE);
}

enum relay_event
relay_next(struct relay *r)
{
	enum relay_event ev = r->queued;

	r->queued = RELAY_MORE;
	if (ev == RELAY_VERDICT && r->st == R_ENDED)
		return (ended(r));
	return (ev);
}

const char *
relay_sender(const struct relay *r)
{
	return (buf_str(&r->sender));
}

size_t
relay_nrcpts(const struct relay *r)
{
	return (r->nrcpts);
}

const char *
relay_rcpt(const struct relay *r, size_t i)
{
	return (i < r->nrcpts ? r->rcpts.data + r->rcptoff[i] : NULL);
}

const char *
relay_xforward(const struct relay *r, const char *attr)
{
	if (strcasecmp(attr, "NAME") == 0)
		return (r->xf_name);
	if (strcasecmp(attr, "ADDR") == 0)
		return (r->xf_addr);
	if (strcasecmp(attr, "HELO") == 0)
		return (r->xf_helo);
	return ("");
}

long long
relay_content_length(const struct relay *r)
{
	return (r->total >= 3 ? r->total - 3 : 0);
}
