/*
 * explain.c - pfxhttp-spawn explain: make one real lookup and show it
 *
 * DESCRIPTION
 *	The request is built from the command line as the kind's codec
 *	would have decoded it (socketmap: the map name and the key; tcp:
 *	the key; policy: the attributes), gets a request id, and goes the
 *	way a Postfix request goes: to pfxhttp-tokend (EXPLAIN) when it is
 *	configured, else, or when tokend does not answer, through the
 *	direct module.  Either records every step in a trace (trace.h) and
 *	renders it; this file adds the reply Postfix would have got, made
 *	by the kind's own codec, and the exit status.
 *
 *	Logins and filters are refused: a login's password would be on
 *	the command line, and a filter relays a whole SMTP session.
 *
 *	This is an interactive command: it writes to stdout and stderr,
 *	and is never run by spawn(8).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "err.h"
#include "escape.h"
#include "explain.h"
#include "fallback.h"
#include "kind.h"
#include "log.h"
#include "remote.h"
#include "rid.h"
#include "rid_seed.h"
#include "visible.h"

#define EXIT_USAGE	64
#define EXIT_CONFIG	78

struct request_args {
	struct pfx_attr	 attrs[PFX_REQ_MAX_ATTRS];
	char		*names[PFX_REQ_MAX_ATTRS];
	struct pfx_req	 req;
	char		 rid[RID_MAX + 1];
};

static int
exit_status(enum pfx_verdict v)
{
	switch (v) {
	case PFX_FOUND:
		return (EXPLAIN_FOUND);
	case PFX_NOTFOUND:
		return (EXPLAIN_NOTFOUND);
	case PFX_TEMPFAIL:
	case PFX_TIMEOUT:
		return (EXPLAIN_TEMPORARY);
	case PFX_PERMFAIL:
		break;
	}
	return (EXPLAIN_PERMANENT);
}

static void
add_attr(struct request_args *ra, const char *name, size_t nlen,
    const char *value)
{
	size_t	 i = ra->req.nattrs++;

	ra->names[i] = strndup(name, nlen);
	if (ra->names[i] == NULL)
		fatalx("out of memory");
	ra->attrs[i].name = ra->names[i];
	ra->attrs[i].value = value;
	ra->attrs[i].valuelen = strlen(value);
}

/*
 * build - the request as the codec would have decoded it: attributes
 * for a kind whose requests are attributes, else one key (and the map
 * name, for a kind whose request carries it)
 */
static int
build(const struct kind *kd, const char *name, int argc, char **argv,
    struct request_args *ra)
{
	const char *eq;
	int	 i;

	memset(ra, 0, sizeof(*ra));
	ra->req.attrs = ra->attrs;
	if (kd->nattrs == 0) {
		if (argc != 1) {
			fprintf(stderr, "explain %s: one KEY expected\n",
			    kd->word);
			return (0);
		}
		if (!kd->takes_name)
			add_attr(ra, "name", 4, name);
		add_attr(ra, "key", 3, argv[0]);
		return (1);
	}
	if (argc < 1 || argc > PFX_REQ_MAX_ATTRS) {
		fprintf(stderr, "explain %s: ATTR=VALUE... expected (at most"
		    " %d)\n", kd->word, PFX_REQ_MAX_ATTRS);
		return (0);
	}
	for (i = 0; i < argc; i++) {
		if ((eq = strchr(argv[i], '=')) == NULL || eq == argv[i] ||
		    eq - argv[i] > 64 || strchr(argv[i], '\n') != NULL) {
			fprintf(stderr, "explain %s: \"%s\" is not ATTR=VALUE"
			    " (one line, a name of 1 to 64 bytes)\n", kd->word,
			    argv[i]);
			return (0);
		}
		add_attr(ra, argv[i], (size_t)(eq - argv[i]), eq + 1);
	}
	return (1);
}

/* request_id - as serve.c makes it, with the kind's queue id first */
static void
request_id(const struct kind *kd, struct request_args *ra)
{
	uint64_t state = rid_seed();
	const char *qid = NULL;
	size_t	 qlen = 0;

	if (kd->rid_attr != NULL)
		qid = pfx_req_get(&ra->req, kd->rid_attr, &qlen);
	rid_make(ra->rid, &state, qid, qlen);
	ra->req.rid = ra->rid;
}

/* postfix_reply - the bytes the kind's codec would write to Postfix */
static void
postfix_reply(const struct kind *kd, const struct conf *c,
    const struct conf_entry *e, const struct pfx_result *res,
    struct buf *out)
{
	struct proto_opts po;
	void	*st;

	memset(&po, 0, sizeof(po));
	po.max_request = 65536;
	po.max_reply = (size_t)c->socketmap_max_reply_size;
	po.default_action = e->default_action != NULL ? e->default_action :
	    "DUNNO";
	st = kd->codec->create(&po);
	(void)kd->codec->reply(st, res, out);
	kd->codec->destroy(st);
}

/*
 * print_json - the trace's document with the reply and the exit status
 * added (the document is one object: its closing brace is replaced)
 */
