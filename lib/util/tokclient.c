/*
 * tokclient.c - framed, deadline-bounded calls to pfxhttp-tokend
 *
 * A connection tokend closed while it was idle (server.idle_timeout, or
 * to make room) is reopened once, at the next call: the send or the
 * read on it fails (EPIPE, ECONNRESET, EOF), and the call is made again
 * on a new connection.  A refusal (peer check) is logged once; calls
 * then fail at once for REFUSED_RETRY_MS.
 *
 * A call is three system calls when all goes well: send, poll, recv
 * (tokend cannot have answered before the poll, so no read is tried
 * first).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "netstring.h"
#include "tokclient.h"
#include "xalloc.h"

#define REFUSED_RETRY_MS	10000

struct tokc {
	char		*path;
	int		 fd;
	int		 refused_logged;
	long long	 refused_until;
	struct ns_dec	 ns;
	struct buf	 in;		/* read, not yet decoded */
	struct buf	 out;
};

struct tokc *
tokc_new(const char *path)
{
	struct tokc *t = xcalloc(1, sizeof(*t));

	t->path = xstrdup(path);
	t->fd = -1;
	ns_init(&t->ns, TOK_MAX_MSG);
	buf_init(&t->in, TOK_MAX_MSG + 32);
	buf_init(&t->out, TOK_MAX_MSG + 32);
	return (t);
}

/* ns_digits - the decimal digits of n, at the end of d (24 bytes) */

static size_t
ns_digits(char *d, size_t n)
{
	size_t	 k = 24;

	do
		d[--k] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	return (24 - k);
}

/* ns_head - "len:" at p; returns the bytes written */

static size_t
ns_head(char *p, size_t n)
{
	char	 d[24];
	size_t	 k = ns_digits(d, n);

	memcpy(p, d + 24 - k, k);
	p[k] = ':';
	return (k + 1);
}

int
tokc_encode(struct buf *out, const struct tok_msg *m)
{
	char	 frame[4096], d[24], *p;
	size_t	 inner, i;
	int	 r;

	if (m->overflow)
		return (PFX_ETOOBIG);
	inner = ns_digits(d, sizeof(TOK_VERSION) - 1) + sizeof(TOK_VERSION) + 1;
	for (i = 0; i < m->n; i++)
		inner += ns_digits(d, m->len[i]) + m->len[i] + 2;
	/* a large message (a policy request with long values) the slow way */
	if (inner > sizeof(frame) - 32)
		return (tok_encode(out, m));
	p = frame + ns_head(frame, inner);
	p += ns_head(p, sizeof(TOK_VERSION) - 1);
	memcpy(p, TOK_VERSION, sizeof(TOK_VERSION) - 1);
	p += sizeof(TOK_VERSION) - 1;
	*p++ = ',';
	for (i = 0; i < m->n; i++) {
		p += ns_head(p, m->len[i]);
		if (m->len[i] > 0)
			memcpy(p, m->f[i], m->len[i]);
		p += m->len[i];
		*p++ = ',';
	}
	*p++ = ',';
	r = buf_append(out, frame, (size_t)(p - frame));
	/* the frame may hold a password or a token */
	explicit_bzero(frame, (size_t)(p - frame));
	return (r);
}

static void
tokc_close(struct tokc *t)
{
	if (t->fd >= 0)
		(void)close(t->fd);
	t->fd = -1;
	ns_reset(&t->ns);
	buf_reset(&t->in);
}

void
tokc_free(struct tokc *t)
{
	if (t == NULL)
		return;
	tokc_close(t);
	ns_free(&t->ns);
	buf_free(&t->in);
	buf_free(&t->out);
	free(t->path);
	free(t);
}

