/*
 * engine.c - pfxhttp-tokend's lookups: cache, single flight, backend
 *
 * DESCRIPTION
 *	A lookup is answered at once from the cache (serve_fresh, or a
 *	cached not-found within negative_ttl), or joins the call already
 *	under way for the same entry and cache key, or starts a job: get
 *	a token if the entry wants one, render the request (request.c),
 *	add the transfer to the shared multi handle, map the answer
 *	(mapping.c), renew the token once after a 401, keep or forget the
 *	answer in the cache, fall back to a cached answer when the backend
 *	failed, and reply to everyone waiting.  Each lookup carries its
 *	peer's deadline; no step may outlast it.
 *
 *	A request to a plain-HTTP backend at an IP address goes through
 *	tokend's own HTTP/1.1 client (h1pool.c), every other one through
 *	the multi handle; each bounds the connections per backend
 *	(max_connections_per_host) and queues the rest.  The engine bounds
 *	the jobs, so a dead backend costs a temporary error, not memory.
 *
 * SECURITY
 *	Requests are built from tokend's configuration only.  Header lists
 *	that held credentials are wiped before they are freed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cacheable.h"
#include "checkpool.h"
#include "clock.h"
#include "engine.h"
#include "err.h"
#include "flight.h"
#include "h1pool.h"
#include "log.h"
#include "lookup_log.h"
#include "mapping.h"
#include "request.h"
#include "rid.h"
#include "trace_entry.h"
#include "transfer.h"
#include "validate.h"
#include "xalloc.h"

#define KEY_MAX		(128 * 1024)
#define SPARE_JOBS	64	/* finished jobs kept, with their libcurl handle */
#define SPARE_BUF	(16 * 1024)	/* ... if their buffers stayed small */

struct job {
	const void	*tag;		/* &job_tag: CURLOPT_PRIVATE is a job */
	struct engine	*eng;
	const struct conf *c;
	const struct conf_entry *e;
	struct flight	*fl;
	void		*owner;
	struct buf	 fkey;		/* "section\0name\0cache key" */
	size_t		 spacelen;	/* of "section\0name" */
	char		*store;		/* copies of the request's values */
	size_t		 storecap, storelen;
	struct pfx_attr	*av;
	size_t		 nav, avcap;
	struct pfx_req	 req;
	struct request	 rq;
	struct transfer	 tr;
	int		 tr_ready;
	struct http_request hr;
	struct pfx_result res;
	struct oidc_client *token_wait;
	long long	 deadline, started;
	int		 renewed;
	int		 in_multi, in_h1;	/* the exchange: libcurl's, ours */
	int		 checking;	/* with the check pool */
	int		 keyed;		/* fkey holds a cache key */
	int		 called, answered;	/* for the log line */
	char		 rid[RID_MAX + 1];
	struct trace	*trace;		/* an explained lookup's, or NULL */
	struct job	*prev, *next;
};

struct engine {
	CURLM		*multi;
	struct cache	*cache;
	struct oidc	*oidc;
	const struct conf *conf;
	engine_reply_fn	*reply;
	void		*arg;
	struct engine_limits lim;
	struct flights	*flights;
	struct job	*jobs;		/* under way */
	size_t		 njobs;
	struct job	*spare;
	size_t		 nspare;
	struct entry_counters *counters;	/* per entry of conf */
	size_t		*busy;		/* per entry: transfers in the multi */
	size_t		 ncounters;
	char		*user_agent;
	struct validator *val;		/* SASL bearer tokens */
	struct checkpool *checks;	/* entries with a command */
	struct h1pool	*h1;		/* plain-HTTP backends */
};

static const char job_tag;
static void	 job_start(struct job *, int renew);
static checkpool_done_fn check_done;
static h1pool_done_fn h1_done;

/* val_reply - a token check's answer, counted as a lookup's */

static void
val_reply(void *arg, void *waiter, const struct conf_entry *e,
    const struct pfx_result *res)
{
	struct engine *eng = arg;

	engine_counters(eng, e)->requests[res->verdict]++;
	eng->reply(waiter, res, eng->arg);
}

static struct entry_counters *
val_counters(void *arg, const struct conf_entry *e)
{
	return (engine_counters(arg, e));
}

