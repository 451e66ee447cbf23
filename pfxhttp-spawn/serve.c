/*
 * serve.c - read, decode, look up, reply: one Postfix connection
 *
 * DESCRIPTION
 *	stdin and stdout are the client socket (spawn(8)) or pipes from a
 *	shell.  Postfix sends one request and waits for its reply, but a
 *	shell may pipeline, so every byte read is fed to the codec until
 *	it is used up.  Each reply is written in full before the next read.
 *	EOF ends the connection; a request cut short by EOF is dropped
 *	without a backend call.
 *
 *	Each request goes to pfxhttp-tokend when it is configured (one
 *	round trip, remote.c), and to the backend directly otherwise or
 *	when tokend cannot answer (fallback.c).  Either way it has one
 *	deadline: the entry's timeout from the moment it was decoded.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "fallback.h"
#include "io.h"
#include "kind.h"
#include "log.h"
#include "remote.h"
#include "rid.h"
#include "rid_seed.h"
#include "serve.h"

#define READ_CHUNK	4096	/* stack pages count as private memory */

/* tally - what one connection asked, for its summary line (debug) */
struct tally {
	unsigned long	 verdicts[PFX_VERDICT_COUNT];
	unsigned long	 requests;
	long long	 opened, lookup_ms;
};

/* look_up - through tokend when it answers, else directly */

static void
look_up(const struct serve_args *a, struct remote *rm,
    const struct conf_entry *e, const struct pfx_req *req,
    struct pfx_result *res)
{
	const char *section = conf_kind_section(e->kind);
	long long deadline = clock_ms() + e->timeout_ms;

	if (rm != NULL && remote_lookup(rm, section, e->name, req, deadline,
	    res) == PFX_OK)
		return;
	fallback_lookup(a->conf->file, a->log_to_stderr, section, e->name,
	    req, deadline, res);
}

static enum proto_status
answer(const struct serve_args *a, struct remote *rm, void *st,
    const struct pfx_req *req, struct pfx_result *res, struct buf *out,
    struct tally *ty)
{
	const struct conf_entry *e = a->entry;
	const char *map = NULL, *key;
	size_t	 maplen, keylen;
	long long t0 = clock_ms();
	char	 safe[128];

	if (e == NULL && ((map = pfx_req_get(req, "name", &maplen)) == NULL ||
	    (e = conf_find(a->conf, a->kind, map)) == NULL)) {
		log_warnx("%s: no %s entry \"%s\" rid=%s", a->ops->name,
		    conf_kind_section(a->kind), map != NULL ? log_safe(safe,
		    sizeof(safe), map, maplen) : "", req->rid);
		result_set(res, PFX_PERMFAIL, "unknown map name");
	} else
		look_up(a, rm, e, req, res);
	ty->requests++;
	ty->verdicts[res->verdict]++;
	ty->lookup_ms += clock_ms() - t0;
	if (log_enabled(LOG_LVL_DEBUG) && !(req->flags & PFX_REQ_SECRET))
		log_debug("%s %s: \"%s\": %s rid=%s", a->ops->name,
		    e != NULL ? e->name : "?",
		    (key = pfx_req_get(req, "key", &keylen)) != NULL ?
		    log_safe(safe, sizeof(safe), key, keylen) : "(policy)",
		    verdict_name(res->verdict), req->rid);
	else if (log_enabled(LOG_LVL_DEBUG))
		log_debug("%s %s: %s rid=%s", a->ops->name, e != NULL ?
		    e->name : "?", verdict_name(res->verdict), req->rid);
	return (a->ops->reply(st, res, out));
}

/* codec_opts - what the codec needs to know of the entry */

static void
codec_opts(const struct serve_args *a, struct proto_opts *po, char *cookie,
    size_t cookielen)
{
	const struct conf_entry *e = a->entry;
	unsigned char rnd[16];
	size_t	 i;

	memset(po, 0, sizeof(*po));
	po->max_request = 65536;
	po->max_reply = (size_t)a->conf->socketmap_max_reply_size;
	po->default_action = e != NULL && e->default_action ?
	    e->default_action : "DUNNO";
	if (e == NULL || e->kind != KIND_SASL)
		return;
	po->mech_mask = e->mech_mask;
	po->allow_authzid = e->allow_authzid;
	po->temp_fail_closes = e->temp_fail_closes;
	po->default_local_port = e->default_local_port;
	po->spid = (unsigned long)getpid();
	/* Dovecot's COOKIE: random, though Postfix does not use it */
	if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd) && 2 * i + 2 < cookielen; i++)
		snprintf(cookie + 2 * i, 3, "%02x", rnd[i]);
	po->cookie = cookie;
}

