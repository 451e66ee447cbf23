/*
 * filter.c - one smtpd_proxy_filter transaction: the relay's I/O
 *
 * DESCRIPTION
 *	stdin and stdout are the before-filter smtpd (spawn(8)); the
 *	downstream is the after-filter smtpd, connected at start.  A poll
 *	loop feeds the relay (lib/codec/smtprelay.c) what either side
 *	sends, writes what it says, keeps the content in a spool file, and
 *	at the end of the message runs the verdict.  Accepted content goes
 *	down from the spool (or the filter's replacement) and is ended by
 *	"."; anything else closes the downstream without ".", so nothing
 *	is queued.
 *
 *	Time: after the client's "." smtpd waits smtpd_proxy_timeout
 *	(100s) for our reply.  The verdict gets the entry's timeout, and
 *	the message must be down and answered within POST_DATA_MS of the
 *	"."; past that the downstream is dropped without ".": a late
 *	success would duplicate the mail when the client retries.
 *
 * FILES
 *	The spool is a file in tempdir, created O_EXCL and 0600 and
 *	unlinked at once (only the descriptor is kept).  The filter's
 *	EMAIL and OUTFILE files exist while it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "fallback.h"
#include "filter.h"
#include "filter_command.h"
#include "io.h"
#include "log.h"
#include "rid.h"
#include "rid_seed.h"
#include "smtpdata.h"
#include "smtprelay.h"

#define CHUNK		65536
#define CONNECT_MS	10000	/* to the downstream */
#define REPLY_MS	60000	/* a downstream reply to a command */
#define POST_DATA_MS	90000	/* from the client's "." to our reply */
#define MIN_REPLY_MS	5000	/* left for the downstream's reply to "." */
#define UNAVAILABLE	"421 4.3.0 Error: the after-filter smtpd is" \
			" unavailable\r\n"

struct filter {
	const struct conf *conf;
	const struct conf_entry *e;
	struct relay	*r;
	int		 up_in, up_out, down;
	int		 spool;		/* -1: none */
	char		 held[CHUNK];	/* smtpd's bytes the relay waits on */
	size_t		 nheld;
	long long	 eod;		/* when the client's "." came */
	int		 gone;		/* smtpd closed during the verdict */
	int		 judged;	/* this message's verdict was asked */
	long long	 sent_at;	/* when the awaited command went down */
	int		 done;
	uint64_t	 rid_state;	/* request ids of HTTP verdicts */
	char		 rid[RID_MAX + 1];	/* this message's, or "" */
};

/* ------------------------------------------------------------- I/O */

static int
nonblock_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd pfd;
	int	 err = 0, fl;
	socklen_t elen = sizeof(err);

	fl = fcntl(fd, F_GETFL);
	(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS)
		return (-1);
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, CONNECT_MS) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0) {
		errno = err != 0 ? err : ETIMEDOUT;
		return (-1);
	}
	/* it stays non-blocking: every write down has a deadline */
	return (0);
}

/* connect_down - "unix:/path" or "[inet:]host:port" */
static int
connect_down(const char *where)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_un sun;
	char	 host[256];
	const char *colon;
	int	 fd = -1, one = 1;

	if (strncmp(where, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(where + 5) >= sizeof(sun.sun_path)) {
			errno = ENAMETOOLONG;
			return (-1);
		}
		memcpy(sun.sun_path, where + 5, strlen(where + 5));
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
			return (-1);
		if (nonblock_connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) < 0) {
			(void)close(fd);
			return (-1);
		}
		return (fd);
	}
	if (strncmp(where, "inet:", 5) == 0)
		where += 5;
	colon = strrchr(where, ':');
	snprintf(host, sizeof(host), "%.*s", (int)(colon - where), where);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		if (nonblock_connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			/* "." goes in a write of its own: Nagle would hold it
			 * for the peer's delayed ACK (40 ms a message) */
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			break;
		}
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

