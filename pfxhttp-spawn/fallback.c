/*
 * fallback.c - load the direct request path only when it is needed
 *
 * DESCRIPTION
 *	A spawn process that pfxhttp-tokend serves never maps libcurl,
 *	GnuTLS or json-c.  The first lookup that must go to the backend
 *	directly (no tokend configured, or tokend unreachable) loads
 *	pfxhttp-direct.so with dlopen(); a module that cannot be loaded
 *	or refuses the configuration makes every such lookup a temporary
 *	error, logged once.
 *
 * SECURITY
 *	PFXHTTP_DIRECT_MODULE (for tests and uninstalled builds) is
 *	honoured only when the process runs with its own credentials.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "direct.h"
#include "fallback.h"
#include "log.h"

#ifndef PFXHTTP_MODULEDIR
#define PFXHTTP_MODULEDIR	"/usr/lib/pfxhttp"
#endif

struct fallback_state {
	void		*dl;
	const struct direct_api *api;
	struct direct	*d;
	int		 failed;
};

static struct fallback_state fb;

static const char *
module_path(void)
{
	const char *p;

	if (getuid() == geteuid() && getgid() == getegid() &&
	    (p = getenv("PFXHTTP_DIRECT_MODULE")) != NULL && *p != '\0')
		return (p);
	return (PFXHTTP_MODULEDIR "/pfxhttp-direct.so");
}

/* module_load - map the module and find its table */

static int
module_load(char *err, size_t errlen)
{
	const char *path = module_path();

	if (fb.api != NULL)
		return (1);
	if ((fb.dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load %s: %s", path, dlerror());
		return (0);
	}
	if ((fb.api = dlsym(fb.dl, DIRECT_SYMBOL)) == NULL ||
	    fb.api->abi != DIRECT_ABI) {
		fb.api = NULL;
		snprintf(err, errlen, "%s: not a pfxhttp-direct module of this"
		    " version", path);
		return (0);
	}
	return (1);
}

static int
fallback_load(const char *conf_path, int log_to_stderr)
{
	char	 err[1024];

	if (fb.d != NULL)
		return (1);
	if (fb.failed)
		return (0);
	if (!module_load(err, sizeof(err)) || (fb.d = fb.api->open(conf_path,
	    log_to_stderr, err, sizeof(err))) == NULL) {
		log_errx("direct backend calls unavailable: %s", err);
		fb.failed = 1;
		return (0);
	}
	return (1);
}

void
fallback_lookup(const char *conf_path, int log_to_stderr,
    const char *section, const char *name, const struct pfx_req *req,
    long long deadline, struct pfx_result *res)
{
	if (!fallback_load(conf_path, log_to_stderr)) {
		result_set(res, PFX_TEMPFAIL, "backend unavailable");
		return;
	}
	fb.api->lookup(fb.d, section, name, req, deadline, res);
}

void
fallback_explain(const char *conf_path, int log_to_stderr,
    const char *section, const char *name, const struct pfx_req *req,
    long long deadline, struct pfx_result *res, struct buf *json,
    struct buf *text)
{
	if (!fallback_load(conf_path, log_to_stderr)) {
		result_set(res, PFX_TEMPFAIL, "backend unavailable");
		return;
	}
	fb.api->explain(fb.d, section, name, req, deadline, res, json, text);
}

void
fallback_verdict(const char *conf_path, int log_to_stderr, const char *name,
    const struct pfx_req *req, int fd, long long len, long long deadline,
    struct pfx_result *res)
{
	if (!fallback_load(conf_path, log_to_stderr)) {
		result_set(res, PFX_TEMPFAIL, "backend unavailable");
		return;
	}
	fb.api->verdict(fb.d, name, req, fd, len, deadline, res);
}

int
fallback_check(const char *conf_path, char *err, size_t errlen)
{
	struct direct *d;

	if (!module_load(err, errlen))
		return (0);
	if ((d = fb.api->open(conf_path, 0, err, errlen)) == NULL)
		return (0);
	fb.api->close(d);
	return (1);
}

void
fallback_unload(void)
{
	if (fb.d != NULL)
		fb.api->close(fb.d);
	if (fb.dl != NULL)
		(void)dlclose(fb.dl);
	memset(&fb, 0, sizeof(fb));
}
