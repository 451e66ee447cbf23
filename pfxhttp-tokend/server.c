/*
 * server.c - pfxhttp-tokend event loop
 *
 * DESCRIPTION
 *	One thread, one loop: one epoll set watches the listening socket,
 *	the client connections, a signalfd and libcurl's own sockets
 *	together (curl_multi_socket_action: libcurl says which of its
 *	sockets to watch and when its next timeout is due, and acts on
 *	the one socket that is ready, not on every transfer).  A client
 *	connection is registered once, edge-triggered for input; output
 *	is watched only while a reply waits for room.  A LOOKUP
 *	(tokproto.h) goes to the engine
 *	(engine.c), which answers at once from the cache or later, when its
 *	backend call or token fetch finishes; until then the connection is
 *	parked (PENDING tells the peer it is alive).  spawn processes ask
 *	one question at a time, so a parked connection reads nothing.
 *
 * SECURITY
 *	The socket is created with a tight umask, then given the configured
 *	mode and group.  Every connection's peer is checked with SO_PEERCRED
 *	against allowed_users and allowed_groups (root and tokend's own
 *	user always pass): a group matches the peer's primary group, its
 *	supplementary groups (SO_PEERGROUPS) or its user's groups in the
 *	group database.  Others get "ERR refused" and are closed.
 *
 * LIMITS
 *	A peer idle longer than server.idle_timeout is dropped (spawn
 *	reconnects when it needs tokend again).  At most MAX_CONNS peers, fewer
 *	under a low file limit; at the limit the peer idle longest is dropped
 *	for a new one.  Out of descriptors, accept pauses briefly instead of
 *	spinning.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cache.h"
#include "engine.h"
#include "kind.h"
#include "clock.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "netstring.h"
#include "oidc.h"
#include "rid.h"
#include "rid_seed.h"
#include "server.h"
#include "tokclient.h"
#include "tokproto.h"
#include "trace.h"
#include "xalloc.h"

#define MAX_CONNS	1024
#define FD_RESERVE	32	/* descriptors kept for libcurl and logs */
#define READ_CHUNK	16384
#define ACCEPT_PAUSE_MS	250	/* out of descriptors, nothing to drop */
#define MAX_EVENTS	256

/* epoll data: a struct conn pointer (aligned: low bits 0), or a tag */
#define EV_CURL		1ULL	/* | fd << 2: one of libcurl's sockets */
#define EV_SIGNAL	2ULL
#define EV_LISTEN	3ULL
#define EV_METRICS	(4ULL | EV_LISTEN)	/* metrics.c's epoll set */
#define EV_TAG(u)	((u) & 3ULL)
/* the check processes' epoll fd: tag 0, this (aligned) address */
static const long long ev_checks;
#define EV_CHECKS	((uint64_t)(uintptr_t)&ev_checks)
/* the HTTP/1.1 pool's epoll fd (h1pool.c): likewise */
static const long long ev_h1;
#define EV_H1		((uint64_t)(uintptr_t)&ev_h1)

struct conn {
	int		 fd;
	uid_t		 uid;
	long long	 last_active;	/* ms: last byte read or written */
	struct ns_dec	 in;
	struct buf	 out;
	size_t		 outoff;
	int		 waiting;	/* a LOOKUP is with the engine */
	int		 pending_sent;	/* PENDING went out for it */
	long long	 asked_at;	/* ms: when the LOOKUP came */
	long long	 pending_at;	/* ms: when PENDING is due */
	enum {
		CONN_OPEN,
		CONN_CLOSE_WRITTEN,	/* close once out is written */
		CONN_CLOSE_NOW		/* peer gone or broken: drop at once */
	}		 closing;
	int		 readable;	/* input may wait (edge-triggered) */
	int		 out_watched;	/* EPOLLOUT is in its epoll events */
	struct trace	*trace;		/* an EXPLAIN's, until its answer */
};

/* who may connect besides root and tokend's own user */
struct peer_acl {
	uid_t		*uids;
	size_t		 nuids;
	gid_t		*gids;
	size_t		 ngids;
};

struct server {
	char		*conf_path;	/* a copy: it may be the conf's own */
	struct conf	*conf;
	int		 lfd, sigfd, epfd;
	int		 lfd_watched;	/* the listener is in the epoll set */
	CURLM		*multi;		/* every transfer: lookups, tokens */
	long long	 curl_due;	/* libcurl's timeout (ms), or -1 */
	struct engine	*eng;
	struct pfx_result res;		/* answers given at once */
	struct oidc	*oidc;
	struct cache	*cache;
	struct metrics	*metrics;	/* GET /metrics, when configured */
	struct conn	*conns[MAX_CONNS];
	size_t		 nconns, cap;
	char		*sock_path;	/* the socket actually bound */
	long long	 accept_pause_until, emfile_logged;
	struct peer_acl	 acl;
	unsigned long long accepted, refused, requests;
	int		 stop;
};

static void	 pool_limits(CURLM *, const struct conf *);
static void	 conn_write(struct server *, struct conn *);

/*
 * resolve_peers - user and group names to ids; refuse unknown names.
 * The server's list changes only when every name resolved: a reload
 * that fails (say, the directory is briefly down) keeps the old one.
 */
