/*
 * server.c - pfxhttp-tokend event loop
 *
 * DESCRIPTION
 *	One thread, one loop: curl_multi_wait() watches the listening
 *	socket, the client connections, a signalfd and libcurl's own
 *	transfers together.  Client requests (tokproto.h) are answered at
 *	once, except a TOKEN request that has to wait for a fetch: that
 *	connection is parked until the fetch finishes.  spawn processes
 *	ask one question at a time, so a parked connection reads nothing.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cache.h"
#include "curlapi.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "netstring.h"
#include "oidc.h"
#include "server.h"
#include "tokclient.h"
#include "tokproto.h"
#include "xalloc.h"

#define MAX_CONNS	1024
#define FD_RESERVE	32	/* descriptors kept for libcurl and logs */
#define READ_CHUNK	16384
#define ACCEPT_PAUSE_MS	250	/* out of descriptors, nothing to drop */

struct conn {
	int		 fd;
	uid_t		 uid;
	long long	 last_active;	/* ms: last byte read or written */
	struct ns_dec	 in;
	struct buf	 out;
	size_t		 outoff;
	struct oidc_client *waiting;
	int		 closing;	/* close once out is written */
};

struct server {
	char		*conf_path;	/* a copy: it may be the conf's own */
	struct conf	*conf;
	int		 lfd, sigfd;
	struct oidc	*oidc;
	struct cache	*cache;
	struct conn	*conns[MAX_CONNS];
	size_t		 nconns, cap;
	char		*sock_path;	/* the socket actually bound */
	long long	 accept_pause_until, emfile_logged;
	uid_t		*uids;
	size_t		 nuids;
	gid_t		*gids;
	size_t		 ngids;
	unsigned long long accepted, refused, requests, stale_serves,
	    fresh_serves;
	int		 stop;
};

/* resolve_peers - user and group names to ids; refuse unknown names */

static int
resolve_peers(struct server *s, const struct conf *c)
{
	struct passwd *pw;
	struct group *gr;
	size_t	 i;

	free(s->uids);
	free(s->gids);
	s->uids = xcalloc(c->tokend.nallowed_users + 1, sizeof(uid_t));
	s->gids = xcalloc(c->tokend.nallowed_groups + 1, sizeof(gid_t));
	s->nuids = s->ngids = 0;
	for (i = 0; i < c->tokend.nallowed_users; i++) {
		if ((pw = getpwnam(c->tokend.allowed_users[i])) == NULL) {
			log_errx("%s: server.tokend.allowed_users: no user"
			    " \"%s\"", c->file, c->tokend.allowed_users[i]);
			return (PFX_ECONFIG);
		}
		s->uids[s->nuids++] = pw->pw_uid;
	}
	for (i = 0; i < c->tokend.nallowed_groups; i++) {
		if ((gr = getgrnam(c->tokend.allowed_groups[i])) == NULL) {
			log_errx("%s: server.tokend.allowed_groups: no group"
			    " \"%s\"", c->file, c->tokend.allowed_groups[i]);
			return (PFX_ECONFIG);
		}
		s->gids[s->ngids++] = gr->gr_gid;
	}
	return (PFX_OK);
}

static int
gid_allowed(const struct server *s, const gid_t *g, size_t n)
{
	size_t	 i, k;

	for (k = 0; k < n; k++)
		for (i = 0; i < s->ngids; i++)
			if (s->gids[i] == g[k])
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
	for (i = 0; i < s->nuids; i++)
		if (s->uids[i] == uc->uid)
			return (1);
	if (s->ngids == 0)
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
	ns_free(&cn->in);
	buf_free(&cn->out);
	free(cn);
}