struct engine *
engine_new(CURLM *multi, struct cache *cache, struct oidc *oidc,
    engine_reply_fn *reply, void *arg, const struct engine_limits *lim)
{
	struct engine *eng = xcalloc(1, sizeof(*eng));
	struct validator_hooks vh = { val_reply, val_counters, NULL };
	unsigned char kb[16];
	struct sipkey k;

	if (getrandom(kb, sizeof(kb), 0) != (ssize_t)sizeof(kb))
		fatalx("getrandom failed");
	sipkey_from_bytes(&k, kb);
	explicit_bzero(kb, sizeof(kb));
	eng->multi = multi;
	eng->cache = cache;
	eng->oidc = oidc;
	eng->reply = reply;
	eng->arg = arg;
	eng->lim = *lim;
	eng->flights = flights_new(&k);
	vh.arg = eng;
	eng->val = validator_new(multi, &vh, lim->max_jobs);
	eng->checks = checkpool_new(check_done, eng);
	if ((eng->h1 = h1pool_new(h1_done, eng)) == NULL)
		fatalx("cannot make the HTTP connection pool");
	return (eng);
}

static void
job_free(struct job *j)
{
	if (j->tr_ready)
		transfer_free(&j->tr);
	request_free(&j->rq);
	buf_free(&j->fkey);
	if (j->store != NULL)
		explicit_bzero(j->store, j->storelen);
	free(j->store);
	result_free(&j->res);
	free(j->av);
	free(j);
}

void
engine_free(struct engine *eng)
{
	struct job *j;

	if (eng == NULL)
		return;
	checkpool_free(eng->checks);	/* ends its processes, drops jobs */
	h1pool_free(eng->h1);		/* drops its exchanges */
	validator_free(eng->val);
	while ((j = eng->jobs) != NULL) {
		eng->jobs = j->next;
		if (j->in_multi)
			curl_multi_remove_handle(eng->multi, j->tr.h);
		job_free(j);
	}
	while ((j = eng->spare) != NULL) {
		eng->spare = j->next;
		job_free(j);
	}
	flights_free(eng->flights);
	free(eng->counters);
	free(eng->busy);
	free(eng->user_agent);
	free(eng);
}

void
engine_set_conf(struct engine *eng, const struct conf *c)
{
	struct entry_counters *old;
	const struct conf_entry *e;
	struct job *j;
	size_t	 i;

	/* spare handles carry the old TLS, proxy and size settings */
	while ((j = eng->spare) != NULL) {
		eng->spare = j->next;
		job_free(j);
	}
	eng->nspare = 0;
	old = eng->counters;
	eng->counters = xcalloc(c->nentries + 1, sizeof(*eng->counters));
	/* an entry that stays (same section and name) keeps its counts:
	 * a reload is no counter reset for Prometheus */
	for (i = 0; eng->conf != NULL && i < c->nentries; i++)
		if ((e = conf_find(eng->conf, c->entries[i].kind,
		    c->entries[i].name)) != NULL &&
		    (size_t)(e - eng->conf->entries) < eng->ncounters)
			eng->counters[i] = old[e - eng->conf->entries];
	free(old);
	eng->conf = c;
	free(eng->busy);
	eng->busy = xcalloc(c->nentries + 1, sizeof(*eng->busy));
	eng->ncounters = c->nentries;
	free(eng->user_agent);
	eng->user_agent = request_user_agent(c);
	validator_set_conf(eng->val, c);
	checkpool_set_conf(eng->checks, c);
}

int
engine_h1_fd(const struct engine *eng)
{
	return (h1pool_fd(eng->h1));
}

void
engine_h1_run(struct engine *eng)
{
	h1pool_run(eng->h1);
}

int
engine_checks_fd(const struct engine *eng)
{
	return (checkpool_fd(eng->checks));
}

void
engine_checks_run(struct engine *eng)
{
	checkpool_run(eng->checks);
}

size_t
engine_jobs(const struct engine *eng)
{
	return (eng->njobs);
}

size_t
engine_check_processes(const struct engine *eng)
{
	return (checkpool_processes(eng->checks));
}

size_t
engine_h1_connections(const struct engine *eng)
{
	return (h1pool_connections(eng->h1));
}

/* counters - this entry's counters; entries of an older conf share none */

struct entry_counters *
engine_counters(struct engine *eng, const struct conf_entry *e)
{
	static struct entry_counters orphan;
	size_t	 i;

	if (eng->conf == NULL || e < eng->conf->entries ||
	    e >= eng->conf->entries + eng->ncounters)
		return (&orphan);
	i = (size_t)(e - eng->conf->entries);
	return (&eng->counters[i]);
}

