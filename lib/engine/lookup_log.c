/*
 * lookup_log.c - one readable line per failed or slow lookup
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "lookup_log.h"

const char *
http_failure_word(enum http_failure f)
{
	switch (f) {
	case HTTP_OK:
		return ("none");
	case HTTP_FAIL_TIMEOUT:
		return ("timeout");
	case HTTP_FAIL_CONNECT:
		return ("connect");
	case HTTP_FAIL_TOOBIG:
		return ("too-big");
	case HTTP_FAIL_OTHER:
		break;
	}
	return ("other");
}

void
lookup_log(const struct lookup_outcome *o, const struct pfx_result *res)
{
	const struct buf *why = &res->reason;
	char	 what[320], safe[256];
	int	 failed = res->verdict == PFX_TEMPFAIL ||
	    res->verdict == PFX_TIMEOUT || res->verdict == PFX_PERMFAIL;
	int	 slow = o->e->slow_request_ms > 0 &&
	    o->ms >= o->e->slow_request_ms;

	if (!failed && !slow && !o->from_cache)
		return;
	if (!o->called)
		snprintf(what, sizeof(what), "no backend call");
	else if (o->answered)
		snprintf(what, sizeof(what), "HTTP %ld", o->resp->status);
	else
		snprintf(what, sizeof(what), "%s: %s",
		    http_failure_word(o->resp->failure), log_safe(safe,
		    sizeof(safe), o->resp->error, strnlen(o->resp->error,
		    sizeof(o->resp->error))));
	if (failed)
		log_warnx("%s %s: lookup %s in %lldms (%s%s): %s rid=%s",
		    conf_kind_section(o->e->kind), o->e->name,
		    verdict_word(res->verdict), o->ms, slow ? "slow; " : "",
		    what, log_safe(safe, sizeof(safe), why->data != NULL ?
		    why->data : "", why->len), o->rid != NULL ? o->rid : "-");
	else
		log_info("%s %s: lookup %s in %lldms (%s%s) rid=%s",
		    conf_kind_section(o->e->kind), o->e->name,
		    verdict_word(res->verdict), o->ms, o->from_cache ?
		    "from the cache; " : slow ? "slow; " : "", what,
		    o->rid != NULL ? o->rid : "-");
}
