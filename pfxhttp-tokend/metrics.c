/*
 * metrics.c - the Prometheus scrape endpoint of pfxhttp-tokend
 *
 * DESCRIPTION
 *	GET or HEAD /metrics answers the text format (promtext.c); other
 *	paths get 404, other methods 405, anything unparseable 400 (the
 *	request head is parsed by lib/codec/httpreq.c).  One
 *	request per connection: the answer says Connection: close and the
 *	socket is closed once it is written.
 *
 * LIMITS
 *	A request (line and headers) is at most METRICS_MAX_REQUEST bytes
 *	(then 431); a connection silent for METRICS_IDLE_MS, or older than
 *	METRICS_LIFE_MS, is closed; at most METRICS_MAX_CONNS at once, the
 *	oldest is dropped for a new one.  Reads and writes never block: a
 *	scraper that stops reading only holds its own connection.  Out of
 *	descriptors, the listener is not watched for ACCEPT_PAUSE_MS: a
 *	connection that cannot be accepted would keep it readable, and the
 *	loop would spin.
 *
 * SECURITY
 *	With basic_auth, a request without the right "user:password" gets
 *	401 and WWW-Authenticate.  The comparison takes the same time
 *	wherever the credentials differ; the password, the decoded
 *	credentials and the request bytes are wiped, and never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "clock.h"
#include "err.h"
#include "httpreq.h"
#include "io.h"
#include "listenaddr.h"
#include "log.h"
#include "metrics.h"
#include "xalloc.h"

#define PAGE_MAX	(64u << 20)	/* a page larger than this: 500 */
#define SECRET_MAX	4096
#define ACCEPTS_PER_TICK 16
#define SNDBUF		65536	/* kernel buffer per scraper */
#define ACCEPT_PAUSE_MS	250	/* out of descriptors: accept later */

struct mconn {
	int		 fd;
	long long	 started, last;
	char		 in[METRICS_MAX_REQUEST];
	size_t		 inlen;
	struct buf	 out;
	size_t		 outoff;
	int		 answered;	/* out holds the whole answer */
	int		 ready;		/* epoll said so in this tick */
};

struct metrics {
	int		 epfd, lfd;
	int		 listen_ready;
	long long	 accept_paused_until;	/* 0: the listener is watched */
	char		*listen;	/* the address bound, or NULL */
	char		*unix_path;	/* to remove at close */
	struct buf	 cred;		/* "user:password"; empty: no auth */
	int		 auth;
	struct mconn	*conns[METRICS_MAX_CONNS];
	size_t		 nconns;
	metrics_page_fn	*page;
	void		*arg;
	double		 start_wall;
	long long	 start_ms;
};