static int
resolve_peers(struct server *s, const struct conf *c)
{
	struct peer_acl a;
	struct passwd *pw;
	struct group *gr;
	size_t	 i;
	int	 r = PFX_OK;

	a.uids = xcalloc(c->tokend.nallowed_users + 1, sizeof(uid_t));
	a.gids = xcalloc(c->tokend.nallowed_groups + 1, sizeof(gid_t));
	a.nuids = a.ngids = 0;
	for (i = 0; r == PFX_OK && i < c->tokend.nallowed_users; i++) {
		if ((pw = getpwnam(c->tokend.allowed_users[i])) == NULL) {
			log_errx("%s: server.tokend.allowed_users: no user"
			    " \"%s\"", c->file, c->tokend.allowed_users[i]);
			r = PFX_ECONFIG;
		} else
			a.uids[a.nuids++] = pw->pw_uid;
	}
	for (i = 0; r == PFX_OK && i < c->tokend.nallowed_groups; i++) {
		if ((gr = getgrnam(c->tokend.allowed_groups[i])) == NULL) {
			log_errx("%s: server.tokend.allowed_groups: no group"
			    " \"%s\"", c->file, c->tokend.allowed_groups[i]);
			r = PFX_ECONFIG;
		} else
			a.gids[a.ngids++] = gr->gr_gid;
	}
	if (r != PFX_OK) {
		free(a.uids);
		free(a.gids);
		return (r);
	}
	free(s->acl.uids);
	free(s->acl.gids);
	s->acl = a;
	return (PFX_OK);
}

static int
gid_allowed(const struct server *s, const gid_t *g, size_t n)
{
	size_t	 i, k;

	for (k = 0; k < n; k++)
		for (i = 0; i < s->acl.ngids; i++)
			if (s->acl.gids[i] == g[k])
				return (1);
	return (0);
}

/*
 * peer_allowed - by uid, then by group: the peer's primary group, the
 * supplementary groups it had at connect (SO_PEERGROUPS), and its
 * user's groups in the group database (Postfix's spawn(8) drops
 * supplementary groups, so membership there is what an admin means)
 */
static int
peer_allowed(const struct server *s, int fd, const struct ucred *uc)
{
	gid_t	 sup[256], *g;
	socklen_t len = sizeof(sup);
	struct passwd *pw;
	size_t	 i;
	int	 n, ok;

	if (uc->uid == 0 || uc->uid == getuid())
		return (1);
	for (i = 0; i < s->acl.nuids; i++)
		if (s->acl.uids[i] == uc->uid)
			return (1);
	if (s->acl.ngids == 0)
		return (0);
	if (gid_allowed(s, &uc->gid, 1))
		return (1);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, sup, &len) == 0 &&
	    gid_allowed(s, sup, len / sizeof(sup[0])))
		return (1);
	if ((pw = getpwuid(uc->uid)) == NULL)
		return (0);
	n = (int)(sizeof(sup) / sizeof(sup[0]));
	if (getgrouplist(pw->pw_name, pw->pw_gid, sup, &n) >= 0)
		return (gid_allowed(s, sup, (size_t)n));
	if (n <= 0)
		return (0);
	g = xreallocarray(NULL, (size_t)n, sizeof(*g));
	ok = getgrouplist(pw->pw_name, pw->pw_gid, g, &n) >= 0 &&
	    gid_allowed(s, g, (size_t)n);
	free(g);
	return (ok);
}