/* busy - this entry's transfers in the multi, when it is of this conf */

static size_t *
busy(struct engine *eng, const struct conf_entry *e)
{
	static size_t orphan;

	if (eng->conf == NULL || e < eng->conf->entries ||
	    e >= eng->conf->entries + eng->ncounters)
		return (&orphan);
	return (&eng->busy[e - eng->conf->entries]);
}

static void
busy_release(struct job *j)
{
	size_t	*b;

	if (*(b = busy(j->eng, j->e)) > 0)
		(*b)--;
}

/* leave_transfer - the exchange is done or abandoned */

static void
leave_transfer(struct job *j)
{
	if (j->in_multi)
		curl_multi_remove_handle(j->eng->multi, j->tr.h);
	else if (j->in_h1)
		h1pool_cancel(j->eng->h1, j);
	else
		return;
	j->in_multi = j->in_h1 = 0;
	busy_release(j);
}

/* flight_key - "section\0name\0cache key": an entry's calls are its own */

static int
flight_key(struct buf *k, size_t *spacelen, const struct conf_entry *e,
    const struct pfx_req *req)
{
	int	 r;

	buf_reset(k);
	if ((r = buf_puts(k, conf_kind_section(e->kind))) != PFX_OK ||
	    (r = buf_putc(k, '\0')) != PFX_OK ||
	    (r = buf_puts(k, e->name)) != PFX_OK)
		return (r);
	*spacelen = k->len;
	if ((r = buf_putc(k, '\0')) != PFX_OK)
		return (r);
	return (cacheable_key(e, req, k));
}

/* cache_answer - a cached answer younger than max_age, into *res */

static int
cache_answer(struct engine *eng, const struct buf *fk, size_t spacelen,
    long long max_age, int want, struct trace *t, struct pfx_result *res)
{
	const char *val;
	size_t	 vallen;
	long long age;
	int	 verdict;

	if (!cache_get(eng->cache, fk->data, spacelen, fk->data + spacelen + 1,
	    fk->len - spacelen - 1, max_age, clock_ms(), &verdict, &val,
	    &vallen, &age) || verdict != want || vallen > res->value.max)
		return (0);
	result_set(res, (enum pfx_verdict)verdict, NULL);
	(void)buf_append(&res->value, val, vallen);
	trace_num(t, "age_ms", age);
	trace_num(t, "max_age_ms", max_age);
	return (1);
}

static struct job *
job_new(struct engine *eng)
{
	struct job *j;

	if ((j = eng->spare) != NULL) {
		eng->spare = j->next;
		eng->nspare--;
	} else {
		j = xcalloc(1, sizeof(*j));
		buf_init(&j->fkey, KEY_MAX);
		request_init(&j->rq, REQUEST_MAX_BODY);
		result_init(&j->res, 1 << 20);
	}
	j->tag = &job_tag;
	j->eng = eng;
	j->prev = NULL;
	j->next = eng->jobs;
	if (eng->jobs != NULL)
		eng->jobs->prev = j;
	eng->jobs = j;
	eng->njobs++;
	return (j);
}

static void
job_recycle(struct job *j)
{
	struct engine *eng = j->eng;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		eng->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	eng->njobs--;
	request_clear(&j->rq);
	if (j->store != NULL)
		explicit_bzero(j->store, j->storelen);
	j->storelen = 0;
	j->nav = 0;
	j->fl = NULL;
	j->owner = NULL;
	j->token_wait = NULL;
	j->renewed = j->in_multi = j->in_h1 = j->checking = 0;
	j->called = j->answered = 0;
	j->trace = NULL;
	/* a spare keeps small buffers only: no peer makes tokend grow */
	if (eng->nspare >= SPARE_JOBS || j->storecap > SPARE_BUF ||
	    j->rq.body.cap > SPARE_BUF || j->rq.attrjson.cap > SPARE_BUF ||
	    j->tr.resp.body.cap > SPARE_BUF || j->res.value.cap > SPARE_BUF ||
	    j->fkey.cap > SPARE_BUF) {
		job_free(j);
		return;
	}
	j->next = eng->spare;
	eng->spare = j;
	eng->nspare++;
}

/* copy_req - the job outlives the peer's input buffer */