static void
reply(struct conn *cn, const struct tok_msg *m)
{
	if (tok_encode(&cn->out, m) != PFX_OK) {
		log_warnx("reply too large; closing the connection");
		cn->closing = 1;
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

static void
reply_token(struct conn *cn, const char *token, long long expires_in)
{
	struct tok_msg m;
	char	 life[32];

	snprintf(life, sizeof(life), "%lld", expires_in);
	tok_init(&m, "OK");
	tok_adds(&m, token);
	tok_adds(&m, life);
	reply(cn, &m);
}

static const struct conf_entry *
find_entry(const struct conf *c, const struct tok_msg *m)
{
	char	 sec[32], name[256];
	int	 k;

	if (m->len[1] >= sizeof(sec) || m->len[2] >= sizeof(name))
		return (NULL);
	memcpy(sec, m->f[1], m->len[1]);
	sec[m->len[1]] = '\0';
	memcpy(name, m->f[2], m->len[2]);
	name[m->len[2]] = '\0';
	for (k = 0; k < KIND_COUNT; k++)
		if (strcmp(conf_kind_section((enum conf_kind)k), sec) == 0)
			return (conf_find(c, (enum conf_kind)k, name));
	return (NULL);
}

static void
do_token(struct server *s, struct conn *cn, const struct tok_msg *m)
{
	const struct conf_entry *e = find_entry(s->conf, m);
	struct oidc_client *oc;
	const char *token = NULL, *why = NULL;
	long long life = 0;

	if (e == NULL || !e->backend_oidc_auth.enabled) {
		reply2(cn, "ERR", "no backend_oidc_auth for this entry");
		return;
	}
	switch (oidc_token(s->oidc, &e->backend_oidc_auth, tok_is(m, 3,
	    "renew"), clock_ms(), &oc,
	    &token, &life, &why)) {
	case OIDC_TOKEN:
		reply_token(cn, token, life);
		break;
	case OIDC_WAIT:
		cn->waiting = oc;
		break;
	case OIDC_FAIL:
		reply2(cn, "TEMP", why);
		break;
	}
}

/* cache_space - "section NUL name": which entry a cached key belongs to */

static int
cache_space(const struct tok_msg *m, struct buf *sp)
{
	buf_reset(sp);
	return (buf_append(sp, m->f[1], m->len[1]) || buf_putc(sp, 0) ||
	    buf_append(sp, m->f[2], m->len[2]));
}

/* do_cache - put 0: CGET, 1: CPUT, -1: CDEL (no reply to either) */

static void
do_cache(struct server *s, struct conn *cn, const struct tok_msg *m,
    int put)
{
	struct tok_msg r;
	struct buf sp;
	const char *val;
	size_t	 vallen;
	long long age, maxage, verdict;
	int	 v;
	char	 vs[16], as[32];

	buf_init(&sp, 1024);
	if (!s->conf->cache.enabled || cache_space(m, &sp) != PFX_OK) {
		if (put == 0)
			reply2(cn, "MISS", NULL);
	} else if (put < 0)
		cache_del(s->cache, sp.data, sp.len, m->f[3], m->len[3]);
	else if (put) {
		if ((verdict = tok_num(m, 4)) >= 0)
			cache_put(s->cache, sp.data, sp.len, m->f[3], m->len[3],
			    (int)verdict, m->f[5], m->len[5], clock_ms());
	} else if ((maxage = tok_num(m, 4)) >= 0 &&
	    cache_get(s->cache, sp.data, sp.len, m->f[3], m->len[3], maxage,
	    clock_ms(), &v, &val, &vallen, &age)) {
		if (tok_is(m, 5, "fallback"))
			s->stale_serves++;
		else
			s->fresh_serves++;
		snprintf(vs, sizeof(vs), "%d", v);
		snprintf(as, sizeof(as), "%lld", age);
		tok_init(&r, "HIT");
		tok_adds(&r, vs);
		tok_adds(&r, as);
		tok_add(&r, val, vallen);
		reply(cn, &r);
	} else
		reply2(cn, "MISS", NULL);
	buf_free(&sp);
}

static void
do_stats(struct server *s, struct conn *cn)
{
	struct oidc_stats *os = oidc_stats(s->oidc);
	struct cache_stats *cs = cache_stats(s->cache);
	struct buf b;

	buf_init(&b, 8192);
	(void)buf_printf(&b,
	    "tokens_fetched %llu\ntokens_failed %llu\ntokens_served %llu\n"
	    "discoveries %llu\ncache_hits %llu\ncache_misses %llu\n"
	    "cache_stale_serves %llu\ncache_fresh_serves %llu\n"
	    "cache_stores %llu\ncache_deletes %llu\ncache_evictions %llu\n"
	    "cache_expired %llu\n"
	    "cache_entries %zu\ncache_bytes %zu\nconnections %zu\n"
	    "connections_accepted %llu\nconnections_refused %llu\n"
	    "requests %llu\n",
	    os->tokens_fetched, os->tokens_failed, os->tokens_served,
	    os->discoveries, cs->hits, cs->misses, s->stale_serves,
	    s->fresh_serves, cs->stores, cs->deletes, cs->evictions,
	    cs->expired,
	    cache_entries(s->cache), cache_bytes(s->cache), s->nconns,
	    s->accepted, s->refused, s->requests);
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
		cn->closing = 1;
	} else if (tok_is(&m, 0, "TOKEN") && (m.n == 3 ||
	    (m.n == 4 && tok_is(&m, 3, "renew"))))
		do_token(s, cn, &m);
	else if (tok_is(&m, 0, "CGET") && m.n == 6)
		do_cache(s, cn, &m, 0);
	else if (tok_is(&m, 0, "CPUT") && m.n == 6)
		do_cache(s, cn, &m, 1);
	else if (tok_is(&m, 0, "CDEL") && m.n == 4)
		do_cache(s, cn, &m, -1);
	else if (tok_is(&m, 0, "STATS") && m.n == 1)
		do_stats(s, cn);
	else
		reply2(cn, "ERR", "unknown request");
}

/* conn_read - read and answer until a request parks or input runs dry */

static void
conn_read(struct server *s, struct conn *cn)
{
	char	 in[READ_CHUNK];
	ssize_t	 n;
	size_t	 off = 0, used;
	int	 done;

	if ((n = recv(cn->fd, in, sizeof(in), 0)) <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			cn->closing = 2;	/* peer gone: drop at once */
		return;
	}
	cn->last_active = clock_ms();
	while (off < (size_t)n && !cn->closing) {
		if (ns_feed(&cn->in, in + off, (size_t)n - off, &used,
		    &done) != PFX_OK || cn->in.toobig) {
			reply2(cn, "ERR", "malformed frame");
			cn->closing = 1;
			return;
		}
		off += used;
		if (!done)
			break;
		dispatch(s, cn, cn->in.payload.data, cn->in.payload.len);
		ns_reset(&cn->in);
		if (cn->waiting != NULL && off < (size_t)n) {
			/* clients do not pipeline; refuse to buffer */
			cn->closing = 1;
			return;
		}
	}
}

static void
conn_write(struct conn *cn)
{
	ssize_t	 w;

	while (cn->outoff < cn->out.len) {
		w = send(cn->fd, cn->out.data + cn->outoff,
		    cn->out.len - cn->outoff, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN && errno != EINTR)
				cn->closing = 2;
			return;
		}
		cn->outoff += (size_t)w;
		cn->last_active = clock_ms();
	}
	buf_reset(&cn->out);
	cn->outoff = 0;
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
	conn_free(s->conns[i]);
	s->conns[i] = s->conns[--s->nconns];
}

