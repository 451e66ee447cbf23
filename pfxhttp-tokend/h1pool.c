/*
 * h1pool.c - tokend's own HTTP/1.1 client for plain-HTTP backends (see
 * h1pool.h)
 *
 * Every end of an exchange (an answer, a failure, a timeout) is reported
 * from h1pool_run() or h1pool_tick(), never from inside h1pool_submit()
 * or h1pool_cancel(): a failure found at once waits for the next tick
 * (h1pool_next_ms() says 0), so the engine never sees its own call
 * return into it.  A closed connection is freed only at the end of a
 * run or tick, where no epoll event can still name it.
 *
 * SECURITY
 *	A request may carry a password (a SASL login) or a bearer token:
 *	its bytes are wiped when the exchange ends, and the response parser's
 *	line buffer with them.  The backend can send nothing that makes the
 *	pool read beyond its limits (h1resp.h) or guess at a framing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "err.h"
#include "h1pool.h"
#include "h1resp.h"
#include "xalloc.h"

#define READ_CHUNK	16384
#define MAX_EVENTS	64
#define AUTHORITY_MAX	64	/* "[v6 address]:port" */
#define ORIGINS_MAX	64	/* addresses with a pool of their own */
#define IDLE_DEFAULT_MS	118000	/* libcurl's CURLOPT_MAXAGE_CONN */

/* libcurl's words for the same failures: logs and explain read alike */
#define E_CONNECT	"Couldn't connect to server"
#define E_TIMEOUT	"Timeout was reached"
#define E_RECV		"Failure when receiving data from the peer"
#define E_SEND		"Failed sending data to the peer"
#define E_REPLY		"Weird server reply"
#define E_TOOBIG	"Failed writing received data to disk/application"

enum conn_state { C_CONNECTING, C_SENDING, C_READING, C_IDLE };

struct origin;
struct xfer;

struct conn {
	int		 fd;		/* -1: closed, waiting to be freed */
	enum conn_state	 st;
	struct origin	*o;
	struct xfer	*x;		/* the exchange on it; NULL when idle */
	long long	 idle_since;
	int		 reused;	/* it has carried an answer before */
	uint32_t	 events;	/* what epoll watches now */
	struct conn	*next;		/* the idle list, or the dead list */
};

struct origin {
	char		 authority[AUTHORITY_MAX];	/* of the URL */
	struct sockaddr_storage sa;
	socklen_t	 salen;
	size_t		 nconns;	/* open, busy or idle */
	size_t		 nxfers;	/* exchanges that name it */
	size_t		 max;
	struct conn	*idle;		/* the most recently used first */
	struct xfer	*wait;		/* for a connection, first come first */
	struct origin	*next;
};

struct xfer {
	void		*job;
	struct http_response *resp;
	struct origin	*o;
	struct conn	*c;
	struct buf	 req;		/* the request's bytes */
	size_t		 sent;
	struct h1resp	 parser;
	long long	 deadline, connect_deadline;
	int		 retried;	/* sent again on a new connection */
	int		 got;		/* some of the answer arrived */
	int		 queued;
	enum http_failure fail;		/* a failure found at once: the */
	const char	*why;		/* ... next tick reports it */
	struct xfer	*next, *prev;	/* every exchange */
	struct xfer	*qnext;		/* the origin's queue */
};

struct h1pool {
	int		 epfd;
	h1pool_done_fn	*done;
	void		*arg;
	struct origin	*origins;
	size_t		 norigins;
	struct xfer	*xfers;
	struct conn	*dead;
	size_t		 nconns;
	long long	 connect_timeout_ms, idle_timeout_ms;
};