static int
make_socket(const struct conf *c)
{
	const struct conf_tokend *t = &c->tokend;
	struct sockaddr_un sun;
	struct group *gr;
	struct stat st;
	mode_t	 old;
	int	 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, t->socket, strlen(t->socket));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatalx("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		fatalx("%s: another pfxhttp-tokend is listening", t->socket);
	if (lstat(t->socket, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s exists and is not a socket", t->socket);
		(void)unlink(t->socket);
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		fatalx("bind %s: %s", t->socket, strerror(errno));
	(void)umask(old);
	if (t->group != NULL) {
		if ((gr = getgrnam(t->group)) == NULL)
			fatalx("server.tokend.group: no group \"%s\"", t->group);
		if (chown(t->socket, (uid_t)-1, gr->gr_gid) != 0)
			fatalx("chown %s: %s", t->socket, strerror(errno));
	}
	if (chmod(t->socket, t->mode_bits) != 0)
		fatalx("chmod %s: %s", t->socket, strerror(errno));
	if (listen(fd, 128) != 0)
		fatalx("listen: %s", strerror(errno));
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return (fd);
}

static void
conn_free(struct conn *cn)
{
	(void)close(cn->fd);
	trace_free(cn->trace);
	ns_free(&cn->in);
	buf_free(&cn->out);
	free(cn);
}

static void
reply(struct conn *cn, const struct tok_msg *m)
{
	if (tokc_encode(&cn->out, m) != PFX_OK) {
		log_warnx("reply too large; closing the connection");
		cn->closing = CONN_CLOSE_WRITTEN;
	}
}

static void
reply2(struct conn *cn, const char *verb, const char *text)
{
	struct tok_msg m;

	tok_init(&m, verb);
	if (text != NULL)
		tok_adds(&m, text);
	reply(cn, &m);
}

/*
 * lookup_request - a LOOKUP message to its entry and a request.  The
 * attribute names are copied so they end in NUL; the values stay in the
 * message (the engine copies what it keeps).
 */
static const char *
lookup_request(const struct conf *c, const struct tok_msg *m,
    const struct conf_entry **ep, struct pfx_req *req,
    struct pfx_attr *attrs, char *names, size_t namesz, long long *left,
    char *rid)
{
	static uint64_t rid_state;
	const struct conf_entry *e = NULL;
	const struct kind *kd;
	const char *prid;
	char	 name[256];
	size_t	 i, na, off = 0, first, ridlen;

	if (tok_lookup_split(m, &first, &prid, &ridlen) != PFX_OK ||
	    (m->n - first) / 2 > PFX_REQ_MAX_ATTRS)
		return ("malformed LOOKUP");
	/* the peer's id goes into a header and logs: checked, else ours */
	if (prid != NULL && !rid_valid(prid, ridlen))
		return ("malformed LOOKUP request id");
	if (prid != NULL) {
		memcpy(rid, prid, ridlen);
		rid[ridlen] = '\0';
	} else {
		if (rid_state == 0)
			rid_state = rid_seed();
		rid_make(rid, &rid_state, NULL, 0);
	}
	if (m->len[2] >= sizeof(name) || (*left = tok_num(m, 3)) < 0)
		return ("malformed LOOKUP");
	memcpy(name, m->f[2], m->len[2]);
	name[m->len[2]] = '\0';
	if ((kd = kind_by_section(m->f[1], m->len[1])) != NULL)
		e = conf_find(c, (enum conf_kind)kind_index(kd), name);
	if (e == NULL)
		return ("entry unknown to pfxhttp-tokend");
	memset(req, 0, sizeof(*req));
	if (tok_is(m, 4, "secret"))
		req->flags |= PFX_REQ_SECRET;
	else if (m->len[4] != 0)
		return ("malformed LOOKUP flags");
	na = (m->n - first) / 2;
	for (i = 0; i < na; i++) {
		const char *an = m->f[first + 2 * i];
		size_t	 alen = m->len[first + 2 * i];

		if (alen == 0 || alen > 64 || memchr(an, '\0', alen) != NULL ||
		    off + alen + 1 > namesz)
			return ("malformed LOOKUP attribute");
		memcpy(names + off, an, alen);
		names[off + alen] = '\0';
		attrs[i].name = names + off;
		off += alen + 1;
		attrs[i].value = m->f[first + 1 + 2 * i];
		attrs[i].valuelen = m->len[first + 1 + 2 * i];
	}
	req->attrs = attrs;
	req->nattrs = na;
	req->rid = rid;
	*ep = e;
	return (NULL);
}

/*
 * explain_answer - TRACE verdict value reason json text: the trace
 * rendered both ways, within what one message may carry
 */
static void
explain_answer(struct conn *cn, const struct pfx_result *res)
{
	struct buf json, text;
	struct tok_msg m;

	buf_init(&json, TOK_MAX_MSG / 2 - 4096);
	buf_init(&text, TOK_MAX_MSG / 2 - 4096);
	if (trace_json(cn->trace, &json) != PFX_OK ||
	    trace_text(cn->trace, &text) != PFX_OK) {
		buf_reset(&json);
		buf_reset(&text);
		(void)buf_puts(&json, "{\"incomplete\":1,\"steps\":[]}");
		(void)buf_puts(&text, "(the trace is too large to send)\n");
	}
	trace_free(cn->trace);
	cn->trace = NULL;
	tok_init(&m, "TRACE");
	tok_adds(&m, verdict_word(res->verdict));
	tok_add(&m, buf_str(&res->value), res->value.len);
	tok_add(&m, buf_str(&res->reason), res->reason.len);
	tok_add(&m, buf_str(&json), json.len);
	tok_add(&m, buf_str(&text), text.len);
	reply(cn, &m);
	buf_free(&json);
	buf_free(&text);
}

/* answer - ANSWER verdict value reason */

static void
answer(struct conn *cn, const struct pfx_result *res)
{
	struct tok_msg m;

	if (cn->trace != NULL) {
		explain_answer(cn, res);
		return;
	}
	tok_init(&m, "ANSWER");
	tok_adds(&m, verdict_word(res->verdict));
	tok_add(&m, buf_str(&res->value), res->value.len);
	tok_add(&m, buf_str(&res->reason), res->reason.len);
	reply(cn, &m);
}

/* engine_reply - the engine's answer for a parked connection */

static void
engine_reply(void *waiter, const struct pfx_result *res, void *arg)
{
	struct conn *cn = waiter;

	answer(cn, res);
	cn->waiting = 0;
	cn->pending_sent = 0;
	conn_write(arg, cn);	/* now: the loop writes only what stays */
}

static void
do_lookup(struct server *s, struct conn *cn, const struct tok_msg *m,
    int explain)
{
	static struct pfx_attr attrs[PFX_REQ_MAX_ATTRS];
	static char names[PFX_REQ_MAX_ATTRS * 65], rid[RID_MAX + 1];
	const struct conf_entry *e;
	struct pfx_req req;
	long long left;
	const char *why;

	if ((why = lookup_request(s->conf, m, &e, &req, attrs, names,
	    sizeof(names), &left, rid)) != NULL) {
		result_set(&s->res, PFX_TEMPFAIL, why);
		answer(cn, &s->res);
		return;
	}
	/* explain: the same lookup, traced (pfxhttp-spawn explain) */
	if (explain)
		cn->trace = trace_new();
	cn->waiting = 1;
	cn->asked_at = clock_ms();
	if (left > e->timeout_ms)
		left = e->timeout_ms;	/* a peer cannot stretch an entry */
	/* spawn waits min(tokend.timeout, left / 2) for a first word */
	cn->pending_at = cn->asked_at + (left / 4 < s->conf->tokend.timeout_ms /
	    2 ? left / 4 : s->conf->tokend.timeout_ms / 2);
	if ((explain ? engine_explain(s->eng, e, &req, cn->asked_at + left,
	    cn, cn->trace, &s->res) : engine_lookup(s->eng, e, &req,
	    cn->asked_at + left, cn, &s->res)) == PFX_OK) {
		answer(cn, &s->res);
		cn->waiting = 0;
	}
}

static void
do_stats(struct server *s, struct conn *cn)
{
	struct oidc_stats *os = oidc_stats(s->oidc);
	struct cache_stats *cs = cache_stats(s->cache);
	const struct entry_counters *ec;
	unsigned long long stale = 0, fresh = 0;
	struct buf b;
	size_t	 i;

	for (i = 0; i < s->conf->nentries; i++) {
		ec = engine_counters(s->eng, &s->conf->entries[i]);
		stale += ec->stale_serves;
		fresh += ec->cache_hits;
	}
	buf_init(&b, TOK_MAX_MSG / 2);
	(void)buf_printf(&b,
	    "tokens_fetched %llu\ntokens_failed %llu\ntokens_served %llu\n"
	    "discoveries %llu\ncache_hits %llu\ncache_misses %llu\n"
	    "cache_stale_serves %llu\ncache_fresh_serves %llu\n"
	    "cache_stores %llu\ncache_deletes %llu\ncache_evictions %llu\n"
	    "cache_expired %llu\n"
	    "cache_entries %zu\ncache_bytes %zu\nconnections %zu\n"
	    "connections_accepted %llu\nconnections_refused %llu\n"
	    "requests %llu\nlookups_under_way %zu\ncheck_processes %zu\n"
	    "http1_connections %zu\n",
	    os->tokens_fetched, os->tokens_failed, os->tokens_served,
	    os->discoveries, cs->hits, cs->misses, stale, fresh, cs->stores,
	    cs->deletes, cs->evictions, cs->expired,
	    cache_entries(s->cache), cache_bytes(s->cache), s->nconns,
	    s->accepted, s->refused, s->requests, engine_jobs(s->eng),
	    engine_check_processes(s->eng), engine_h1_connections(s->eng));
	for (i = 0; i < s->conf->nentries; i++)
		if (counters_render(&b, conf_kind_section(
		    s->conf->entries[i].kind), s->conf->entries[i].name,
		    engine_counters(s->eng, &s->conf->entries[i])) != PFX_OK)
			break;
	reply2(cn, "OK", b.data);
	buf_free(&b);
}

static void
dispatch(struct server *s, struct conn *cn, const char *p, size_t n)
{
	struct tok_msg m;

	s->requests++;
	if (tok_parse(p, n, &m) != PFX_OK) {
		reply2(cn, "ERR", "malformed request");
		cn->closing = CONN_CLOSE_WRITTEN;
	} else if (tok_is(&m, 0, "LOOKUP"))
		do_lookup(s, cn, &m, 0);
	else if (tok_is(&m, 0, "EXPLAIN") && cn->uid != 0 &&
	    cn->uid != getuid())
		/* a trace shows what the configuration sends (headers,
		 * URLs): Postfix's helpers never see that */
		reply2(cn, "ERR", "explain is for root and pfxhttp-tokend's"
		    " own user");
	else if (tok_is(&m, 0, "EXPLAIN"))
		do_lookup(s, cn, &m, 1);
	else if (tok_is(&m, 0, "STATS") && m.n == 1)
		do_stats(s, cn);
	else
		reply2(cn, "ERR", "unknown request");
}

/*
 * conn_read - read and answer until a request parks or input runs dry.
 * The connection is edge-triggered: cn->readable stays set until a read
 * finds the socket empty (EAGAIN, or fewer bytes than asked for: a
 * stream read takes all there is), so a parked connection's input is
 * read when its answer has gone.
 */
static void
conn_read(struct server *s, struct conn *cn)
{
	char	 in[READ_CHUNK];
	ssize_t	 n;
	size_t	 off = 0, used;
	int	 done;

	if ((n = recv(cn->fd, in, sizeof(in), 0)) <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			cn->closing = CONN_CLOSE_NOW;
		if (n == 0 || errno != EINTR)
			cn->readable = 0;
		return;
	}
	if ((size_t)n < sizeof(in))
		cn->readable = 0;
	cn->last_active = clock_ms();
	while (off < (size_t)n && cn->closing == CONN_OPEN) {
		if (ns_feed(&cn->in, in + off, (size_t)n - off, &used,
		    &done) != PFX_OK || cn->in.toobig) {
			reply2(cn, "ERR", "malformed frame");
			cn->closing = CONN_CLOSE_WRITTEN;
			break;
		}
		off += used;
		if (!done)
			break;
		dispatch(s, cn, cn->in.payload.data, cn->in.payload.len);
		/* a login's password or token: the engine has its copy */
		buf_wipe(&cn->in.payload);
		ns_reset(&cn->in);
		if (cn->waiting && off < (size_t)n) {
			/* clients do not pipeline; refuse to buffer */
			cn->closing = CONN_CLOSE_WRITTEN;
			break;
		}
	}
	explicit_bzero(in, (size_t)n);
}

/* watch_out - add or remove EPOLLOUT: only while a reply waits for room */

static void
watch_out(struct server *s, struct conn *cn, int on)
{
	struct epoll_event ev;

	if (cn->out_watched == on)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLET | (on ? EPOLLOUT : 0);
	ev.data.u64 = (uint64_t)(uintptr_t)cn;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, cn->fd, &ev) != 0) {
		log_warnx("epoll_ctl: %s; closing a connection",
		    strerror(errno));
		cn->closing = CONN_CLOSE_NOW;
		return;
	}
	cn->out_watched = on;
}