/* drop_idle - close the peer idle longest (no parked or unsent reply) */

static int
drop_idle(struct server *s)
{
	size_t	 i, best = s->nconns;

	for (i = 0; i < s->nconns; i++) {
		if (s->conns[i]->waiting != NULL || s->conns[i]->out.len > 0)
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
		if (s->conns[i]->waiting == NULL &&
		    now - s->conns[i]->last_active > idle) {
			log_debug("dropping a peer idle for %llds",
			    (now - s->conns[i]->last_active) / 1000);
			conn_drop(s, i);
		} else
			i++;
	}
}

/* wake_waiters - answer connections parked on a finished fetch */

static void
wake_waiters(struct server *s, struct oidc_client *oc)
{
	const char *token = NULL, *why = NULL;
	long long life = 0;
	size_t	 i;

	for (i = 0; i < s->nconns; i++) {
		if (s->conns[i]->waiting != oc)
			continue;
		switch (oidc_result(oc, clock_ms(), &token, &life, &why)) {
		case OIDC_TOKEN:
			reply_token(s->conns[i], token, life);
			break;
		case OIDC_FAIL:
			reply2(s->conns[i], "TEMP", why);
			break;
		case OIDC_WAIT:
			continue;
		}
		s->conns[i]->waiting = NULL;
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
	size_t	 i;

	if ((nc = conf_load(s->conf_path, CONF_SECRETS, err,
	    sizeof(err))) == NULL) {
		log_errx("reload refused, keeping the old configuration: %s",
		    err);
		return;
	}
	if (resolve_peers(s, nc) != PFX_OK) {
		conf_free(nc);
		(void)resolve_peers(s, s->conf);
		log_errx("reload refused, keeping the old configuration");
		return;
	}
	for (i = 0; i < s->nconns; i++)
		if (s->conns[i]->waiting != NULL) {
			reply2(s->conns[i], "TEMP", "configuration reloaded");
			s->conns[i]->waiting = NULL;
		}
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

		if (cn->closing == 2 || (cn->closing == 1 && cn->out.len == 0))
			conn_drop(s, i);
		else
			i++;
	}
}

/*
 * wait_events - poll the connections; once libcurl is loaded, let
 * curl_multi_wait() poll them together with its transfers
 */