struct h1pool *
h1pool_new(h1pool_done_fn *done, void *arg)
{
	struct h1pool *p = xcalloc(1, sizeof(*p));

	if ((p->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		free(p);
		return (NULL);
	}
	p->done = done;
	p->arg = arg;
	p->idle_timeout_ms = IDLE_DEFAULT_MS;
	return (p);
}

int
h1pool_fd(const struct h1pool *p)
{
	return (p->epfd);
}

size_t
h1pool_connections(const struct h1pool *p)
{
	return (p != NULL ? p->nconns : 0);
}

/* ------------------------------------------------------------ the URL */

struct target {
	struct sockaddr_storage sa;
	socklen_t	 salen;
	const char	*authority;	/* host[:port], as the URL has it */
	size_t		 alen;
	const char	*path;		/* from the first '/' or '?' */
	size_t		 plen;		/* up to a '#' */
	int		 default_port;	/* no port, or :80 */
};

/*
 * split_url - "http://ADDRESS[:PORT][/PATH][?QUERY]" with an IPv4 or
 * [IPv6] address: 1 and *t, else 0 (libcurl's, then)
 */
static int
split_url(const char *url, struct target *t)
{
	const char *a, *host, *port = NULL, *end;
	char	 hb[INET6_ADDRSTRLEN + 1];
	size_t	 hlen, i;
	long	 pn = 80;

	if (strncasecmp(url, "http://", 7) != 0)
		return (0);
	a = url + 7;
	t->alen = strcspn(a, "/?#");
	if (t->alen == 0 || t->alen >= AUTHORITY_MAX ||
	    memchr(a, '@', t->alen) != NULL)
		return (0);
	end = a + t->alen;
	memset(&t->sa, 0, sizeof(t->sa));
	if (a[0] == '[') {
		const char *rb = memchr(a, ']', t->alen);

		if (rb == NULL)
			return (0);
		host = a + 1;
		hlen = (size_t)(rb - host);
		if (rb + 1 < end && (rb[1] != ':' || (port = rb + 2) == end))
			return (0);
	} else {
		const char *colon = memchr(a, ':', t->alen);

		host = a;
		hlen = colon != NULL ? (size_t)(colon - a) : t->alen;
		if (colon != NULL && (port = colon + 1) == end)
			return (0);
	}
	if (hlen == 0 || hlen >= sizeof(hb))
		return (0);
	memcpy(hb, host, hlen);
	hb[hlen] = '\0';
	if (port != NULL) {
		if (end - port > 5)
			return (0);
		for (pn = 0; port < end; port++) {
			if (*port < '0' || *port > '9')
				return (0);
			pn = pn * 10 + (*port - '0');
		}
		if (pn < 1 || pn > 65535)
			return (0);
	}
	t->default_port = pn == 80;
	if (a[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&t->sa;

		if (inet_pton(AF_INET6, hb, &s6->sin6_addr) != 1)
			return (0);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)pn);
		t->salen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&t->sa;

		if (inet_pton(AF_INET, hb, &s4->sin_addr) != 1)
			return (0);
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)pn);
		t->salen = sizeof(*s4);
	}
	t->authority = a;
	t->path = end;
	t->plen = strcspn(end, "#");
	/* what libcurl would send as it is: visible ASCII only */
	for (i = 0; i < t->plen; i++)
		if ((unsigned char)end[i] <= ' ' || (unsigned char)end[i] >= 0x7f)
			return (0);
	return (1);
}

/* ------------------------------------------------------------ headers */

/*
 * header_form - a libcurl header list entry: 'h' a header as it is,
 * 'e' "Name;" (sent empty), 's' "Name:" (no header: it only suppresses
 * one of libcurl's), 0 one this pool does not send the way libcurl would
 */
static int
header_form(const char *h, size_t *namelen)
{
	size_t	 n;

	for (n = 0; h1_tchar((unsigned char)h[n]); n++)
		;
	*namelen = n;
	if (n == 0 || strpbrk(h, "\r\n") != NULL)
		return (0);
	if ((n == 14 && strncasecmp(h, "Content-Length", n) == 0) ||
	    (n == 17 && strncasecmp(h, "Transfer-Encoding", n) == 0))
		return (0);
	if (h[n] == ';')
		return (h[n + 1] == '\0' ? 'e' : 0);
	if (h[n] != ':')
		return (0);
	for (h += n + 1; *h == ' ' || *h == '\t'; h++)
		;
	return (*h == '\0' ? 's' : 'h');
}