static int
copy_req(struct job *j, const struct pfx_req *req)
{
	size_t	 i, total = 0;
	char	*p;

	for (i = 0; i < req->nattrs; i++)
		total += strlen(req->attrs[i].name) + 1 +
		    req->attrs[i].valuelen + 1;
	if (total > 2 * KEY_MAX)
		return (PFX_ETOOBIG);
	if (total == 0)
		total = 1;
	if (total > j->storecap) {
		free(j->store);
		j->store = xmalloc(total);
		j->storecap = total;
	}
	if (req->nattrs > j->avcap) {
		j->avcap = req->nattrs;
		j->av = xreallocarray(j->av, j->avcap, sizeof(*j->av));
	}
	p = j->store;
#define COPY(dst, src, n) do {				\
	memcpy(p, (src), (n));				\
	p[(n)] = '\0';					\
	(dst) = p;					\
	p += (n) + 1;					\
} while (0)
	memset(&j->req, 0, sizeof(j->req));
	for (i = 0; i < req->nattrs; i++) {
		COPY(j->av[i].name, req->attrs[i].name,
		    strlen(req->attrs[i].name));
		COPY(j->av[i].value, req->attrs[i].value,
		    req->attrs[i].valuelen);
		j->av[i].valuelen = req->attrs[i].valuelen;
	}
#undef COPY
	j->storelen = (size_t)(p - j->store);
	j->req.attrs = j->av;
	j->req.nattrs = req->nattrs;
	j->req.flags = req->flags;
	j->rid[0] = '\0';
	if (req->rid != NULL && strlen(req->rid) <= RID_MAX)
		memcpy(j->rid, req->rid, strlen(req->rid) + 1);
	j->req.rid = j->rid;
	j->nav = req->nattrs;
	return (PFX_OK);
}

/* finish - keep or forget the answer, fall back, reply to everyone */

static void
finish(struct job *j, struct pfx_result *res)
{
	struct engine *eng = j->eng;
	struct entry_counters *ec = engine_counters(eng, j->e);
	const struct conf_cache *cc = &j->c->cache;
	struct flight *fl = j->fl;
	struct lookup_outcome o = { j->e, j->req.rid, clock_ms() - j->started,
	    j->called, &j->tr.resp, j->answered, 0 };
	struct trace *t = j->trace;
	size_t	 i;

	trace_step(t, "cache");
	if (!(cc->enabled && j->e->cache && j->keyed))
		trace_strz(t, "decision", "not kept: no cache for this"
		    " entry or request");
	if (cc->enabled && j->e->cache && j->keyed) {
		switch (cacheable_keep(j->e, res)) {
		case KEEP_STORE:
			trace_strz(t, "decision", "stored: a definitive"
			    " answer");
			cache_put(eng->cache, j->fkey.data, j->spacelen,
			    j->fkey.data + j->spacelen + 1,
			    j->fkey.len - j->spacelen - 1, (int)res->verdict,
			    res->value.data, res->value.len, clock_ms());
			break;
		case KEEP_FORGET:
			trace_strz(t, "decision", cc->negative_ttl_ms > 0 ?
			    "stored a not-found (negative_ttl)" : "deleted: a"
			    " not-found replaces an older positive");
			/* a not-found replaces an older positive */
			if (cc->negative_ttl_ms > 0)
				cache_put(eng->cache, j->fkey.data,
				    j->spacelen, j->fkey.data + j->spacelen + 1,
				    j->fkey.len - j->spacelen - 1, PFX_NOTFOUND,
				    "", 0, clock_ms());
			else
				cache_del(eng->cache, j->fkey.data,
				    j->spacelen, j->fkey.data + j->spacelen + 1,
				    j->fkey.len - j->spacelen - 1);
			break;
		case KEEP_NONE:
			trace_strz(t, "decision", res->verdict == PFX_TEMPFAIL
			    || res->verdict == PFX_TIMEOUT ? "the backend"
			    " failed: a cached answer within ttl?" :
			    "not kept");
			if ((res->verdict == PFX_TEMPFAIL ||
			    res->verdict == PFX_TIMEOUT) && cache_answer(eng,
			    &j->fkey, j->spacelen, cc->ttl_ms, PFX_FOUND, t,
			    res)) {
				ec->stale_serves++;
				o.from_cache = 1;
				trace_strz(t, "stale", "served: the cached"
				    " answer replaces the failure");
			} else if (res->verdict == PFX_TEMPFAIL ||
			    res->verdict == PFX_TIMEOUT)
				trace_strz(t, "stale", "none in the cache");
			break;
		}
	}
	counters_latency(ec, clock_ms() - j->started);
	lookup_log(&o, res);
	trace_result(t, res);
	/* the trace is the owner's from here on (it may free it) */
	j->trace = NULL;
	if (j->owner != NULL) {
		ec->requests[res->verdict]++;
		eng->reply(j->owner, res, eng->arg);
	}
	for (i = 0; fl != NULL && i < fl->nwaiters; i++)
		if (fl->waiters[i] != NULL) {
			ec->requests[res->verdict]++;
			eng->reply(fl->waiters[i], res, eng->arg);
		}
	if (fl != NULL)
		flight_end(eng->flights, fl);
	job_recycle(j);
}