static void
wait_events(struct server *s, struct curl_waitfd *w, size_t nw, int timeout)
{
	struct pollfd pfd[MAX_CONNS + 2];
	CURLM	*multi = oidc_multi(s->oidc);
	size_t	 i;

	if (multi != NULL) {
		if (capi.multi_wait(multi, w, (unsigned)nw, timeout, NULL) !=
		    CURLM_OK)
			fatalx("curl_multi_wait failed");
		return;
	}
	for (i = 0; i < nw; i++) {
		pfd[i].fd = w[i].fd;
		pfd[i].events = (short)((w[i].events & CURL_WAIT_POLLIN ?
		    POLLIN : 0) | (w[i].events & CURL_WAIT_POLLOUT ?
		    POLLOUT : 0));
	}
	if (poll(pfd, nw, timeout) < 0) {
		for (i = 0; i < nw; i++)
			w[i].revents = 0;
		return;
	}
	for (i = 0; i < nw; i++)
		w[i].revents = (short)((pfd[i].revents & (POLLIN | POLLHUP |
		    POLLERR) ? CURL_WAIT_POLLIN : 0) | (pfd[i].revents &
		    POLLOUT ? CURL_WAIT_POLLOUT : 0));
}

int
server_run(const char *conf_path, struct conf *c)
{
	struct server s;
	struct curl_waitfd w[MAX_CONNS + 2];
	struct CURLMsg *msg;
	struct oidc_client *oc;
	CURLM	*multi;
	sigset_t mask;
	long long last_sweep = clock_ms(), now;
	size_t	 i, nw;
	int	 running, left, timeout;

	memset(&s, 0, sizeof(s));
	s.conf_path = xstrdup(conf_path);
	s.conf = c;
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
	s.lfd = make_socket(c);
	s.sock_path = xstrdup(c->tokend.socket);
	s.cap = conn_cap();
	s.oidc = oidc_new();
	oidc_set_conf(s.oidc, c);
	s.cache = cache_new((size_t)c->cache.max_entries,
	    (size_t)c->cache.max_bytes, c->cache.ttl_ms, clock_ms());
	log_info("listening on %s", c->tokend.socket);

	while (!s.stop) {
		nw = 0;
		w[nw++] = (struct curl_waitfd){ s.sigfd, CURL_WAIT_POLLIN, 0 };
		now = clock_ms();
		timeout = 1000;
		if (now < s.accept_pause_until)
			timeout = (int)(s.accept_pause_until - now);
		w[nw++] = (struct curl_waitfd){ s.lfd, now <
		    s.accept_pause_until ? 0 : CURL_WAIT_POLLIN, 0 };
		for (i = 0; i < s.nconns; i++) {
			short	 ev = 0;

			if (s.conns[i]->waiting == NULL && !s.conns[i]->closing)
				ev |= CURL_WAIT_POLLIN;
			if (s.conns[i]->out.len > 0)
				ev |= CURL_WAIT_POLLOUT;
			w[nw++] = (struct curl_waitfd){ s.conns[i]->fd, ev, 0 };
		}
		wait_events(&s, w, nw, timeout);
		while ((multi = oidc_multi(s.oidc)) != NULL &&
		    (capi.multi_perform(multi, &running), 1) &&
		    (msg = capi.multi_info_read(multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			if ((oc = oidc_done(s.oidc, msg->easy_handle,
			    msg->data.result, clock_ms())) != NULL &&
			    !oidc_busy(oc))
				wake_waiters(&s, oc);
		}
		if (w[0].revents)
			handle_signals(&s);
		/* w[i + 2] is conns[i] until reap() reorders them */
		for (i = 0; i + 2 < nw && i < s.nconns; i++) {
			if (w[i + 2].revents & (CURL_WAIT_POLLIN |
			    CURL_WAIT_POLLPRI))
				conn_read(&s, s.conns[i]);
			if (s.conns[i]->out.len > 0)
				conn_write(s.conns[i]);
		}
		reap(&s);
		now = clock_ms();
		drop_idle_peers(&s, now);
		if ((w[1].revents & CURL_WAIT_POLLIN) &&
		    now >= s.accept_pause_until)
			accept_conns(&s, now);
		oidc_tick(s.oidc, now);
		if (now - last_sweep > 10000) {
			cache_sweep(s.cache, now);
			last_sweep = now;
		}
	}
	log_info("stopping");
	for (i = 0; i < s.nconns; i++)
		conn_free(s.conns[i]);
	oidc_free(s.oidc);
	cache_free(s.cache);
	(void)unlink(s.sock_path);
	free(s.sock_path);
	free(s.conf_path);
	(void)close(s.lfd);
	(void)close(s.sigfd);
	free(s.uids);
	free(s.gids);
	conf_free(s.conf);
	return (0);
}

int
server_stats(const struct conf *c)
{
	struct tokc *t = tokc_new(c->tokend.socket);
	struct tok_msg rq, rp;
	int	 rc = 1;

	tok_init(&rq, "STATS");
	if (tokc_call(t, &rq, 1, &rp, 5000) != PFX_OK)
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