static void
conn_write(struct server *s, struct conn *cn)
{
	ssize_t	 w;

	while (cn->outoff < cn->out.len) {
		w = send(cn->fd, cn->out.data + cn->outoff,
		    cn->out.len - cn->outoff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				cn->closing = CONN_CLOSE_NOW;
			else
				watch_out(s, cn, 1);
			return;
		}
		cn->outoff += (size_t)w;
		cn->last_active = clock_ms();
	}
	buf_reset(&cn->out);
	cn->outoff = 0;
	watch_out(s, cn, 0);
}

/* conn_cap - MAX_CONNS, or fewer when the file limit is lower */

static size_t
conn_cap(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= MAX_CONNS + FD_RESERVE)
		return (MAX_CONNS);
	return (rl.rlim_cur > FD_RESERVE + 1 ? rl.rlim_cur - FD_RESERVE : 1);
}

static void
conn_drop(struct server *s, size_t i)
{
	if (s->conns[i]->waiting)
		engine_forget(s->eng, s->conns[i]);
	/* close() alone keeps it in the set while a check process forked
	 * just now still holds the descriptor: an event would name a
	 * freed conn */
	(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->conns[i]->fd, NULL);
	conn_free(s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

/* drop_idle - close the peer idle longest (no parked or unsent reply) */

static int
drop_idle(struct server *s)
{
	size_t	 i, best = s->nconns;

	for (i = 0; i < s->nconns; i++) {
		if (s->conns[i]->waiting || s->conns[i]->out.len > 0)
			continue;
		if (best == s->nconns || s->conns[i]->last_active <
		    s->conns[best]->last_active)
			best = i;
	}
	if (best == s->nconns)
		return (0);
	conn_drop(s, best);
	return (1);
}

/* refuse - tell a peer why (one small frame, best effort), close it */

static void
refuse(int fd, const char *why)
{
	struct tok_msg m;
	struct buf b;

	buf_init(&b, 256);
	tok_init(&m, "ERR");
	tok_adds(&m, why);
	if (tok_encode(&b, &m) == PFX_OK)
		(void)send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_free(&b);
	(void)close(fd);
}

/*
 * accept_full - out of descriptors: hold fewer peers from now on and
 * drop the one idle longest; with none to drop, stop polling the
 * listener for a moment (it stays readable, so the loop would spin)
 */
static void
accept_full(struct server *s, long long now)
{
	s->cap = s->nconns > 1 ? s->nconns - 1 : 1;
	if (now - s->emfile_logged > 60000) {
		log_warnx("out of file descriptors with %zu connections;"
		    " holding at most %zu", s->nconns, s->cap);
		s->emfile_logged = now;
	}
	if (!drop_idle(s))
		s->accept_pause_until = now + ACCEPT_PAUSE_MS;
}

static void
accept_conns(struct server *s, long long now)
{
	struct epoll_event ev;
	struct ucred uc;
	socklen_t len;
	struct conn *cn;
	int	 fd;

	for (;;) {
		if ((fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_full(s, now);
			return;
		}
		len = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0) {
			log_warnx("refused a connection: no peer credentials:"
			    " %s", strerror(errno));
			s->refused++;
			refuse(fd, "refused");
			continue;
		}
		if (!peer_allowed(s, fd, &uc)) {
			log_warnx("refused a connection from uid %ld gid %ld"
			    " (pid %ld): not in server.tokend.allowed_users"
			    " or allowed_groups", (long)uc.uid, (long)uc.gid,
			    (long)uc.pid);
			s->refused++;
			refuse(fd, "refused");
			continue;
		}
		while (s->nconns >= s->cap && drop_idle(s))
			;
		if (s->nconns >= s->cap) {
			log_warnx("too many connections (%zu), none idle;"
			    " refusing one", s->nconns);
			s->refused++;
			refuse(fd, "too many connections");
			continue;
		}
		cn = xcalloc(1, sizeof(*cn));
		cn->fd = fd;
		cn->uid = uc.uid;
		cn->last_active = now;
		/* edge-triggered: a request may be there already */
		cn->readable = 1;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u64 = (uint64_t)(uintptr_t)cn;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			log_warnx("refused a connection: epoll_ctl: %s",
			    strerror(errno));
			free(cn);
			s->refused++;
			refuse(fd, "refused");
			continue;
		}
		ns_init(&cn->in, TOK_MAX_MSG);
		buf_init(&cn->out, 4 * TOK_MAX_MSG);
		s->conns[s->nconns++] = cn;
		s->accepted++;
	}
}

/* drop_idle_peers - close peers silent longer than server.idle_timeout */

static void
drop_idle_peers(struct server *s, long long now)
{
	long long idle = s->conf->idle_timeout_ms;
	size_t	 i = 0;

	while (idle > 0 && i < s->nconns) {
		if (!s->conns[i]->waiting &&
		    now - s->conns[i]->last_active > idle) {
			log_debug("dropping a peer idle for %llds",
			    (now - s->conns[i]->last_active) / 1000);
			conn_drop(s, i);
		} else
			i++;
	}
}

/* space_configured - does a cache space name an entry of the conf */

static int
space_configured(const char *sp, size_t splen, void *arg)
{
	const struct conf *c = arg;
	const char *name = memchr(sp, '\0', splen);
	size_t	 i;

	if (name == NULL)
		return (0);
	name++;
	for (i = 0; i < c->nentries; i++)
		if (strcmp(conf_kind_section(c->entries[i].kind), sp) == 0 &&
		    strlen(c->entries[i].name) == splen - (size_t)(name - sp) &&
		    memcmp(c->entries[i].name, name, splen -
		    (size_t)(name - sp)) == 0)
			return (1);
	return (0);
}

static void
reload(struct server *s)
{
	struct conf *nc;
	char	 err[1024];

	if ((nc = conf_load(s->conf_path, CONF_SECRETS, err,
	    sizeof(err))) == NULL) {
		log_errx("reload refused, keeping the old configuration: %s",
		    err);
		return;
	}
	if (resolve_peers(s, nc) != PFX_OK) {
		conf_free(nc);
		log_errx("reload refused, keeping the old configuration");
		return;
	}
	/* calls under way belong to the old entries: answer them now */
	engine_abort(s->eng, "configuration reloaded");
	if (strcmp(nc->tokend.socket, s->sock_path) != 0)
		log_warnx("server.tokend.socket changed to %s: still listening"
		    " on %s until pfxhttp-tokend is restarted",
		    nc->tokend.socket, s->sock_path);
	oidc_set_conf(s->oidc, nc);
	cache_limits(s->cache, (size_t)nc->cache.max_entries,
	    (size_t)nc->cache.max_bytes, nc->cache.ttl_ms);
	/* entries gone from the configuration free their cache name slot */
	cache_prune(s->cache, space_configured, nc);
	log_set_level(nc->log_level);
	engine_set_conf(s->eng, nc);
	pool_limits(s->multi, nc);
	if (metrics_configure(s->metrics, &nc->tokend.metrics, err,
	    sizeof(err)) != PFX_OK)
		log_errx("%s; the metrics endpoint stays as it was", err);
	conf_free(s->conf);
	s->conf = nc;
	s->cap = conn_cap();
	log_info("configuration reloaded");
}

static void
handle_signals(struct server *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(s);
		else
			s->stop = 1;
	}
}

