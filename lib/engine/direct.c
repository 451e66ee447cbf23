/*
 * direct.c - pfxhttp-direct.so: the backend call inside pfxhttp-spawn
 *
 * DESCRIPTION
 *	The module behind direct.h.  It loads the configuration with every
 *	check (templates, field paths, JSON payloads) and answers lookups
 *	with lookup_run(), without the cache or tokens: those live in
 *	pfxhttp-tokend, and an entry that needs an OIDC token gets a
 *	temporary error here.  smtp_filters' HTTP verdicts are always made
 *	here: the message is in this process's spool.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "direct.h"
#include "kind.h"
#include "log.h"
#include "lookup.h"
#include "trace.h"
#include "xalloc.h"

struct direct {
	struct conf	*c;
	struct lookup	*lk;
};

static struct direct *
direct_open(const char *path, int log_to_stderr, char *err, size_t errlen)
{
	struct direct *d;
	struct conf *c;

	log_init("pfxhttp", log_to_stderr);
	if ((c = conf_load(path, 0, err, errlen)) == NULL)
		return (NULL);
	log_set_level(c->log_level);
	d = xcalloc(1, sizeof(*d));
	d->c = c;
	d->lk = lookup_new(c);
	return (d);
}

static void
direct_lookup(struct direct *d, const char *section, const char *name,
    const struct pfx_req *req, long long deadline, struct pfx_result *res)
{
	const struct conf_entry *e = NULL;
	const struct kind *kd;

	if ((kd = kind_by_section(section, strlen(section))) != NULL)
		e = conf_find(d->c, (enum conf_kind)kind_index(kd), name);
	if (e == NULL) {
		result_set(res, PFX_TEMPFAIL, "entry unknown");
		return;
	}
	lookup_run(d->lk, e, req, deadline, res);
}

static void
direct_explain(struct direct *d, const char *section, const char *name,
    const struct pfx_req *req, long long deadline, struct pfx_result *res,
    struct buf *json, struct buf *text)
{
	const struct conf_entry *e = NULL;
	const struct kind *kd;
	struct trace *t;

	if ((kd = kind_by_section(section, strlen(section))) != NULL)
		e = conf_find(d->c, (enum conf_kind)kind_index(kd), name);
	if (e == NULL) {
		result_set(res, PFX_TEMPFAIL, "entry unknown");
		return;
	}
	t = trace_new();
	lookup_explain(d->lk, e, req, deadline, t, res);
	(void)trace_json(t, json);
	(void)trace_text(t, text);
	trace_free(t);
}

static void
direct_verdict(struct direct *d, const char *name, const struct pfx_req *req,
    int fd, long long len, long long deadline, struct pfx_result *res)
{
	const struct conf_entry *e;

	if ((e = conf_find(d->c, KIND_FILTER, name)) == NULL ||
	    e->target == NULL) {
		result_set(res, PFX_TEMPFAIL, "entry unknown");
		return;
	}
	lookup_upload(d->lk, e, req, fd, len, deadline, res);
}

static void
direct_close(struct direct *d)
{
	if (d == NULL)
		return;
	lookup_free(d->lk);
	conf_free(d->c);
	free(d);
	/* what curl_global_init() set up (GnuTLS, the resolver) goes too */
	curl_global_cleanup();
}

__attribute__((visibility("default")))
const struct direct_api pfxhttp_direct = {
	DIRECT_ABI, direct_open, direct_lookup, direct_close, direct_verdict,
	direct_explain,
};