/* listed - the list names header NAME (in any form) */

static int
listed(const struct curl_slist *l, const char *name)
{
	size_t	 n = strlen(name), k;

	for (; l != NULL; l = l->next)
		if (header_form(l->data, &k) != 0 && k == n &&
		    strncasecmp(l->data, name, n) == 0)
			return (1);
	return (0);
}

/* eligible - this pool can send rq exactly as libcurl would (*t: where) */

static int
eligible(const struct conf *c, const struct http_request *rq,
    struct target *t)
{
	const struct curl_slist *l;
	size_t	 k;

	if ((c->http.proxy != NULL && c->http.proxy[0] != '\0') ||
	    rq->upload || (rq->post && rq->gzip_request && rq->bodylen > 0))
		return (0);
	if (!split_url(rq->url, t))
		return (0);
	for (l = rq->headers; l != NULL; l = l->next)
		if (header_form(l->data, &k) == 0)
			return (0);
	return (1);
}

/* build - the request's bytes, as libcurl would write them */

static int
build(struct buf *b, const struct http_request *rq, const struct target *t)
{
	const struct curl_slist *l;
	size_t	 k, alen = t->alen;
	int	 r = PFX_OK;

	/* libcurl leaves the default port out of Host */
	if (t->default_port && alen > 3 &&
	    memcmp(t->authority + alen - 3, ":80", 3) == 0)
		alen -= 3;
	if (buf_printf(b, "%s %s%.*s HTTP/1.1\r\n", rq->post ? "POST" : "GET",
	    t->plen == 0 || t->path[0] != '/' ? "/" : "", (int)t->plen,
	    t->path) != PFX_OK)
		return (PFX_ETOOBIG);
	if (!listed(rq->headers, "Host"))
		r |= buf_printf(b, "Host: %.*s\r\n", (int)alen, t->authority);
	if (!listed(rq->headers, "Accept"))
		r |= buf_puts(b, "Accept: */*\r\n");
	if (rq->gzip_response && !listed(rq->headers, "Accept-Encoding"))
		r |= buf_puts(b, "Accept-Encoding: gzip\r\n");
	for (l = rq->headers; l != NULL; l = l->next) {
		switch (header_form(l->data, &k)) {
		case 'h':
			r |= buf_printf(b, "%s\r\n", l->data);
			break;
		case 'e':
			r |= buf_printf(b, "%.*s:\r\n", (int)k, l->data);
			break;
		default:
			break;
		}
	}
	if (rq->post) {
		if (!listed(rq->headers, "Content-Type"))
			r |= buf_puts(b, "Content-Type: "
			    "application/x-www-form-urlencoded\r\n");
		r |= buf_printf(b, "Content-Length: %zu\r\n", rq->bodylen);
	}
	r |= buf_puts(b, "\r\n");
	if (rq->post)
		r |= buf_append(b, rq->body, rq->bodylen);
	return (r == PFX_OK ? PFX_OK : PFX_ETOOBIG);
}

/* ------------------------------------------------------- connections */

static void
watch(struct h1pool *p, struct conn *cn, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = cn };

	if (cn->events == events)
		return;
	if (epoll_ctl(p->epfd, EPOLL_CTL_MOD, cn->fd, &ev) == 0)
		cn->events = events;
}