static void
reap(struct server *s)
{
	size_t	 i = 0;

	while (i < s->nconns) {
		struct conn *cn = s->conns[i];

		if (cn->closing == CONN_CLOSE_NOW ||
		    (cn->closing == CONN_CLOSE_WRITTEN && cn->out.len == 0))
			conn_drop(s, i);
		else
			i++;
	}
}

/*
 * pool_limits - libcurl queues what exceeds max_connections_per_host per
 * backend host, and keeps idle connections for a few busy hosts
 */
static void
pool_limits(CURLM *multi, const struct conf *c)
{
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)c->http.max_connections_per_host);
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
	    (long)c->http.max_connections_per_host * 4);
}

/*
 * pending - PENDING for lookups still under way at their pending_at:
 * half of server.tokend.timeout, or a quarter of the lookup's time when
 * that is shorter (spawn waits half of it for a first word)
 */
static int
pending(struct server *s, long long now)
{
	long long due, next = -1;
	struct tok_msg m;
	size_t	 i;

	for (i = 0; i < s->nconns; i++) {
		struct conn *cn = s->conns[i];

		if (!cn->waiting || cn->pending_sent)
			continue;
		if ((due = cn->pending_at) <= now) {
			tok_init(&m, "PENDING");
			reply(cn, &m);
			cn->pending_sent = 1;
		} else if (next < 0 || due - now < next)
			next = due - now;
	}
	return (next < 0 ? 1000 : (int)next + 1);
}