/* summary - the connection's line at its end (debug) */
static void
summary(const struct serve_args *a, const struct tally *ty)
{
	if (!log_enabled(LOG_LVL_DEBUG))
		return;
	log_debug("%s%s%s: connection closed: %lu requests (found %lu,"
	    " notfound %lu, temp %lu, timeout %lu, perm %lu), %lldms in"
	    " lookups, open %lldms", a->ops->name, a->entry != NULL ? " " :
	    "", a->entry != NULL ? a->entry->name : "", ty->requests,
	    ty->verdicts[PFX_FOUND], ty->verdicts[PFX_NOTFOUND],
	    ty->verdicts[PFX_TEMPFAIL], ty->verdicts[PFX_TIMEOUT],
	    ty->verdicts[PFX_PERMFAIL], ty->lookup_ms, clock_ms() -
	    ty->opened);
}

/*
 * request_id - this request's id: Postfix's queue id first when the
 * kind has one (policy), then 16 hex digits
 */
static void
request_id(const struct serve_args *a, struct pfx_req *req, uint64_t *state,
    char *rid)
{
	const char *attr = kinds[a->kind]->rid_attr, *qid = NULL;
	size_t	 qlen = 0;

	if (attr != NULL)
		qid = pfx_req_get(req, attr, &qlen);
	rid_make(rid, state, qid, qlen);
	req->rid = rid;
}

/*
 * failure_delay - a failed login's FAIL waits the entry's failure_delay
 * (Dovecot's auth_failure_delay: guessing gets slow), never past
 * SASL_MAX_TIMEOUT_MS after the client's last line; smtpd is strictly
 * sequential, so only this client's connection waits
 */
static void
failure_delay(const struct serve_args *a, const struct pfx_result *res,
    long long asked)
{
	long long left;

	/* only dovecot_sasl entries take the key (conf.c) */
	if (a->entry == NULL || a->entry->failure_delay_ms <= 0 ||
	    res->verdict != PFX_NOTFOUND)
		return;
	left = asked + SASL_MAX_TIMEOUT_MS - clock_ms();
	clock_sleep_ms(a->entry->failure_delay_ms < left ?
	    a->entry->failure_delay_ms : left);
}

int
serve(const struct serve_args *a)
{
	struct proto_opts po;
	struct pfx_result res;
	struct pfx_req req;
	struct remote *rm = NULL;
	struct pollfd pfd;
	struct buf out;
	enum proto_status ps;
	char	 in[READ_CHUNK], cookie[33] = "", rid[RID_MAX + 1];
	struct tally ty;
	uint64_t rid_state;
	const char *why;
	size_t	 off, used;
	ssize_t	 n;
	void	*st;
	int	 timeout;

	memset(&ty, 0, sizeof(ty));
	ty.opened = clock_ms();
	/* one random seed per connection, no system call per request */
	rid_state = rid_seed();
	codec_opts(a, &po, cookie, sizeof(cookie));
	st = a->ops->create(&po);
	if (a->conf->tokend.use)
		rm = remote_new(a->conf->tokend.socket,
		    a->conf->tokend.timeout_ms);
	result_init(&res, po.max_reply);
	buf_init(&out, po.max_reply + 64);
	timeout = a->conf->idle_timeout_ms > 0x7fffffff ? -1 :
	    (int)a->conf->idle_timeout_ms;
	pfd.fd = a->in;
	pfd.events = POLLIN;
	/* a server that speaks first (Dovecot auth) must not wait for us */
	if (a->ops->greet != NULL) {
		a->ops->greet(st, &out);
		if (out.len > 0 && io_write_all(a->out, out.data, out.len) !=
		    PFX_OK)
			goto done;
	}
	for (;;) {
		if ((n = poll(&pfd, 1, timeout)) == 0) {
			log_info("%s: idle for %lldms, closing", a->ops->name,
			    a->conf->idle_timeout_ms);
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_warnx("%s: poll: %s", a->ops->name,
			    strerror(errno));
			break;
		}
		if ((n = read(a->in, in, sizeof(in))) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECONNRESET)
				log_warnx("%s: read: %s", a->ops->name,
				    strerror(errno));
			break;
		}
		if (n == 0) {
			if (a->ops->in_progress(st))
				log_info("%s: connection closed in the middle"
				    " of a request; request dropped",
				    a->ops->name);
			break;
		}
		for (off = 0; off < (size_t)n; off += used) {
			why = NULL;
			buf_reset(&out);
			used = 0;
			ps = a->ops->feed(st, in + off, (size_t)n - off, &used,
			    &req, &out, &why);
			if (ps == PROTO_REQUEST) {
				long long asked = clock_ms();

				request_id(a, &req, &rid_state, rid);
				ps = answer(a, rm, st, &req, &res, &out, &ty);
				failure_delay(a, &res, asked);
			}
			else if (why != NULL)
				log_warnx("%s: %s", a->ops->name, why);
			if (out.len > 0 && io_write_all(a->out, out.data,
			    out.len) != PFX_OK) {
				log_info("%s: client went away: %s",
				    a->ops->name, strerror(errno));
				goto done;
			}
			if (ps == PROTO_CLOSE)
				goto done;
		}
		/* what was read may have held a password */
		explicit_bzero(in, (size_t)n);
	}
done:
	summary(a, &ty);
	explicit_bzero(in, sizeof(in));
	buf_free(&out);
	result_free(&res);
	remote_free(rm);
	fallback_unload();
	a->ops->destroy(st);
	return (0);
}