static void
fail_job(struct job *j, enum pfx_verdict v, const char *why,
    enum backend_error cls)
{
	engine_counters(j->eng, j->e)->backend_errors[cls]++;
	result_set(&j->res, v, why);
	finish(j, &j->res);
}

static void
job_send(struct job *j, const char *bearer)
{
	struct engine *eng = j->eng;
	struct entry_counters *ec;
	long long left = j->deadline - clock_ms();

	if (left <= 0) {
		fail_job(j, PFX_TIMEOUT, "deadline passed", BERR_TIMEOUT);
		return;
	}
	if (!j->tr_ready) {
		if (transfer_init(&j->tr, j->c, j) != PFX_OK) {
			fail_job(j, PFX_TEMPFAIL, "HTTP client unavailable",
			    BERR_CONNECT);
			return;
		}
		j->tr_ready = 1;
	}
	if (request_build(&j->rq, j->e, &j->req, eng->user_agent, bearer) !=
	    PFX_OK) {
		result_set(&j->res, PFX_PERMFAIL, "request too large");
		finish(j, &j->res);
		return;
	}
	request_http(&j->rq, j->e, j->e->timeout_ms < left ? j->e->timeout_ms :
	    left, &j->hr);
	trace_request(j->trace, &j->hr, &j->req);
	j->in_h1 = h1pool_submit(eng->h1, j->c, &j->hr, &j->tr.resp, j);
	if (!j->in_h1 && (transfer_prepare(&j->tr, &j->hr) != PFX_OK ||
	    curl_multi_add_handle(eng->multi, j->tr.h) != CURLM_OK)) {
		request_clear(&j->rq);
		fail_job(j, PFX_TEMPFAIL, "backend unavailable", BERR_CONNECT);
		return;
	}
	j->in_multi = !j->in_h1;
	j->called = 1;
	ec = engine_counters(eng, j->e);
	ec->backend_calls++;
	/* libcurl queues it when the host's connections are all busy */
	if ((*busy(eng, j->e))++ >= (size_t)j->c->http.max_connections_per_host)
		ec->queue_waits++;
}

/* check_done - a check's answer (in j->res) for everyone waiting */

static void
check_done(void *job, void *arg)
{
	struct job *j = job;
	struct entry_counters *ec = engine_counters(arg, j->e);

	j->checking = 0;
	request_clear(&j->rq);
	if (j->res.verdict == PFX_TIMEOUT)
		ec->backend_errors[BERR_TIMEOUT]++;
	else if (j->res.verdict == PFX_TEMPFAIL)
		ec->backend_errors[BERR_CONNECT]++;
	finish(j, &j->res);
}

/* job_check - a local program instead of an HTTP backend (checkpool.c) */

static void
job_check(struct job *j)
{
	long long now = clock_ms(), deadline = j->deadline;

	if (deadline <= now) {
		fail_job(j, PFX_TIMEOUT, "deadline passed", BERR_TIMEOUT);
		return;
	}
	if (now + j->e->timeout_ms < deadline)
		deadline = now + j->e->timeout_ms;
	if (request_payload(&j->rq, j->e, &j->req) != PFX_OK) {
		log_warnx("%s %s: request too large",
		    conf_kind_section(j->e->kind), j->e->name);
		result_set(&j->res, PFX_TEMPFAIL, "request too large");
		finish(j, &j->res);
		return;
	}
	trace_step(j->trace, "check");
	trace_strz(j->trace, "command", j->e->command[0]);
	trace_strz(j->trace, "mode", j->e->command_exec ? "exec" :
	    "persistent");
	engine_counters(j->eng, j->e)->backend_calls++;
	j->checking = 1;
	if (!checkpool_submit(j->eng->checks, j->e, j->rq.body.data,
	    j->rq.body.len, deadline, j, &j->res))
		check_done(j, j->eng);
}