/*
 * curl_socket_cb - libcurl says which of its sockets to watch, and for
 * what (level-triggered, as libcurl expects).  The socket's pointer
 * (curl_multi_assign) is non-NULL while it is in the epoll set.
 */
static int
curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	static char in_set;
	struct server *s = userp;
	struct epoll_event ev;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (socketp != NULL) {
			(void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
			curl_multi_assign(s->multi, fd, NULL);
		}
		return (0);
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
	    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	ev.data.u64 = ((uint64_t)fd << 2) | EV_CURL;
	if (epoll_ctl(s->epfd, socketp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	    fd, &ev) != 0 && epoll_ctl(s->epfd, socketp != NULL ?
	    EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) != 0) {
		/* not -1: libcurl would give up the whole multi handle;
		 * the transfer's own timeout ends it */
		log_warnx("epoll_ctl for a backend socket: %s",
		    strerror(errno));
		return (0);
	}
	if (socketp == NULL)
		curl_multi_assign(s->multi, fd, &in_set);
	return (0);
}

/*
 * curl_timer_cb - when libcurl's next timeout is due (-1: none).  The
 * timer is one-shot: curl_act clears it before it runs the timeouts,
 * and libcurl then sets it again if one is left.  It is rounded up
 * (clock_ms truncates), so that no call comes before libcurl's time.
 */
static int
curl_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct server *s = userp;

	(void)multi;
	s->curl_due = timeout_ms < 0 ? -1 : clock_ms() + timeout_ms +
	    (timeout_ms > 0);
	return (0);
}

/* transfers_done - hand finished transfers to their owner */

static void
transfers_done(struct server *s)
{
	struct CURLMsg *msg;
	struct oidc_client *oc;
	int	 left;

	while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		if (engine_done(s->eng, msg->easy_handle, msg->data.result))
			continue;
		if ((oc = oidc_done(s->oidc, msg->easy_handle,
		    msg->data.result, clock_ms())) != NULL && !oidc_busy(oc))
			engine_token(s->eng, oc);
	}
}

/* curl_act - let libcurl act on one socket, or on its timeouts */

static void
curl_act(struct server *s, curl_socket_t fd, int ev)
{
	int	 running;

	if (fd == CURL_SOCKET_TIMEOUT)
		s->curl_due = -1;
	(void)curl_multi_socket_action(s->multi, fd, ev, &running);
	transfers_done(s);
}