static void
print_json(struct buf *json, const char *via, const struct pfx_result *res,
    const struct buf *reply, int status)
{
	struct buf o;

	buf_init(&o, BUF_UNLIMITED);
	while (json->len > 0 && json->data[json->len - 1] != '}')
		buf_truncate(json, json->len - 1);
	if (json->len == 0) {
		/* no trace came back: what is known of the answer */
		(void)buf_printf(&o, "{\"via\":\"%s\",\"verdict\":\"%s\","
		    "\"value\":\"", via, verdict_word(res->verdict));
		(void)escape_json(&o, res->value.data, res->value.len);
		(void)buf_puts(&o, "\",\"reason\":\"");
		(void)escape_json(&o, res->reason.data, res->reason.len);
		(void)buf_puts(&o, "\",\"incomplete\":1,\"steps\":[]");
	} else
		(void)buf_append(&o, json->data, json->len - 1);
	(void)buf_puts(&o, ",\"reply\":\"");
	(void)escape_json(&o, reply->data, reply->len);
	(void)buf_printf(&o, "\",\"exit\":%d}\n", status);
	fwrite(o.data, 1, o.len, stdout);
	buf_free(&o);
}

static void
print_text(const struct buf *text, const char *via,
    const struct pfx_result *res, const struct buf *reply, int status)
{
	static const char *const meaning[] = {
		"found", "not found", "temporary error", "permanent error",
	};
	struct buf o;

	buf_init(&o, BUF_UNLIMITED);
	if (text->len == 0) {
		(void)buf_printf(&o, "(no trace: answered via %s)\nresult\n"
		    "    %-18s %s\n    %-18s ", via, "verdict",
		    verdict_word(res->verdict), "reason");
		(void)escape_visible(&o, res->reason.data, res->reason.len);
		(void)buf_putc(&o, '\n');
	} else
		(void)buf_append(&o, text->data, text->len);
	(void)buf_printf(&o, "    %-18s ", "reply");
	(void)escape_visible(&o, reply->data, reply->len);
	(void)buf_printf(&o, "\n    %-18s %d (%s)\n", "exit", status,
	    meaning[status]);
	fwrite(o.data, 1, o.len, stdout);
	buf_free(&o);
}

int
explain_main(const char *path, int argc, char **argv, int json)
{
	struct request_args ra;
	struct pfx_result res;
	struct buf tj, tt, reply;
	const struct conf_entry *e;
	const struct kind *kd;
	struct remote *rm;
	struct conf *c;
	const char *via = "direct";
	char	 err[1024];
	int	 status, r = PFX_EIO, tty = isatty(STDERR_FILENO);
	size_t	 i;

	if (argc < 3 || (kd = kind_by_word(argv[0])) == NULL) {
		fprintf(stderr, "usage: pfxhttp-spawn [-c FILE] explain"
		    " socketmap|tcp|policy NAME KEY|ATTR=VALUE... [--json]\n");
		return (EXIT_USAGE);
	}
	if (kd->codec == NULL || kd->relay) {
		fprintf(stderr, "explain: %s entries are not explained: a"
		    " filter relays a whole SMTP session, not one request\n",
		    kd->word);
		return (EXIT_USAGE);
	}
	if (kd->secret) {
		fprintf(stderr, "explain: %s entries are not explained: a"
		    " login's password would be on the command line and in"
		    " the request shown\n", kd->word);
		return (EXIT_USAGE);
	}
	log_init("pfxhttp", tty);
	if ((c = conf_load(path, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (EXIT_CONFIG);
	}
	log_set_level(c->log_level);
	if ((e = conf_find(c, (enum conf_kind)kind_index(kd), argv[1])) ==
	    NULL) {
		fprintf(stderr, "%s: no %s entry named \"%s\"\n", path,
		    kd->section, argv[1]);
		conf_free(c);
		return (EXIT_CONFIG);
	}
	if (!build(kd, argv[1], argc - 2, argv + 2, &ra)) {
		conf_free(c);
		return (EXIT_USAGE);
	}
	request_id(kd, &ra);
	result_init(&res, (size_t)c->socketmap_max_reply_size);
	buf_init(&tj, BUF_UNLIMITED);
	buf_init(&tt, BUF_UNLIMITED);
	buf_init(&reply, (size_t)c->socketmap_max_reply_size + 64);
	rm = c->tokend.use ? remote_new(c->tokend.socket,
	    c->tokend.timeout_ms) : NULL;
	if (rm != NULL && (r = remote_explain(rm, kd->section, e->name,
	    &ra.req, clock_ms() + e->timeout_ms, &res, &tj, &tt)) == PFX_OK)
		via = "tokend";
	else {
		if (rm != NULL && r == PFX_EPERM)
			fprintf(stderr, "explain: pfxhttp-tokend on %s says: %s;"
			    " the lookup goes to the backend directly\n",
			    c->tokend.socket, buf_str(&tt));
		else if (rm != NULL)
			fprintf(stderr, "explain: pfxhttp-tokend on %s did not"
			    " answer: the lookup goes to the backend"
			    " directly\n", c->tokend.socket);
		buf_reset(&tj);
		buf_reset(&tt);
		fallback_explain(c->file, tty, kd->section, e->name, &ra.req,
		    clock_ms() + e->timeout_ms, &res, &tj, &tt);
	}
	postfix_reply(kd, c, e, &res, &reply);
	status = exit_status(res.verdict);
	if (json)
		print_json(&tj, via, &res, &reply, status);
	else
		print_text(&tt, via, &res, &reply, status);
	fflush(stdout);
	remote_free(rm);
	fallback_unload();
	buf_free(&tj);
	buf_free(&tt);
	buf_free(&reply);
	result_free(&res);
	for (i = 0; i < ra.req.nattrs; i++)
		free(ra.names[i]);
	conf_free(c);
	return (status);
}