/* job_token - go on with the token, or fail the lookup */

static void
job_token(struct job *j, enum oidc_answer a, const char *token,
    long long life, const char *how, const char *why)
{
	switch (a) {
	case OIDC_TOKEN:
		/* which client, and for how long: never the token */
		trace_step(j->trace, "token");
		trace_strz(j->trace, "client_id",
		    j->e->backend_oidc_auth.client_id);
		trace_strz(j->trace, "configuration_uri",
		    j->e->backend_oidc_auth.configuration_uri);
		trace_strz(j->trace, "source", how);
		trace_num(j->trace, "remaining_s", life / 1000);
		job_send(j, token);
		break;
	case OIDC_FAIL:
		/* oidc.c logged why, once per fetch */
		trace_step(j->trace, "token");
		trace_strz(j->trace, "client_id",
		    j->e->backend_oidc_auth.client_id);
		trace_strz(j->trace, "source", "failed");
		trace_strz(j->trace, "error", why);
		fail_job(j, PFX_TEMPFAIL, "backend token unavailable",
		    BERR_TOKEN);
		break;
	case OIDC_WAIT:
		trace_step(j->trace, "token");
		trace_strz(j->trace, "client_id",
		    j->e->backend_oidc_auth.client_id);
		trace_strz(j->trace, "source", "none usable: fetching one");
		break;
	}
}

static void
job_start(struct job *j, int renew)
{
	const char *token = NULL, *why = NULL;
	long long life;
	enum oidc_answer a;

	if (j->e->ncommand > 0) {
		job_check(j);
		return;
	}
	if (!j->e->backend_oidc_auth.enabled) {
		job_send(j, NULL);
		return;
	}
	a = oidc_token(j->eng->oidc, &j->e->backend_oidc_auth, renew,
	    clock_ms(), &j->token_wait, &token, &life, &why);
	if (a != OIDC_WAIT)
		j->token_wait = NULL;
	job_token(j, a, token, life, renew ? "renewed" : "cached", why);
}

/*
 * start - engine_lookup, and with a trace engine_explain.  An explained
 * lookup neither joins a call under way nor lets others join its own:
 * the trace is of its own call.  It reads and writes the cache as any
 * lookup does.
 */
static int
start(struct engine *eng, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, void *waiter,
    struct trace *t, struct pfx_result *res)
{
	const struct conf_cache *cc = &eng->conf->cache;
	struct entry_counters *ec = engine_counters(eng, e);
	struct flight *fl;
	struct job *j;
	int	 cached = cc->enabled && e->cache, keyed;
	size_t	 toklen;
	uint64_t fhash = 0;