/* curl_timeouts - libcurl's timeout is due (0: calls just added) */

static void
curl_timeouts(struct server *s)
{
	int	 n;

	/* a timeout of 0 after a transfer ended starts a queued one; a
	 * timeout still due after 8 rounds waits for the next loop */
	for (n = 0; n < 8 && s->curl_due >= 0 && s->curl_due <= clock_ms();
	    n++)
		curl_act(s, CURL_SOCKET_TIMEOUT, 0);
}

/* watch_listener - accept pauses when out of descriptors */

static void
watch_listener(struct server *s, int on)
{
	struct epoll_event ev;

	if (s->lfd_watched == on)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_LISTEN;
	if (epoll_ctl(s->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, s->lfd,
	    &ev) != 0)
		fatalx("epoll_ctl (listener): %s", strerror(errno));
	s->lfd_watched = on;
}

/*
 * flush - write what waits (PENDING frames): only a full socket waits
 * for EPOLLOUT.  Returns 1 when a peer answered since its input came
 * has input to read (no new edge will come for it): no waiting then.
 */
static int
flush(struct server *s)
{
	struct conn *cn;
	size_t	 i;
	int	 more = 0;

	for (i = 0; i < s->nconns; i++) {
		cn = s->conns[i];
		if (cn->out.len > 0 && !cn->out_watched && cn->closing != CONN_CLOSE_NOW)
			conn_write(s, cn);
		if (cn->readable && !cn->waiting && cn->closing == CONN_OPEN)
			more = 1;
	}
	return (more);
}

/* metrics_page - the figures only the server has, for GET /metrics */

static int
metrics_page(struct buf *b, struct prom_process *p, void *arg)
{
	struct server *s = arg;
	struct prom_entry *es;
	size_t	 i, n = s->conf->nentries;
	int	 r;

	p->peers = s->nconns;
	p->peers_accepted = s->accepted;
	p->peers_refused = s->refused;
	p->calls_in_flight = engine_jobs(s->eng);
	p->check_processes = engine_check_processes(s->eng);
	p->pool_max_per_host = s->conf->http.max_connections_per_host;
	p->cache_entries = cache_entries(s->cache);
	p->cache_bytes = cache_bytes(s->cache);
	p->cache_evictions = cache_stats(s->cache)->evictions;
	p->cache_expired = cache_stats(s->cache)->expired;
	p->tokens_fetched = oidc_stats(s->oidc)->tokens_fetched;
	p->tokens_failed = oidc_stats(s->oidc)->tokens_failed;
	es = xreallocarray(NULL, n + 1, sizeof(*es));
	for (i = 0; i < n; i++) {
		es[i].kind = conf_kind_section(s->conf->entries[i].kind);
		es[i].entry = s->conf->entries[i].name;
		es[i].c = engine_counters(s->eng, &s->conf->entries[i]);
	}
	r = prom_render(b, p, es, n);
	free(es);
	return (r);
}