/* flush - what the relay has for each side; 0 when smtpd went away */
static int
flush(struct filter *f)
{
	struct buf *b = relay_up_out(f->r);

	if (b->len > 0) {
		if (io_write_all(f->up_out, b->data, b->len) != PFX_OK)
			return (0);
		buf_reset(b);
	}
	b = relay_down_out(f->r);
	if (b->len > 0)
		f->sent_at = clock_ms();	/* its reply is awaited from now */
	if (b->len > 0 && f->down >= 0 && io_write_by(f->down, b->data,
	    b->len, clock_ms() + REPLY_MS) != PFX_OK) {
		buf_reset(b);
		(void)close(f->down);
		f->down = -1;
		return (2);
	}
	buf_reset(b);
	return (1);
}

static void
close_down(struct filter *f)
{
	if (f->down >= 0)
		(void)close(f->down);
	f->down = -1;
}

static int
spool_open(struct filter *f)
{
	char	 path[4096];
	int	 fd;

	if (f->spool >= 0)
		(void)close(f->spool);
	snprintf(path, sizeof(path), "%s/pfxhttp-spool-XXXXXX",
	    f->e->tempdir);
	if ((fd = mkostemp(path, O_CLOEXEC)) < 0) {
		log_warnx("smtpfilter %s: cannot create a spool file in %s: %s",
		    f->e->name, f->e->tempdir, strerror(errno));
		return (-1);
	}
	/* only the descriptor is needed: nothing is left if we are killed */
	(void)unlink(path);
	f->spool = fd;
	return (0);
}

/* ---------------------------------------------------------- verdict */

/*
 * client_gone - did smtpd close while the verdict ran?  (It sends
 * nothing before our reply but QUIT and a close when it gives up.)
 */
static int
client_gone(struct filter *f)
{
	struct pollfd pfd;
	ssize_t	 n;

	pfd.fd = f->up_in;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 1)
		return (0);
	if (!(pfd.revents & POLLIN))
		return (1);
	if (f->nheld == sizeof(f->held) || (n = read(f->up_in, f->held +
	    f->nheld, sizeof(f->held) - f->nheld)) <= 0)
		return (1);
	f->nheld += (size_t)n;
	return (0);
}

/* tempfile - an empty 0600 file in tempdir; its path in path */
static int
tempfile(const struct filter *f, const char *what, char *path, size_t len)
{
	snprintf(path, len, "%s/pfxhttp-%s-XXXXXX", f->e->tempdir, what);
	return (mkostemp(path, O_CLOEXEC));
}

/*
 * down_write - n bytes to the downstream by a deadline, unless smtpd
 * goes away meanwhile (then nothing more goes down, "." least of all)
 */
static int
down_write(struct filter *f, const char *p, size_t n, long long by)
{
	struct pollfd pfd[2];
	long long left;
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(f->down, p, n)) >= 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return (PFX_EIO);
		if ((left = by - clock_ms()) <= 0)
			return (PFX_ETIMEOUT);
		pfd[0] = (struct pollfd){ f->down, POLLOUT, 0 };
		pfd[1] = (struct pollfd){ f->up_in, POLLRDHUP, 0 };
		if (poll(pfd, 2, left > 1000 ? 1000 : (int)left) < 0 &&
		    errno != EINTR)
			return (PFX_EIO);
		if (pfd[1].revents != 0) {
			f->gone = 1;
			return (PFX_EIO);
		}
	}
	return (PFX_OK);
}

/* write_out - to a file (f NULL) or to the downstream */
static int
write_out(struct filter *f, int fd, const char *p, size_t n, long long by)
{
	return (f == NULL ? io_write_all(fd, p, n) : down_write(f, p, n, by));
}

/*
 * copy_spool - the spool's content through a conversion into fd (or,
 * conv NULL, as is); with f, fd is the downstream and by its deadline
 */