	if (pfx_req_get(req, "token", &toklen) != NULL)
		/* a bearer token is validated, never sent to a target */
		return (validator_check(eng->val, e, req, deadline, waiter,
		    res));
	trace_entry(t, "tokend", eng->conf, e, req);
	j = job_new(eng);
	j->c = eng->conf;
	/* values as large as Postfix takes, and as spawn will accept */
	j->res.value.max = j->res.reason.max =
	    (size_t)eng->conf->socketmap_max_reply_size;
	result_set(&j->res, PFX_NOTFOUND, NULL);
	j->e = e;
	j->deadline = deadline;
	j->started = clock_ms();
	/* a secret request has no key: never cached, never shared */
	if ((keyed = flight_key(&j->fkey, &j->spacelen, e, req)) != PFX_OK &&
	    !(req->flags & PFX_REQ_SECRET)) {
		job_recycle(j);
		result_set(res, PFX_TEMPFAIL, keyed == PFX_ETOOBIG ?
		    "request too large" : "malformed request");
		ec->requests[PFX_TEMPFAIL]++;
		trace_result(t, res);
		return (PFX_OK);
	}
	keyed = keyed == PFX_OK;
	j->keyed = keyed;
	trace_step(t, "cache");
	if (!keyed || !cached)
		trace_strz(t, "lookup", !cached ? "off for this entry" :
		    "no cache key (the request holds a secret)");
	else
		trace_fmt(t, "lookup", "fresh answers: %s; not-found"
		    " answers: %s", cc->serve_fresh ? "served within"
		    " fresh_ttl" : "not served (serve_fresh is off)",
		    cc->negative_ttl_ms > 0 ? "served within negative_ttl" :
		    "not kept");
	if (keyed && cached && ((cc->serve_fresh && cache_answer(eng, &j->fkey,
	    j->spacelen, cc->fresh_ttl_ms, PFX_FOUND, t, res)) ||
	    (cc->negative_ttl_ms > 0 && cache_answer(eng, &j->fkey,
	    j->spacelen, cc->negative_ttl_ms, PFX_NOTFOUND, t, res)))) {
		job_recycle(j);
		ec->cache_hits++;
		ec->requests[res->verdict]++;
		trace_strz(t, "decision", res->verdict == PFX_FOUND ?
		    "hit: a fresh answer, no backend call" : "hit: a"
		    " negative answer, no backend call");
		trace_result(t, res);
		return (PFX_OK);
	}
	if (keyed && cached)
		trace_strz(t, "decision", "miss: the backend is called");
	if (keyed && t == NULL)
		fhash = flight_hash(eng->flights, j->fkey.data, j->fkey.len);
	if (t == NULL && keyed && (fl = flight_find(eng->flights,
	    j->fkey.data, j->fkey.len, fhash)) != NULL) {
		job_recycle(j);
		if (flight_wait(fl, waiter, eng->lim.max_waiters) != PFX_OK) {
			result_set(res, PFX_TEMPFAIL, "backend busy");
			ec->requests[PFX_TEMPFAIL]++;
			return (PFX_OK);
		}
		ec->coalesced++;
		if (log_enabled(LOG_LVL_DEBUG))
			log_debug("%s %s: joins the call of rid=%s rid=%s",
			    conf_kind_section(e->kind), e->name,
			    ((struct job *)fl->job)->rid, req->rid != NULL ?
			    req->rid : "-");
		if (((struct job *)fl->job)->deadline < deadline)
			((struct job *)fl->job)->deadline = deadline;
		return (PFX_EAGAIN);
	}
	if (eng->njobs > eng->lim.max_jobs || copy_req(j, req) != PFX_OK) {
		job_recycle(j);
		result_set(res, PFX_TEMPFAIL, "backend busy");
		ec->requests[PFX_TEMPFAIL]++;
		trace_result(t, res);
		return (PFX_OK);
	}
	j->owner = waiter;
	j->trace = t;
	if (keyed && t == NULL)
		j->fl = flight_begin(eng->flights, j->fkey.data, j->fkey.len,
		    fhash, j);
	job_start(j, 0);
	return (PFX_EAGAIN);
}

int
engine_lookup(struct engine *eng, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, void *waiter,
    struct pfx_result *res)
{
	return (start(eng, e, req, deadline, waiter, NULL, res));
}

int
engine_explain(struct engine *eng, const struct conf_entry *e,
    const struct pfx_req *req, long long deadline, void *waiter,
    struct trace *t, struct pfx_result *res)
{
	return (start(eng, e, req, deadline, waiter, t, res));
}

void
engine_abort(struct engine *eng, const char *why)
{
	struct job *j;
	size_t	 i;

	validator_abort(eng->val, why);
	h1pool_cancel_all(eng->h1);	/* leave_transfer finds none left */
	while ((j = eng->jobs) != NULL) {
		leave_transfer(j);
		if (j->checking)
			checkpool_cancel(eng->checks, j);
		request_clear(&j->rq);
		result_set(&j->res, PFX_TEMPFAIL, why);
		trace_result(j->trace, &j->res);
		j->trace = NULL;
		if (j->owner != NULL)
			eng->reply(j->owner, &j->res, eng->arg);
		for (i = 0; j->fl != NULL && i < j->fl->nwaiters; i++)
			if (j->fl->waiters[i] != NULL)
				eng->reply(j->fl->waiters[i], &j->res,
				    eng->arg);
		if (j->fl != NULL)
			flight_end(eng->flights, j->fl);
		job_recycle(j);
	}
}

void
engine_forget(struct engine *eng, void *waiter)
{
	struct job *j;
	size_t	 i;

	validator_forget(eng->val, waiter);
	for (j = eng->jobs; j != NULL; j = j->next) {
		if (j->owner == waiter) {
			j->owner = NULL;
			j->trace = NULL;	/* it was the waiter's */
		}
		for (i = 0; j->fl != NULL && i < j->fl->nwaiters; i++)
			if (j->fl->waiters[i] == waiter)
				j->fl->waiters[i] = NULL;
	}
}

/* exchanged - the backend's answer (or its failure) is in j->tr.resp */