static int
tokc_connect(struct tokc *t)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(t->path) >= sizeof(sun.sun_path))
		return (PFX_ECONFIG);
	memcpy(sun.sun_path, t->path, strlen(t->path));
	if ((t->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0)
		return (PFX_EIO);
	/* a UNIX connect completes at once or fails (EAGAIN: backlog full) */
	if (connect(t->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		tokc_close(t);
		return (PFX_EIO);
	}
	return (PFX_OK);
}

/* tokc_wait - poll for events until the deadline */

static int
tokc_wait(struct tokc *t, short events, long long deadline)
{
	struct pollfd pfd = { t->fd, events, 0 };
	long long left;
	int	 r;

	for (;;) {
		if ((left = deadline - clock_ms()) <= 0)
			return (PFX_ETIMEOUT);
		r = poll(&pfd, 1, (int)left);
		if (r > 0)
			return (PFX_OK);
		if (r == 0)
			return (PFX_ETIMEOUT);
		if (errno != EINTR)
			return (PFX_EIO);
	}
}

static int
tokc_send(struct tokc *t, long long deadline)
{
	size_t	 off = 0;
	ssize_t	 w;
	int	 r;

	while (off < t->out.len) {
		w = send(t->fd, t->out.data + off, t->out.len - off,
		    MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return (PFX_EIO);
		if ((r = tokc_wait(t, POLLOUT, deadline)) != PFX_OK)
			return (r);
	}
	return (PFX_OK);
}

/*
 * tokc_recv - the next frame.  Bytes past it (an ANSWER right behind a
 * PENDING) wait in t->in for the next call.  It waits for input before
 * each read; with a deadline already passed it reads once, without
 * waiting, what is there (why tokend closed a new connection).
 */
static int
tokc_recv(struct tokc *t, struct tok_msg *reply, long long deadline)
{
	char	 in[4096];
	ssize_t	 n;
	size_t	 used;
	int	 done, r, wait = deadline > clock_ms();

	ns_reset(&t->ns);
	for (;;) {
		if (t->in.len > 0) {
			if (ns_feed(&t->ns, t->in.data, t->in.len, &used,
			    &done) != PFX_OK || t->ns.toobig)
				return (PFX_EPROTO);
			memmove(t->in.data, t->in.data + used, t->in.len -
			    used);
			buf_truncate(&t->in, t->in.len - used);
			if (done)
				return (tok_parse(t->ns.payload.data,
				    t->ns.payload.len, reply));
		}
		if (wait && (r = tokc_wait(t, POLLIN, deadline)) != PFX_OK)
			return (r);
		wait = 1;
		if ((n = recv(t->fd, in, sizeof(in), 0)) <= 0) {
			if (n == 0)
				return (PFX_EIO);
			if (errno != EAGAIN && errno != EINTR)
				return (PFX_EIO);
			continue;
		}
		if (buf_append(&t->in, in, (size_t)n) != PFX_OK)
			return (PFX_EPROTO);
	}
}

/* tokc_refused - "ERR refused": log it once, back off */

static int
tokc_refused(struct tokc *t, const struct tok_msg *reply)
{
	if (!tok_is(reply, 0, "ERR") || reply->n != 2 ||
	    !tok_is(reply, 1, "refused"))
		return (0);
	if (!t->refused_logged)
		log_errx("pfxhttp-tokend on %s refused this process (uid"
		    " %ld): add its user or group to server.tokend."
		    "allowed_users or allowed_groups", t->path, (long)getuid());
	t->refused_logged = 1;
	t->refused_until = clock_ms() + REFUSED_RETRY_MS;
	tokc_close(t);
	return (1);
}

static int
exchange(struct tokc *t, const struct tok_msg *req, struct tok_msg *reply,
    long long first_ms, long long deadline, int *pending)
{
	long long now = clock_ms(), first = now + first_ms;
	int	 r = PFX_EIO, reused, tries;

	/* a silent tokend must leave time for the call it would have made */
	if (first > now + (deadline - now) / 2)
		first = now + (deadline - now) / 2;
	*pending = 0;
	if (now < t->refused_until)
		return (PFX_EPROTO);
	buf_reset(&t->out);
	if ((r = tokc_encode(&t->out, req)) != PFX_OK)
		return (r);
	tok_init(reply, "");
	for (tries = 0; tries < 2; tries++) {
		/* a connection tokend dropped while idle fails below */
		if ((reused = t->fd >= 0) == 0 &&
		    (r = tokc_connect(t)) != PFX_OK)
			return (r);
		r = tokc_send(t, first);
		if (r == PFX_OK)
			r = tokc_recv(t, reply, first);
		else if (!reused && tokc_recv(t, reply, now) == PFX_OK)
			r = PFX_EPROTO;	/* sent nothing, but told why */
		/* tokend is alive and working: wait for the answer */
		while (r == PFX_OK && tok_is(reply, 0, "PENDING") &&
		    reply->n == 1) {
			*pending = 1;
			r = tokc_recv(t, reply, deadline);
		}
		if (tokc_refused(t, reply))
			return (PFX_EPROTO);
		if (r == PFX_OK)
			return (PFX_OK);
		tokc_close(t);
		/* only a connection tokend may have dropped is tried again */
		if (!reused || r != PFX_EIO)
			return (r);
	}
	return (r);
}

int
tokc_call(struct tokc *t, const struct tok_msg *req, struct tok_msg *reply,
    long long first_ms, long long deadline, int *pending)
{
	int	 r = exchange(t, req, reply, first_ms, deadline, pending);

	/* the request may have held a password or a token */
	buf_wipe(&t->out);
	return (r);
}