static int
copy_spool(struct filter *f, int from, long long len, int to, long long by,
    int (*conv)(struct smtpdata *, const char *, size_t, struct buf *),
    int (*end)(struct smtpdata *, struct buf *))
{
	struct smtpdata sd;
	struct buf out;
	char	 in[CHUNK];
	long long off = 0;
	ssize_t	 n;
	int	 r = PFX_OK;

	smtpdata_init(&sd);
	buf_init(&out, 2 * CHUNK + 8);
	while (r == PFX_OK && (len < 0 || off < len)) {
		n = pread(from, in, len < 0 || len - off > CHUNK ? CHUNK :
		    (size_t)(len - off), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 || len >= 0 ? PFX_EIO : PFX_OK;
			break;
		}
		off += n;
		buf_reset(&out);
		if (conv != NULL && (r = conv(&sd, in, (size_t)n, &out)) !=
		    PFX_OK)
			break;
		r = conv != NULL ? write_out(f, to, out.data, out.len, by) :
		    write_out(f, to, in, (size_t)n, by);
	}
	if (r == PFX_OK && end != NULL) {
		buf_reset(&out);
		if ((r = end(&sd, &out)) == PFX_OK)
			r = write_out(f, to, out.data, out.len, by);
	}
	buf_free(&out);
	return (r);
}

/*
 * http_verdict - the entry's target judges the message in fd (as a
 * command's EMAIL has it), the envelope in headers; a replacement comes
 * back in a file of its own
 */
static void
http_verdict(struct filter *f, int fd, long long deadline,
    struct filter_result *res, int *replace_fd)
{
	struct pfx_attr a[6];
	struct pfx_req req;
	struct pfx_result pr;
	struct buf rcpts;
	char	 count[24], path[4096];
	struct stat st;
	size_t	 i;
	int	 rfd;

	buf_init(&rcpts, BUF_UNLIMITED);
	for (i = 0; i < relay_nrcpts(f->r); i++) {
		if (i > 0)
			(void)buf_putc(&rcpts, ',');
		(void)buf_puts(&rcpts, relay_rcpt(f->r, i));
	}
	snprintf(count, sizeof(count), "%zu", relay_nrcpts(f->r));
#define A(i, n, v)	(a[i].name = (n), a[i].value = (v), \
			    a[i].valuelen = strlen(a[i].value))
	A(0, "sender", relay_sender(f->r));
	A(1, "recipients", buf_str(&rcpts));
	A(2, "recipient_count", count);
	A(3, "client_address", relay_xforward(f->r, "ADDR"));
	A(4, "client_name", relay_xforward(f->r, "NAME"));
	A(5, "helo_name", relay_xforward(f->r, "HELO"));
#undef A
	memset(&req, 0, sizeof(req));
	req.attrs = a;
	req.nattrs = 6;
	/* in the backend's request_id_header and our log line */
	rid_make(f->rid, &f->rid_state, NULL, 0);
	req.rid = f->rid;
	result_init(&pr, (size_t)f->e->max_message_size);
	res->v = FV_FAILED;
	if (fstat(fd, &st) != 0)
		snprintf(res->why, sizeof(res->why), "%s", strerror(errno));
	else
		fallback_verdict(f->conf->file, 0, f->e->name, &req, fd,
		    (long long)st.st_size, deadline, &pr);
	switch (pr.verdict) {
	case PFX_FOUND:
		res->v = FV_ACCEPT;
		if (pr.value.len == 0)
			break;
		/* a replacement: a file, sent like a command's OUTFILE */
		if ((rfd = tempfile(f, "out", path, sizeof(path))) < 0 ||
		    io_write_all(rfd, pr.value.data, pr.value.len) != PFX_OK) {
			res->v = FV_FAILED;
			snprintf(res->why, sizeof(res->why), "cannot store the"
			    " replacement: %s", strerror(errno));
			if (rfd >= 0)
				(void)close(rfd);
		} else {
			res->v = FV_REPLACE;
			*replace_fd = rfd;
		}
		if (rfd >= 0)
			(void)unlink(path);
		break;
	case PFX_NOTFOUND:
		res->v = FV_REJECT;
		snprintf(res->reply, sizeof(res->reply), "%s",
		    buf_str(&pr.reason));
		break;
	default:
		snprintf(res->why, sizeof(res->why), "HTTP verdict: %s",
		    buf_str(&pr.reason));
		break;
	}
	result_free(&pr);
	buf_free(&rcpts);
}

static void
log_verdict(const struct filter *f, const char *what, const char *why)
{
	log_info("smtpfilter %s: %s: from=<%s> nrcpt=%zu size=%lld%s%s%s%s",
	    f->e->name, what, relay_sender(f->r), relay_nrcpts(f->r),
	    relay_content_length(f->r), why != NULL && *why ? ": " : "",
	    why != NULL ? why : "", *f->rid != '\0' ? " rid=" : "", f->rid);
}