struct metrics *
metrics_new(metrics_page_fn *page, void *arg)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	if ((m->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatalx("epoll_create1: %s", strerror(errno));
	m->lfd = -1;
	m->page = page;
	m->arg = arg;
	buf_init(&m->cred, SECRET_MAX);
	m->start_wall = (double)time(NULL);
	m->start_ms = clock_ms();
	return (m);
}

int
metrics_fd(const struct metrics *m)
{
	return (m->epfd);
}

static void
mconn_close(struct metrics *m, size_t i)
{
	struct mconn *cn = m->conns[i];
	char	 sink[4096];
	int	 k;

	/* unread input would turn close into a reset that loses the
	 * answer: read what is there (a little) first */
	for (k = 0; k < 16 && recv(cn->fd, sink, sizeof(sink),
	    MSG_DONTWAIT) > 0; k++)
		;
	/* close alone leaves it in the set while a child forked meanwhile
	 * still holds the descriptor: its events would name a freed cn */
	(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, cn->fd, NULL);
	(void)close(cn->fd);
	explicit_bzero(cn->in, sizeof(cn->in));
	explicit_bzero(sink, sizeof(sink));
	buf_free(&cn->out);
	free(cn);
	m->conns[i] = m->conns[--m->nconns];
}

static void
close_listener(struct metrics *m)
{
	while (m->nconns > 0)
		mconn_close(m, 0);
	if (m->lfd >= 0) {
		(void)epoll_ctl(m->epfd, EPOLL_CTL_DEL, m->lfd, NULL);
		(void)close(m->lfd);
	}
	if (m->unix_path != NULL)
		(void)unlink(m->unix_path);
	free(m->unix_path);
	free(m->listen);
	m->unix_path = m->listen = NULL;
	m->lfd = -1;
	m->accept_paused_until = 0;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	close_listener(m);
	buf_free_secret(&m->cred);
	(void)close(m->epfd);
	free(m);
}

/* bind_listener - a non-blocking listening socket on addr, or -1 */
static int
bind_listener(const char *addr, char *err, size_t errlen)
{
	struct listen_addr la;
	struct sockaddr_un *un = (struct sockaddr_un *)&la.ss;
	const char *why;
	struct stat st;
	mode_t	 old;
	int	 fd, on = 1;

	if ((why = listen_addr_parse(addr, &la)) != NULL) {
		snprintf(err, errlen, "server.tokend.metrics.listen \"%s\" %s",
		    addr, why);
		return (-1);
	}
	if ((fd = socket(la.family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	if (la.family == AF_UNIX) {
		if (connect(fd, (struct sockaddr *)&la.ss, la.len) == 0) {
			(void)close(fd);
			snprintf(err, errlen, "metrics: %s: another process"
			    " is listening", un->sun_path);
			return (-1);
		}
		if (lstat(un->sun_path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode)) {
				(void)close(fd);
				snprintf(err, errlen, "metrics: %s exists and"
				    " is not a socket", un->sun_path);
				return (-1);
			}
			(void)unlink(un->sun_path);
		}
	} else {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (la.family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof(on));
	}
	/* a unix socket for the scraper's group too (as tokend's 0660) */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&la.ss, la.len) != 0) {
		(void)umask(old);
		goto fail;
	}
	(void)umask(old);
	if (listen(fd, 16) != 0)
		goto fail;
	return (fd);
fail:
	snprintf(err, errlen, "metrics: listen on %s: %s", addr,
	    strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	return (-1);
}

/* load_cred - "user:password" from the configuration or password_file */
static int
load_cred(const struct conf_metrics *c, struct buf *out, char *err,
    size_t errlen)
{
	const struct conf_metrics_auth *a = &c->basic_auth;
	struct buf tmp;
	size_t	 len;
	int	 r;

	buf_wipe(out);
	if (!c->auth)
		return (PFX_OK);
	if (buf_puts(out, a->username) != PFX_OK || buf_putc(out, ':') !=
	    PFX_OK)
		goto toolong;
	if (a->password != NULL) {
		if (buf_puts(out, a->password) != PFX_OK)
			goto toolong;
		return (PFX_OK);
	}
	buf_init(&tmp, SECRET_MAX);
	r = io_read_file(a->password_file, &tmp);
	/* a trailing newline is not part of the password */
	for (len = tmp.len; r == PFX_OK && len > 0 &&
	    strchr("\r\n \t", tmp.data[len - 1]) != NULL; len--)
		;
	if (r == PFX_OK && (len == 0 || memchr(tmp.data, '\n', len) != NULL))
		r = PFX_EINVAL;
	if (r == PFX_OK)
		r = buf_append(out, tmp.data, len);
	buf_free_secret(&tmp);
	if (r != PFX_OK) {
		buf_wipe(out);
		snprintf(err, errlen, "server.tokend.metrics.basic_auth"
		    ".password_file %s: %s", a->password_file, r == PFX_EINVAL ?
		    "empty, or more than one line" : "cannot be read");
		return (r);
	}
	return (PFX_OK);
toolong:
	buf_wipe(out);
	snprintf(err, errlen, "server.tokend.metrics.basic_auth: user name"
	    " and password are too long");
	return (PFX_ETOOBIG);
}

int
metrics_check(const struct conf_metrics *c, char *err, size_t errlen)
{
	struct buf b;
	int	 r;

	buf_init(&b, SECRET_MAX);
	r = load_cred(c, &b, err, errlen);
	buf_free_secret(&b);
	return (r);
}

int
metrics_configure(struct metrics *m, const struct conf_metrics *c,
    char *err, size_t errlen)
{
	struct epoll_event ev;
	struct buf cred;
	int	 fd, r;

	buf_init(&cred, SECRET_MAX);
	if ((r = load_cred(c, &cred, err, errlen)) != PFX_OK) {
		buf_free_secret(&cred);
		return (r);
	}
	if (c->listen == NULL)
		close_listener(m);
	else if (m->listen == NULL || strcmp(m->listen, c->listen) != 0) {
		if ((fd = bind_listener(c->listen, err, errlen)) < 0) {
			buf_free_secret(&cred);
			return (PFX_EIO);
		}
		close_listener(m);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = NULL;	/* NULL: the listener */
		if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			fatalx("epoll_ctl (metrics): %s", strerror(errno));
		m->lfd = fd;
		m->listen = xstrdup(c->listen);
		if (strncmp(c->listen, "unix:", 5) == 0)
			m->unix_path = xstrdup(c->listen + 5);
		log_info("metrics at %s/metrics%s", c->listen, c->auth ?
		    " (basic auth)" : "");
	}
	buf_free_secret(&m->cred);
	m->cred = cred;		/* the buffer moves; nothing is copied */
	m->auth = c->auth;
	return (PFX_OK);
}

/* ---------------------------------------------------------- requests */

/* same_secret - compare in time that depends on the expected length only */
static int
same_secret(const char *got, size_t gotlen, const char *want, size_t wantlen)
{
	volatile unsigned char d = (unsigned char)(gotlen != wantlen);
	size_t	 i;

	for (i = 0; i < wantlen; i++)
		d |= (unsigned char)((i < gotlen ? got[i] : 0) ^ want[i]);
	return (d == 0);
}

static int
authorized(const struct metrics *m, const struct http_req *rq)
{
	struct buf got;
	const char *v = rq->auth;
	size_t	 n = rq->authlen;
	int	 ok;

	if (!m->auth)
		return (1);
	if (v == NULL || n < 6 || strncasecmp(v, "Basic ", 6) != 0)
		return (0);
	for (v += 6, n -= 6; n > 0 && *v == ' '; v++, n--)
		;
	buf_init(&got, SECRET_MAX);
	ok = base64_decode(&got, v, n, 0) == PFX_OK &&
	    same_secret(got.data, got.len, m->cred.data, m->cred.len);
	buf_free_secret(&got);
	return (ok);
}

static void
respond(struct metrics *m, struct mconn *cn, int code, const char *reason,
    const char *extra, const struct buf *body, int head)
{
	static const char msg[] = "%d %s\n";
	char	 text[64];
	const char *p = text;
	size_t	 n;

	if (body != NULL) {
		p = body->data;
		n = body->len;
	} else
		n = (size_t)snprintf(text, sizeof(text), msg, code, reason);
	buf_reset(&cn->out);
	if (buf_printf(&cn->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\n%s\r\n", code, reason, body != NULL ?
	    PROM_CONTENT_TYPE : "text/plain; charset=utf-8", n,
	    extra != NULL ? extra : "") != PFX_OK ||
	    (!head && buf_append(&cn->out, p, n) != PFX_OK)) {
		buf_reset(&cn->out);
		(void)buf_puts(&cn->out, "HTTP/1.1 500 Internal Server Error"
		    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
	}
	cn->answered = 1;
	(void)m;
}

/*
 * serve - a parsed request to its answer: 400, 405 (httpreq.c), then
 * 401, 404, else the page
 */
static void
serve(struct metrics *m, struct mconn *cn, const struct http_req *rq)
{
	struct prom_process pp;
	struct buf page;

	switch (rq->status) {
	case 200:
		break;
	case 405:
		respond(m, cn, 405, "Method Not Allowed",
		    "Allow: GET, HEAD\r\n", NULL, 0);
		return;
	case 431:
		respond(m, cn, 431, "Request Header Fields Too Large", NULL,
		    NULL, 0);
		return;
	default:
		respond(m, cn, 400, "Bad Request", NULL, NULL, 0);
		return;
	}
	if (!authorized(m, rq)) {
		respond(m, cn, 401, "Unauthorized",
		    "WWW-Authenticate: Basic realm=\"pfxhttp\"\r\n", NULL,
		    rq->head);
		return;
	}
	if (rq->pathlen != 8 || memcmp(rq->path, "/metrics", 8) != 0) {
		respond(m, cn, 404, "Not Found", NULL, NULL, rq->head);
		return;
	}
	memset(&pp, 0, sizeof(pp));
	pp.version = PFXHTTP_VERSION;
	pp.start_time_s = m->start_wall;
	pp.uptime_s = (double)(clock_ms() - m->start_ms) / 1000.0;
	pp.rss_bytes = proc_rss_bytes();
	buf_init(&page, PAGE_MAX);
	if (m->page(&page, &pp, m->arg) != PFX_OK) {
		log_warnx("metrics: the page is too large");
		respond(m, cn, 500, "Internal Server Error", NULL, NULL,
		    rq->head);
	} else
		respond(m, cn, 200, "OK", NULL, &page, rq->head);
	buf_free(&page);
}

static void
watch(struct metrics *m, struct mconn *cn, unsigned int events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = cn;
	(void)epoll_ctl(m->epfd, EPOLL_CTL_MOD, cn->fd, &ev);
}

/* conn_io - read the request or write the answer; 0: close it now */
static int
conn_io(struct metrics *m, struct mconn *cn, long long now)
{
	struct http_req rq;
	ssize_t	 n;

	if (!cn->answered) {
		n = recv(cn->fd, cn->in + cn->inlen, sizeof(cn->in) -
		    cn->inlen, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return (0);
		if (n < 0)
			return (1);
		cn->inlen += (size_t)n;
		cn->last = now;
		if (!http_req_parse(cn->in, cn->inlen, sizeof(cn->in), &rq))
			return (1);
		serve(m, cn, &rq);
		explicit_bzero(cn->in, cn->inlen);	/* credentials */
		watch(m, cn, EPOLLOUT);
	}
	while (cn->outoff < cn->out.len) {
		n = send(cn->fd, cn->out.data + cn->outoff, cn->out.len -
		    cn->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return (errno == EAGAIN || errno == EINTR);
		cn->outoff += (size_t)n;
		cn->last = now;
	}
	return (0);	/* all written: Connection: close */
}

/* watch_listener - EPOLLIN on the listener, or nothing while paused */
static void
watch_listener(struct metrics *m, unsigned int events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = NULL;
	(void)epoll_ctl(m->epfd, EPOLL_CTL_MOD, m->lfd, &ev);
}

static void
accept_conns(struct metrics *m, long long now)
{
	struct epoll_event ev;
	struct mconn *cn;
	size_t	 i, old;
	int	 fd, k, sndbuf = SNDBUF;

	for (k = 0; k < ACCEPTS_PER_TICK; k++) {
		if ((fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				watch_listener(m, 0);
				m->accept_paused_until = now + ACCEPT_PAUSE_MS;
			}
			return;
		}
		if (m->nconns == METRICS_MAX_CONNS) {
			for (old = 0, i = 1; i < m->nconns; i++)
				if (m->conns[i]->started <
				    m->conns[old]->started)
					old = i;
			mconn_close(m, old);
		}
		/* the page waits in our buffer, not in a large kernel one */
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
		    sizeof(sndbuf));
		cn = xcalloc(1, sizeof(*cn));
		cn->fd = fd;
		cn->started = cn->last = now;
		buf_init(&cn->out, PAGE_MAX + 4096);
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.ptr = cn;
		if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			(void)close(fd);
			buf_free(&cn->out);
			free(cn);
			continue;
		}
		m->conns[m->nconns++] = cn;
	}
}

static long long
deadline(const struct mconn *cn)
{
	long long idle = cn->last + METRICS_IDLE_MS,
	    life = cn->started + METRICS_LIFE_MS;

	return (idle < life ? idle : life);
}

void
metrics_tick(struct metrics *m, int ready, long long now)
{
	struct epoll_event evs[METRICS_MAX_CONNS + 1];
	size_t	 i;
	int	 n, k;

	if (m->accept_paused_until != 0 && now >= m->accept_paused_until) {
		m->accept_paused_until = 0;
		watch_listener(m, EPOLLIN);
	}
	if (!ready && (n = metrics_next_ms(m, now)) != 0)
		return;
	n = epoll_wait(m->epfd, evs, METRICS_MAX_CONNS + 1, 0);
	for (k = 0; k < n; k++) {
		if (evs[k].data.ptr == NULL)
			m->listen_ready = 1;
		else
			((struct mconn *)evs[k].data.ptr)->ready = 1;
	}
	i = 0;
	while (i < m->nconns) {
		struct mconn *cn = m->conns[i];
		int	 keep = 1;

		if (cn->ready) {
			cn->ready = 0;
			keep = conn_io(m, cn, now);
		}
		if (keep && now >= deadline(cn)) {
			log_debug("metrics: dropping a silent scraper");
			keep = 0;
		}
		if (keep)
			i++;
		else
			mconn_close(m, i);
	}
	if (m->listen_ready && m->lfd >= 0) {
		m->listen_ready = 0;
		accept_conns(m, now);
	}
}

int
metrics_next_ms(const struct metrics *m, long long now)
{
	long long d, next = 0;
	size_t	 i;
	int	 have = 0;

	if (m->accept_paused_until != 0) {	/* the listener back on */
		next = m->accept_paused_until - now;
		have = 1;
	}
	for (i = 0; i < m->nconns; i++) {
		d = deadline(m->conns[i]) - now;
		if (!have || d < next)
			next = d;
		have = 1;
	}
	if (!have)
		return (-1);
	return (next <= 0 ? 0 : (int)next);
}

long long
proc_rss_bytes(void)
{
	char	 b[128];
	unsigned long long size, rss;
	char	*p, *end;
	ssize_t	 n;
	int	 fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	n = read(fd, b, sizeof(b) - 1);
	(void)close(fd);
	if (n <= 0)
		return (-1);
	b[n] = '\0';
	size = strtoull(b, &end, 10);
	if (end == b || *end != ' ')
		return (-1);
	p = end + 1;
	rss = strtoull(p, &end, 10);
	(void)size;
	if (end == p)
		return (-1);
	return ((long long)rss * sysconf(_SC_PAGESIZE));
}