int
server_run(const char *conf_path, struct conf *c)
{
	struct server s;
	struct epoll_event evs[MAX_EVENTS], ev;
	struct engine_limits lim = { ENGINE_MAX_JOBS, ENGINE_MAX_WAITERS };
	sigset_t mask;
	long long last_sweep = clock_ms(), now;
	char	 err[1024];
	size_t	 i;
	int	 timeout, t, n, k, sig_ready, listen_ready, metrics_ready;
	int	 checks_ready;
	int	 more = 0;

	memset(&s, 0, sizeof(s));
	s.conf_path = xstrdup(conf_path);
	s.conf = c;
	s.curl_due = -1;
	if (resolve_peers(&s, c) != PFX_OK)
		return (1);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	if ((s.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		fatalx("signalfd: %s", strerror(errno));
	if ((s.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatalx("epoll_create1: %s", strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_SIGNAL;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, s.sigfd, &ev) != 0)
		fatalx("epoll_ctl (signalfd): %s", strerror(errno));
	s.lfd = make_socket(c);
	watch_listener(&s, 1);
	s.sock_path = xstrdup(c->tokend.socket);
	s.cap = conn_cap();
	if (http_global_init() != PFX_OK ||
	    (s.multi = curl_multi_init()) == NULL)
		fatalx("cannot initialise libcurl");
	curl_multi_setopt(s.multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
	curl_multi_setopt(s.multi, CURLMOPT_SOCKETDATA, &s);
	curl_multi_setopt(s.multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(s.multi, CURLMOPT_TIMERDATA, &s);
	pool_limits(s.multi, c);
	s.oidc = oidc_new(s.multi);
	oidc_set_conf(s.oidc, c);
	s.cache = cache_new((size_t)c->cache.max_entries,
	    (size_t)c->cache.max_bytes, c->cache.ttl_ms, clock_ms());
	result_init(&s.res, (size_t)c->socketmap_max_reply_size);
	s.eng = engine_new(s.multi, s.cache, s.oidc, engine_reply, &s, &lim);
	engine_set_conf(s.eng, c);
	s.metrics = metrics_new(metrics_page, &s);
	if (metrics_configure(s.metrics, &c->tokend.metrics, err,
	    sizeof(err)) != PFX_OK)
		fatalx("%s", err);
	ev.events = EPOLLIN;
	ev.data.u64 = EV_METRICS;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, metrics_fd(s.metrics), &ev) != 0)
		fatalx("epoll_ctl (metrics): %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_CHECKS;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, engine_checks_fd(s.eng), &ev) !=
	    0)
		fatalx("epoll_ctl (checks): %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.u64 = EV_H1;
	if (epoll_ctl(s.epfd, EPOLL_CTL_ADD, engine_h1_fd(s.eng), &ev) != 0)
		fatalx("epoll_ctl (HTTP pool): %s", strerror(errno));
	log_info("listening on %s", c->tokend.socket);

	while (!s.stop) {
		now = clock_ms();
		timeout = 1000;
		if (now < s.accept_pause_until)
			timeout = (int)(s.accept_pause_until - now);
		else
			watch_listener(&s, 1);
		if ((t = pending(&s, now)) < timeout)
			timeout = t;
		if ((t = engine_next_ms(s.eng, now)) >= 0 && t < timeout)
			timeout = t;
		if (s.curl_due >= 0 && (t = s.curl_due <= now ? 0 :
		    (int)(s.curl_due - now)) < timeout)
			timeout = t;
		if ((t = metrics_next_ms(s.metrics, now)) >= 0 && t < timeout)
			timeout = t;
		if (more)
			timeout = 0;
		if ((n = epoll_wait(s.epfd, evs, MAX_EVENTS, timeout)) < 0) {
			if (errno != EINTR)
				fatalx("epoll_wait: %s", strerror(errno));
			n = 0;
		}
		sig_ready = listen_ready = metrics_ready = checks_ready = 0;
		/*
		 * libcurl's sockets first (answers go out from there), then
		 * the peers' input.  A struct conn is freed only after this
		 * loop, so every pointer in evs[] is valid here.
		 */
		for (k = 0; k < n; k++) {
			uint64_t u = evs[k].data.u64;
			uint32_t e = evs[k].events;

			switch (EV_TAG(u)) {
			case EV_CURL:
				curl_act(&s, (curl_socket_t)(u >> 2),
				    (e & EPOLLIN ? CURL_CSELECT_IN : 0) |
				    (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
				    (e & (EPOLLERR | EPOLLHUP) ?
				    CURL_CSELECT_ERR : 0));
				break;
			case EV_SIGNAL:
				sig_ready = 1;
				break;
			case EV_LISTEN:
				if (u == EV_METRICS)
					metrics_ready = 1;
				else
					listen_ready = 1;
				break;
			default: {
				struct conn *cn = (struct conn *)(uintptr_t)u;

				if (u == EV_CHECKS) {
					checks_ready = 1;
					break;
				}
				if (u == EV_H1) {
					engine_h1_run(s.eng);
					break;
				}
				if (e & (EPOLLIN | EPOLLHUP | EPOLLERR))
					cn->readable = 1;
				if ((e & EPOLLOUT) && cn->out.len > 0)
					conn_write(&s, cn);
				break;
			}
			}
		}
		curl_timeouts(&s);
		if (checks_ready)
			engine_checks_run(s.eng);
		if (sig_ready)
			handle_signals(&s);
		for (i = 0; i < s.nconns; i++) {
			struct conn *cn = s.conns[i];

			while (cn->readable && !cn->waiting &&
			    cn->closing == CONN_OPEN)
				conn_read(&s, cn);
			if (cn->out.len > 0 && !cn->out_watched &&
			    cn->closing != CONN_CLOSE_NOW)
				conn_write(&s, cn);
		}
		/* start the calls just added now, not after another wait */
		curl_timeouts(&s);
		reap(&s);
		now = clock_ms();
		drop_idle_peers(&s, now);
		if (listen_ready && now >= s.accept_pause_until)
			accept_conns(&s, now);
		if (now < s.accept_pause_until)
			watch_listener(&s, 0);
		/* after the lookups: a scrape never delays one */
		metrics_tick(s.metrics, metrics_ready, now);
		oidc_tick(s.oidc, now);
		engine_tick(s.eng, now);
		(void)pending(&s, now);
		more = flush(&s);
		if (now - last_sweep > 10000) {
			cache_sweep(s.cache, now);
			last_sweep = now;
		}
	}
	log_info("stopping");
	metrics_free(s.metrics);
	for (i = 0; i < s.nconns; i++)
		conn_free(s.conns[i]);
	engine_free(s.eng);
	oidc_free(s.oidc);
	curl_multi_cleanup(s.multi);
	result_free(&s.res);
	cache_free(s.cache);
	(void)unlink(s.sock_path);
	free(s.sock_path);
	free(s.conf_path);
	(void)close(s.lfd);
	(void)close(s.sigfd);
	(void)close(s.epfd);
	free(s.acl.uids);
	free(s.acl.gids);
	conf_free(s.conf);
	return (0);
}

int
server_stats(const struct conf *c)
{
	struct tokc *t = tokc_new(c->tokend.socket);
	struct tok_msg rq, rp;
	int	 rc = 1, pending;

	tok_init(&rq, "STATS");
	if (tokc_call(t, &rq, &rp, 5000, clock_ms() + 10000, &pending) !=
	    PFX_OK)
		fprintf(stderr, "pfxhttp-tokend: no answer on %s\n",
		    c->tokend.socket);
	else if (!tok_is(&rp, 0, "OK") || rp.n != 2)
		fprintf(stderr, "pfxhttp-tokend: stats refused: %.*s\n",
		    rp.n > 1 ? (int)rp.len[1] : 0, rp.n > 1 ? rp.f[1] : "");
	else {
		fwrite(rp.f[1], 1, rp.len[1], stdout);
		rc = 0;
	}
	tokc_free(t);
	return (rc);
}