/*
 * verdict - run the command on the message; the relay's next event
 * (RELAY_SEND after an accept, with *replace set for a replacement)
 */
static enum relay_event
verdict(struct filter *f, int *replace_fd)
{
	struct filter_result res;
	struct filter_msg m;
	const char *rcpts[RELAY_MAX_RCPTS];
	char	 email[4096], outfile[4096];
	long long deadline;
	int	 efd, ofd = -1;
	size_t	 i;
	struct stat st;

	*replace_fd = -1;
	f->rid[0] = '\0';
	memset(&res, 0, sizeof(res));
	email[0] = outfile[0] = '\0';
	if ((efd = tempfile(f, "email", email, sizeof(email))) < 0 ||
	    copy_spool(NULL, f->spool, relay_content_length(f->r), efd, -1,
	    smtpdata_unstuff, smtpdata_unstuff_end) != PFX_OK ||
	    (ofd = tempfile(f, "out", outfile, sizeof(outfile))) < 0) {
		res.v = FV_FAILED;
		snprintf(res.why, sizeof(res.why), "cannot write the message"
		    " for the filter in %s: %s", f->e->tempdir,
		    strerror(errno));
		if (efd >= 0)
			(void)close(efd);
		goto cleanup;
	}
	deadline = f->eod + f->e->timeout_ms;
	if (f->e->ncommand == 0) {
		http_verdict(f, efd, deadline, &res, replace_fd);
		(void)close(efd);
		goto cleanup;
	}
	(void)close(efd);
	for (i = 0; i < relay_nrcpts(f->r); i++)
		rcpts[i] = relay_rcpt(f->r, i);
	memset(&m, 0, sizeof(m));
	m.email_path = email;
	m.outfile_path = outfile;
	m.sender = relay_sender(f->r);
	m.rcpts = rcpts;
	m.nrcpts = relay_nrcpts(f->r);
	m.client_address = relay_xforward(f->r, "ADDR");
	m.client_name = relay_xforward(f->r, "NAME");
	m.helo = relay_xforward(f->r, "HELO");
	filter_command_run(f->e, &m, deadline, f->up_in, &res);
	if (res.v == FV_REPLACE) {
		/* the path, not our descriptor: a filter may mv a file
		 * over OUTFILE; what cannot be read is a failure */
		(void)close(ofd);
		ofd = -1;
		if ((*replace_fd = open(outfile, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(*replace_fd, &st) !=
		    0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
		    st.st_size > f->e->max_message_size) {
			if (*replace_fd >= 0)
				(void)close(*replace_fd);
			*replace_fd = -1;
			res.v = FV_FAILED;
			snprintf(res.why, sizeof(res.why), "%s", "OUTFILE"
			    " cannot be read back, or is larger than"
			    " max_message_size");
		}
	}
cleanup:
	if (client_gone(f))
		f->gone = 1;	/* smtpd gave up: abort, whatever it says */
	if (email[0] != '\0')
		(void)unlink(email);
	if (outfile[0] != '\0' && unlink(outfile) != 0 && errno == EISDIR)
		(void)rmdir(outfile);	/* a filter made it a directory */
	if (ofd >= 0)
		(void)close(ofd);
	if (f->gone) {
		if (*replace_fd >= 0)
			(void)close(*replace_fd);
		*replace_fd = -1;
		return (RELAY_MORE);
	}
	switch (res.v) {
	case FV_ACCEPT:
	case FV_REPLACE:
		log_verdict(f, res.v == FV_ACCEPT ? "accepted" : "replaced",
		    NULL);
		return (relay_verdict(f->r, RV_ACCEPT, NULL));
	case FV_REJECT:
		log_verdict(f, "rejected", res.reply);
		return (relay_verdict(f->r, RV_REJECT, res.reply));
	case FV_FAILED:
		break;
	}
	if (f->e->failure_accepts) {
		log_verdict(f, "filter failed, passed (on_failure accept)",
		    res.why);
		return (relay_verdict(f->r, RV_ACCEPT, NULL));
	}
	log_verdict(f, "filter failed, deferred", res.why);
	return (relay_verdict(f->r, RV_REJECT, "451 4.7.1 Error: the content"
	    " filter failed; try again later"));
}

/* send - the message down: the spool as it came, or the replacement */
static enum relay_event
send_message(struct filter *f, int replace_fd)
{
	int	 r;

	if (f->down < 0) {
		/* the downstream left during the verdict: 451, not queued */
		(void)relay_down_eof(f->r);
		return (relay_sent(f->r));
	}
	if (replace_fd >= 0) {
		r = copy_spool(f, replace_fd, -1, f->down, f->eod +
		    POST_DATA_MS, smtpdata_stuff, smtpdata_stuff_end);
		(void)close(replace_fd);
	} else
		r = copy_spool(f, f->spool, relay_content_length(f->r),
		    f->down, f->eod + POST_DATA_MS, NULL, NULL);
	if (f->gone)
		return (relay_up_eof(f->r));	/* abort: no "." */
	if (r != PFX_OK || clock_ms() > f->eod + POST_DATA_MS - MIN_REPLY_MS) {
		/* no "." after a failed or late send: nothing is queued */
		log_warnx("smtpfilter %s: %s; the message was not passed on",
		    f->e->name, r != PFX_OK ? "sending to the after-filter"
		    " smtpd failed" : "sending took too long");
		close_down(f);
		(void)relay_down_eof(f->r);
	}
	return (relay_sent(f->r));
}

/*
 * log_refusal - the relay refused the message itself (too big, bare
 * LF, spool failure, downstream lost): say so beside smtpd's log
 */
static void
log_refusal(const struct filter *f)
{
	const struct buf *b = relay_up_out(f->r);
	size_t	 n;

	if (b->len < 4 || (b->data[0] != '4' && b->data[0] != '5'))
		return;
	for (n = 0; n < b->len && b->data[n] != '\r' && b->data[n] != '\n';
	    n++)
		;
	log_info("smtpfilter %s: refused: %.*s", f->e->name, (int)n,
	    b->data);
}

/* ------------------------------------------------------------ loop */

static void
handle(struct filter *f, enum relay_event ev)
{
	int	 replace_fd;

	while (ev != RELAY_MORE && !f->done) {
		switch (ev) {
		case RELAY_SPOOL_OPEN:
			f->judged = 0;
			if (spool_open(f) < 0)
				relay_spool_failed(f->r);
			break;
		case RELAY_SPOOL:
			break;	/* written by the caller */
		case RELAY_VERDICT:
			f->eod = clock_ms();
			f->judged = 1;	/* verdict() logs what it decides */
			if (!flush(f)) {
				f->done = 1;
				return;
			}
			ev = verdict(f, &replace_fd);
			if (f->gone) {
				ev = relay_up_eof(f->r);
				continue;
			}
			if (ev == RELAY_SEND) {
				ev = send_message(f, replace_fd);
				continue;
			}
			continue;
		case RELAY_SEND:
			ev = send_message(f, -1);
			continue;
		case RELAY_CLOSE_DOWN:
			if (!f->judged)
				log_refusal(f);
			close_down(f);
			break;
		case RELAY_ABORT:
			log_info("smtpfilter %s: the client went away in the"
			    " middle of a message; nothing was passed on",
			    f->e->name);
			close_down(f);
			f->done = 1;
			return;
		case RELAY_DONE:
			f->done = 1;
			break;
		case RELAY_MORE:
			break;
		}
		ev = relay_next(f->r);
	}
}

/* from_up - feed what smtpd sent (and what was held) to the relay */
static void
from_up(struct filter *f)
{
	const char *span;
	size_t	 used, spanlen, off = 0;
	enum relay_event ev;

	while (off < f->nheld && !f->done && relay_wants_up(f->r)) {
		ev = relay_up(f->r, f->held + off, f->nheld - off, &used,
		    &span, &spanlen);
		off += used;
		if (ev == RELAY_SPOOL) {
			if (f->spool >= 0 && io_write_all(f->spool, span,
			    spanlen) != PFX_OK) {
				log_warnx("smtpfilter %s: spool: %s",
				    f->e->name, strerror(errno));
				relay_spool_failed(f->r);
				(void)close(f->spool);
				f->spool = -1;
			}
			ev = relay_next(f->r);
		}
		handle(f, ev);
		if (!f->done && flush(f) == 0)
			f->done = 1;
		if (used == 0)
			break;
	}
	memmove(f->held, f->held + off, f->nheld - off);
	f->nheld -= off;
}

/* reply_deadline - how long the downstream may take for this reply */
static long long
reply_deadline(const struct filter *f)
{
	long long by = f->sent_at + REPLY_MS;

	/* after ".": smtpd must have our answer within its own timeout */
	if (relay_awaits_eod(f->r) && by > f->eod + POST_DATA_MS)
		by = f->eod + POST_DATA_MS;
	return (by);
}

int
filter_serve(const struct conf *c, const struct conf_entry *e, int in,
    int out)
{
	enum { P_UP, P_DOWN };
	struct relay_opts ro;
	struct pollfd pfd[2];
	struct filter f;
	char	 buf[CHUNK];
	ssize_t	 n;
	long long left;
	int	 timeout, rc = 0;
	size_t	 used;

	memset(&f, 0, sizeof(f));
	f.conf = c;
	f.rid_state = rid_seed();
	f.e = e;
	f.up_in = in;
	f.up_out = out;
	f.spool = -1;
	ro.max_message_size = e->max_message_size;
	f.r = relay_new(&ro);
	if ((f.down = connect_down(e->downstream)) < 0) {
		log_warnx("smtpfilter %s: cannot connect to %s: %s", e->name,
		    e->downstream, strerror(errno));
		/* smtpd answers its client 451 for any non-2xx greeting */
		(void)io_write_all(out, UNAVAILABLE, sizeof(UNAVAILABLE) - 1);
		relay_free(f.r);
		return (0);
	}
	f.sent_at = clock_ms();		/* the greeting is awaited */
	while (!f.done) {
		/* smtpd's input when the relay takes it; its hangup always */
		pfd[P_UP].fd = f.up_in;
		pfd[P_UP].events = relay_wants_up(f.r) &&
		    f.nheld < sizeof(f.held) ? POLLIN : POLLRDHUP;
		pfd[P_DOWN].fd = f.down;
		pfd[P_DOWN].events = POLLIN;
		timeout = -1;
		if (relay_wants_down(f.r) && f.down >= 0) {
			left = reply_deadline(&f) - clock_ms();
			timeout = left <= 0 ? 0 : left > REPLY_MS ? REPLY_MS :
			    (int)left;
		}
		if ((n = poll(pfd, 2, timeout)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0) {
			log_warnx("smtpfilter %s: the after-filter smtpd did"
			    " not answer in time", e->name);
			close_down(&f);
			handle(&f, relay_down_eof(f.r));
			if (flush(&f) == 0)
				break;
			continue;
		}
		if (f.down >= 0 && (pfd[P_DOWN].revents & (POLLIN | POLLHUP |
		    POLLERR))) {
			n = read(f.down, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				close_down(&f);
				handle(&f, relay_down_eof(f.r));
			} else
				handle(&f, relay_down(f.r, buf, (size_t)n,
				    &used));
			if (flush(&f) == 0)
				break;
			if (relay_data_refused(f.r) && f.nheld > 0) {
				/* content sent ahead of a refused DATA */
				log_warnx("smtpfilter %s: input before the"
				    " answer to DATA dropped", e->name);
				f.nheld = 0;
			}
			from_up(&f);	/* the reply may let held input on */
			continue;
		}
		if (pfd[P_UP].revents == 0)
			continue;
		if (pfd[P_UP].events == POLLRDHUP) {
			/* smtpd left while we waited for the downstream */
			handle(&f, relay_up_eof(f.r));
			break;
		}
		n = read(f.up_in, f.held + f.nheld, sizeof(f.held) - f.nheld);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			from_up(&f);
			handle(&f, relay_up_eof(f.r));
			(void)flush(&f);
			break;
		}
		f.nheld += (size_t)n;
		from_up(&f);
	}
	close_down(&f);
	if (f.spool >= 0)
		(void)close(f.spool);
	relay_free(f.r);
	return (rc);
}