static void
exchanged(struct job *j, int answered)
{
	struct entry_counters *ec = engine_counters(j->eng, j->e);
	long	 status;

	j->answered = answered;
	status = answered ? j->tr.resp.status : 0;
	trace_response(j->trace, &j->tr.resp, answered);
	if (status == 401 && j->e->backend_oidc_auth.enabled) {
		ec->backend_errors[BERR_TOKEN]++;
		if (!j->renewed) {
			/* the token was refused: one retry with a new one */
			trace_step(j->trace, "mapping");
			trace_strz(j->trace, "status", "401: the token was"
			    " refused; one retry with a new one");
			j->renewed = 1;
			job_start(j, 1);
		} else {
			result_set(&j->res, PFX_TEMPFAIL,
			    "backend refused the token");
			finish(j, &j->res);
		}
		return;
	}
	map_exchange(j->e, &j->tr.resp, answered, j->trace, &j->res);
	if (!answered)
		ec->backend_errors[j->tr.resp.failure == HTTP_FAIL_TIMEOUT ?
		    BERR_TIMEOUT : j->tr.resp.failure == HTTP_FAIL_TOOBIG ?
		    BERR_BODY : BERR_CONNECT]++;
	else if (j->res.verdict == PFX_TEMPFAIL ||
	    j->res.verdict == PFX_PERMFAIL)
		ec->backend_errors[status >= 500 ? BERR_HTTP_5XX : status >=
		    400 ? BERR_HTTP_4XX : BERR_BODY]++;
	finish(j, &j->res);
}

int
engine_done(struct engine *eng, CURL *h, CURLcode cc)
{
	struct job *j;
	char	*priv = NULL;

	/* the token fetches share the multi handle: is this a job? */
	if (curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
	    priv == NULL || *(const void *const *)(void *)priv != &job_tag)
		return (validator_done(eng->val, h, cc));
	j = (struct job *)(void *)priv;
	if (j->eng != eng || !j->in_multi || j->tr.h != h)
		return (0);
	leave_transfer(j);
	request_clear(&j->rq);
	exchanged(j, transfer_finish(&j->tr, cc) == PFX_OK);
	return (1);
}

/* h1_done - the end of an exchange of tokend's own HTTP/1.1 client */

static void
h1_done(void *job, int ok, void *arg)
{
	struct job *j = job;

	(void)arg;
	j->in_h1 = 0;
	busy_release(j);
	request_clear(&j->rq);
	exchanged(j, ok);
}


void
engine_token(struct engine *eng, struct oidc_client *oc)
{
	const char *token = NULL, *why = NULL;
	struct job *j, *next;
	long long life;
	enum oidc_answer a;

	for (j = eng->jobs; j != NULL; j = next) {
		next = j->next;	/* a failed job leaves the list */
		if (j->token_wait != oc)
			continue;
		j->token_wait = NULL;
		a = oidc_result(oc, clock_ms(), &token, &life, &why);
		job_token(j, a == OIDC_WAIT ? OIDC_FAIL : a, token, life,
		    "fetched", why);
	}
}

int
engine_next_ms(const struct engine *eng, long long now)
{
	const struct job *j;
	long long next = -1;
	int	 v, c;

	for (j = eng->jobs; j != NULL; j = j->next)
		if (j->token_wait != NULL && (next < 0 || j->deadline - now <
		    next))
			next = j->deadline - now;
	v = validator_next_ms(eng->val, now);
	next = next < 0 ? -1 : next <= 0 ? 0 : next > 1000 ? 1000 : next;
	if ((c = checkpool_next_ms(eng->checks, now)) >= 0 && (next < 0 ||
	    c < next))
		next = c;
	if ((c = h1pool_next_ms(eng->h1, now)) >= 0 && (next < 0 || c < next))
		next = c;
	return ((int)(v >= 0 && (next < 0 || v < next) ? v : next));
}

void
engine_tick(struct engine *eng, long long now)
{
	struct job *j, *next;

	validator_tick(eng->val, now);
	checkpool_tick(eng->checks, now);
	h1pool_tick(eng->h1, now);
	for (j = eng->jobs; j != NULL; j = next) {
		next = j->next;
		if (j->token_wait != NULL && now >= j->deadline) {
			j->token_wait = NULL;
			fail_job(j, PFX_TIMEOUT, "no backend token in time",
			    BERR_TOKEN);
		}
	}
}