static void
unlink_idle(struct conn *cn)
{
	struct conn **pp;

	for (pp = &cn->o->idle; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
}

/* conn_close - closed now (which leaves epoll), freed after the run */

static void
conn_close(struct h1pool *p, struct conn *cn)
{
	if (cn->fd < 0)
		return;
	if (cn->st == C_IDLE)
		unlink_idle(cn);
	if (cn->x != NULL)
		cn->x->c = NULL;
	cn->x = NULL;
	/* a check process forked just now may hold the descriptor too:
	 * close() alone would leave it in the epoll set */
	(void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, cn->fd, NULL);
	close(cn->fd);
	cn->fd = -1;
	cn->o->nconns--;
	p->nconns--;
	cn->next = p->dead;
	p->dead = cn;
}

static void
reap(struct h1pool *p)
{
	struct conn *cn;

	while ((cn = p->dead) != NULL) {
		p->dead = cn->next;
		free(cn);
	}
}

/* conn_open - a new connection to o, connecting; NULL: errno says why */

static struct conn *
conn_open(struct h1pool *p, struct origin *o)
{
	struct epoll_event ev;
	struct conn *cn;
	int	 fd, one = 1, e;

	if ((fd = socket(o->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return (NULL);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&o->sa, o->salen) != 0 &&
	    errno != EINPROGRESS) {
		e = errno;
		close(fd);
		errno = e;
		return (NULL);
	}
	cn = xcalloc(1, sizeof(*cn));
	cn->fd = fd;
	cn->o = o;
	cn->st = C_CONNECTING;
	cn->events = EPOLLOUT;
	ev.events = EPOLLOUT;
	ev.data.ptr = cn;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		e = errno;
		close(fd);
		free(cn);
		errno = e;
		return (NULL);
	}
	o->nconns++;
	p->nconns++;
	return (cn);
}

/* ---------------------------------------------------------- exchanges */

/* fail_later - a failure found now, reported by the next tick */

static void
fail_later(struct xfer *x, enum http_failure f, const char *why)
{
	x->fail = f;
	x->why = why;
}

static void
unqueue(struct xfer *x)
{
	struct xfer **pp;

	if (!x->queued)
		return;
	for (pp = &x->o->wait; *pp != NULL; pp = &(*pp)->qnext)
		if (*pp == x) {
			*pp = x->qnext;
			break;
		}
	x->queued = 0;
}

static void
xfer_free(struct h1pool *p, struct xfer *x)
{
	unqueue(x);
	x->o->nxfers--;
	if (x->c != NULL)
		x->c->x = NULL;
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		p->xfers = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	buf_free_secret(&x->req);
	h1resp_wipe(&x->parser);
	free(x);
}

/* finish - the exchange ends: free it, then tell the engine */

static void
finish(struct h1pool *p, struct xfer *x, int ok, enum http_failure f,
    const char *why)
{
	struct http_response *resp = x->resp;
	void	*job = x->job;

	if (ok) {
		resp->status = x->parser.status;
		ok = http_response_decode(resp) == PFX_OK;
	} else {
		resp->failure = f;
		snprintf(resp->error, sizeof(resp->error), "%s", why);
	}
	xfer_free(p, x);
	p->done(job, ok, p->arg);
}

static void send_some(struct h1pool *, struct conn *);

static void
attach(struct h1pool *p, struct conn *cn, struct xfer *x)
{
	if (cn->st == C_IDLE) {
		unlink_idle(cn);
		cn->st = C_SENDING;
	}
	cn->x = x;
	x->c = cn;
	x->sent = 0;
	if (cn->st == C_CONNECTING)
		x->connect_deadline = clock_ms() + p->connect_timeout_ms;
	else
		send_some(p, cn);
}

/*
 * take_idle - the most recently used idle connection that is quiet: one
 * with bytes (or the end) waiting is closed, since those bytes would be
 * read as the next answer
 */
static struct conn *
take_idle(struct h1pool *p, struct origin *o)
{
	struct conn *cn;
	char	 c;

	while ((cn = o->idle) != NULL) {
		if (recv(cn->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			return (cn);
		conn_close(p, cn);
	}
	return (NULL);
}

/* dispatch - an idle connection (unless fresh), a new one, or the queue */

static void
dispatch(struct h1pool *p, struct xfer *x, int fresh)
{
	struct origin *o = x->o;
	struct conn *cn;
	struct xfer **pp;

	if (!fresh && (cn = take_idle(p, o)) != NULL) {
		attach(p, cn, x);
		return;
	}
	if (o->nconns >= o->max && !fresh) {
		for (pp = &o->wait; *pp != NULL; pp = &(*pp)->qnext)
			;
		*pp = x;
		x->qnext = NULL;
		x->queued = 1;
		return;
	}
	if ((cn = conn_open(p, o)) == NULL) {
		fail_later(x, HTTP_FAIL_CONNECT, E_CONNECT);
		return;
	}
	attach(p, cn, x);
}

/* serve_queue - the next waiting exchanges get the free connections */

static void
serve_queue(struct h1pool *p, struct origin *o)
{
	struct xfer *x;

	while ((x = o->wait) != NULL && (o->idle != NULL || o->nconns <
	    o->max)) {
		o->wait = x->qnext;
		x->queued = 0;
		dispatch(p, x, 0);
	}
}

/* broken - the connection failed under x: once more on a new one if
 * the backend had closed a kept-alive connection, else a failure */

static void
broken(struct h1pool *p, struct conn *cn, enum http_failure f,
    const char *why)
{
	struct xfer *x = cn->x;
	struct origin *o = cn->o;
	int	 again = x != NULL && cn->reused && !x->got && !x->retried;

	conn_close(p, cn);
	if (x != NULL && again) {
		x->retried = 1;
		h1resp_init(&x->parser);
		dispatch(p, x, 1);
	} else if (x != NULL)
		finish(p, x, 0, f, why);
	serve_queue(p, o);
}

static void
send_some(struct h1pool *p, struct conn *cn)
{
	struct xfer *x = cn->x;
	ssize_t	 n;

	while (x->sent < x->req.len) {
		n = send(cn->fd, x->req.data + x->sent, x->req.len - x->sent,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(p, cn, EPOLLOUT);
			return;
		}
		if (n <= 0) {
			broken(p, cn, HTTP_FAIL_OTHER, E_SEND);
			return;
		}
		x->sent += (size_t)n;
	}
	cn->st = C_READING;
	watch(p, cn, EPOLLIN);
}

static int
on_header(void *arg, const char *line, size_t len)
{
	struct xfer *x = arg;

	(void)http_header_cb((char *)(uintptr_t)line, 1, len, x->resp);
	return (0);
}

static int
on_body(void *arg, const char *p, size_t n)
{
	struct xfer *x = arg;

	return (buf_append(&x->resp->body, p, n) != PFX_OK);
}

/* release - the answer is in: keep the connection for the next one, or
 * close it; then report */

static void
release(struct h1pool *p, struct conn *cn, int keep)
{
	struct xfer *x = cn->x;
	struct origin *o = cn->o;

	cn->x = NULL;
	x->c = NULL;
	if (keep) {
		cn->st = C_IDLE;
		cn->reused = 1;
		cn->idle_since = clock_ms();
		cn->next = o->idle;
		o->idle = cn;
		watch(p, cn, EPOLLIN);	/* to see the backend close it */
	} else
		conn_close(p, cn);
	serve_queue(p, o);
	finish(p, x, 1, HTTP_OK, NULL);
}

static void
read_some(struct h1pool *p, struct conn *cn)
{
	struct xfer *x = cn->x;
	struct h1resp_cb cb = { on_header, on_body, x };
	char	 b[READ_CHUNK];
	ssize_t	 n;
	size_t	 used;

	for (;;) {
		n = recv(cn->fd, b, sizeof(b), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			if (n == 0)
				h1resp_eof(&x->parser);
			if (x->parser.st == H1_DONE)
				release(p, cn, 0);
			else
				broken(p, cn, HTTP_FAIL_OTHER, E_RECV);
			return;
		}
		x->got = 1;
		used = h1resp_feed(&x->parser, b, (size_t)n, &cb);
		if (x->parser.st == H1_ERROR) {
			struct origin *o = cn->o;

			conn_close(p, cn);
			if (x->parser.stopped)	/* only the body says stop */
				finish(p, x, 0, HTTP_FAIL_TOOBIG, E_TOOBIG);
			else
				finish(p, x, 0, HTTP_FAIL_OTHER, E_REPLY);
			serve_queue(p, o);
			return;
		}
		if (x->parser.st == H1_DONE) {
			/* bytes after the answer: nothing we asked for */
			release(p, cn, x->parser.keep_alive &&
			    used == (size_t)n);
			return;
		}
		if ((size_t)n < sizeof(b))
			return;		/* epoll says when there is more */
	}
}

static void
on_event(struct h1pool *p, struct conn *cn, uint32_t ev)
{
	int	 err = 0;
	socklen_t len = sizeof(err);

	(void)ev;	/* the state says what to do; errors show in the calls */
	switch (cn->st) {
	case C_CONNECTING:
		if (getsockopt(cn->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			broken(p, cn, HTTP_FAIL_CONNECT, E_CONNECT);
			return;
		}
		cn->st = C_SENDING;
		send_some(p, cn);
		break;
	case C_SENDING:
		send_some(p, cn);
		break;
	case C_READING:
		read_some(p, cn);
		break;
	case C_IDLE:
		/* the backend closed it, or sent what nobody asked for */
		conn_close(p, cn);
		break;
	}
}

/* origin_get - the pool of this address, made when first needed */

static struct origin *
origin_get(struct h1pool *p, const struct target *t)
{
	struct origin *o, **pp;

	for (o = p->origins; o != NULL; o = o->next)
		if (o->salen == t->salen && memcmp(&o->sa, &t->sa,
		    t->salen) == 0 && strlen(o->authority) == t->alen &&
		    memcmp(o->authority, t->authority, t->alen) == 0)
			return (o);
	if (p->norigins >= ORIGINS_MAX) {
		/* forget one that holds nothing */
		for (pp = &p->origins; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->nconns == 0 && (*pp)->nxfers == 0)
				break;
		if (*pp == NULL)
			return (NULL);
		o = *pp;
		*pp = o->next;
		free(o);
		p->norigins--;
	}
	o = xcalloc(1, sizeof(*o));
	memcpy(o->authority, t->authority, t->alen);
	o->sa = t->sa;
	o->salen = t->salen;
	o->next = p->origins;
	p->origins = o;
	p->norigins++;
	return (o);
}

int
h1pool_submit(struct h1pool *p, const struct conf *c,
    const struct http_request *rq, struct http_response *resp, void *job)
{
	struct target t;
	struct origin *o;
	struct xfer *x;

	if (!eligible(c, rq, &t) || (o = origin_get(p, &t)) == NULL)
		return (0);
	o->max = c->http.max_connections_per_host > 0 ?
	    (size_t)c->http.max_connections_per_host : 1;
	p->connect_timeout_ms = c->http.connect_timeout_ms > 0 ?
	    c->http.connect_timeout_ms : 1;
	p->idle_timeout_ms = c->http.idle_connection_timeout_ms > 0 ?
	    c->http.idle_connection_timeout_ms : IDLE_DEFAULT_MS;
	x = xcalloc(1, sizeof(*x));
	buf_init(&x->req, BUF_UNLIMITED);
	if (build(&x->req, rq, &t) != PFX_OK) {
		buf_free_secret(&x->req);
		free(x);
		return (0);
	}
	http_response_reset(resp, rq->keep_headers);
	x->job = job;
	x->resp = resp;
	x->o = o;
	o->nxfers++;
	x->deadline = clock_ms() + (rq->timeout_ms > 0 ? rq->timeout_ms : 1);
	h1resp_init(&x->parser);
	x->next = p->xfers;
	if (p->xfers != NULL)
		p->xfers->prev = x;
	p->xfers = x;
	dispatch(p, x, 0);
	return (1);
}

void
h1pool_cancel(struct h1pool *p, void *job)
{
	struct xfer *x;
	struct origin *o;

	for (x = p->xfers; x != NULL; x = x->next)
		if (x->job == job)
			break;
	if (x == NULL)
		return;
	o = x->o;
	if (x->c != NULL)
		conn_close(p, x->c);	/* its answer may still come */
	xfer_free(p, x);
	serve_queue(p, o);
}

/*
 * h1pool_cancel_all - every exchange ends without a report.  The queues
 * are not served on the way: each would hand its next exchange (also
 * going) a connection and a request sent for nothing.
 */
void
h1pool_cancel_all(struct h1pool *p)
{
	while (p->xfers != NULL) {
		if (p->xfers->c != NULL)
			conn_close(p, p->xfers->c);
		xfer_free(p, p->xfers);
	}
}

void
h1pool_run(struct h1pool *p)
{
	struct epoll_event ev[MAX_EVENTS];
	int	 n, i;

	if ((n = epoll_wait(p->epfd, ev, MAX_EVENTS, 0)) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		struct conn *cn = ev[i].data.ptr;

		if (cn->fd >= 0)
			on_event(p, cn, ev[i].events);
	}
	reap(p);
}

/* due - when x has something to report or do, in ms from now */

static long long
due(const struct xfer *x, long long now)
{
	long long t = x->deadline;

	if (x->why != NULL)
		return (0);
	if (x->c != NULL && x->c->st == C_CONNECTING &&
	    x->connect_deadline < t)
		t = x->connect_deadline;
	return (t <= now ? 0 : t - now);
}

int
h1pool_next_ms(const struct h1pool *p, long long now)
{
	const struct origin *o;
	const struct conn *cn;
	const struct xfer *x;
	long long next = -1, t;

	for (x = p->xfers; x != NULL; x = x->next)
		if ((t = due(x, now)) < next || next < 0)
			next = t;
	for (o = p->origins; o != NULL; o = o->next)
		for (cn = o->idle; cn != NULL; cn = cn->next) {
			t = cn->idle_since + p->idle_timeout_ms - now;
			if (next < 0 || t < next)
				next = t < 0 ? 0 : t;
		}
	return ((int)(next < 0 ? -1 : next > 1000 ? 1000 : next));
}

void
h1pool_tick(struct h1pool *p, long long now)
{
	struct origin *o;
	struct conn *cn, *cnext;
	struct xfer *x;

	/* a report may start or cancel others: look again from the top */
	for (x = p->xfers; x != NULL; ) {
		if (due(x, now) > 0) {
			x = x->next;
			continue;
		}
		o = x->o;
		if (x->why != NULL)
			finish(p, x, 0, x->fail, x->why);
		else {
			if (x->c != NULL)
				conn_close(p, x->c);
			finish(p, x, 0, HTTP_FAIL_TIMEOUT, E_TIMEOUT);
		}
		serve_queue(p, o);
		x = p->xfers;
	}
	for (o = p->origins; o != NULL; o = o->next)
		for (cn = o->idle; cn != NULL; cn = cnext) {
			cnext = cn->next;
			if (now - cn->idle_since >= p->idle_timeout_ms)
				conn_close(p, cn);
		}
	reap(p);
}

void
h1pool_free(struct h1pool *p)
{
	struct origin *o;
	struct conn *cn;

	if (p == NULL)
		return;
	h1pool_cancel_all(p);
	for (o = p->origins; o != NULL; o = o->next)
		while ((cn = o->idle) != NULL)
			conn_close(p, cn);
	reap(p);
	while ((o = p->origins) != NULL) {
		p->origins = o->next;
		free(o);
	}
	close(p->epfd);
	free(p);
}
