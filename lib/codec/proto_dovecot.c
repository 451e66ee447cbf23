/*
 * proto_dovecot.c - the Dovecot auth protocol, server side, for smtpd
 *
 * DESCRIPTION
 *	The handshake (greet) is written at connect, byte for byte as
 *	Dovecot 2.3 sends it: VERSION, the MECH lines, then SPID, CUID,
 *	COOKIE and DONE (Postfix refuses SPID before MECH, and a broken
 *	handshake kills smtpd).  The client's VERSION and CPID are read
 *	and checked; unknown lines are ignored.
 *
 *	AUTH starts an exchange, CONT continues it.  Ids are Postfix's own
 *	counter: they skip, and an exchange the SMTP client aborted (with
 *	"*") is never cancelled, so a new AUTH may arrive while another
 *	waits for CONT.  Up to DOVECOT_MAX_PENDING exchanges are kept; the
 *	oldest is dropped to make room.  When a mechanism has what it
 *	needs, the exchange becomes a request (PFX_REQ_SECRET) and reply()
 *	turns the verdict into OK, FAIL, the token error challenge, or a
 *	closed connection (the one way to make Postfix answer 454).
 *
 * SECURITY
 *	No value on a reply line can hold TAB, CR, LF or another control
 *	byte: names are checked (sasl_name_ok), reasons are ours or
 *	checked, challenges are base64.  Input lines and decoded
 *	responses are wiped once used.
 *
 * LIMITS
 *	Lines up to DOVECOT_MAX_LINE bytes (Dovecot's own limit); a longer
 *	one closes the connection.
 *
 * SEE ALSO
 *	Postfix src/xsasl/xsasl_dovecot_server.c; Dovecot 2.3
 *	src/auth/auth-client-connection.c, auth-request-handler.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "err.h"
#include "linebuf.h"
#include "proto.h"
#include "sasl_mech.h"
#include "xalloc.h"

#define DOVECOT_MAX_LINE	16384
#define DOVECOT_MAX_PENDING	4
#define FIELD_MAX		64	/* service, lip, rip, lport */

struct exch {
	unsigned long	 id;		/* 0: free slot */
	unsigned long long age;
	struct sasl_exchange sx;
	char		 service[FIELD_MAX];
	char		 lip[FIELD_MAX];
	char		 rip[FIELD_MAX];
	char		 lport[FIELD_MAX];
	int		 secured;
};

enum { A_USER, A_SECRET, A_METHOD, A_PROTOCOL, A_CLIENT_IP, A_LOCAL_IP,
    A_LOCAL_PORT, A_SSL, A_COUNT };

struct dovecot {
	struct linebuf	 lb;
	struct proto_opts o;
	char		 cookie[33];
	char		 lport[8];
	struct exch	 x[DOVECOT_MAX_PENDING];
	struct exch	*cur;		/* its request awaits reply() */
	unsigned long long clock;
	struct buf	 dec;		/* a decoded response: a secret */
	struct buf	 chal;		/* a mechanism's challenge */
	struct buf	 enc;		/* ... in base64 */
	struct pfx_attr	 attrs[A_COUNT];
};

static void *
dovecot_create(const struct proto_opts *o)
{
	struct dovecot *d = xcalloc(1, sizeof(*d));
	size_t	 i;

	d->o = *o;
	snprintf(d->cookie, sizeof(d->cookie), "%s", o->cookie != NULL ?
	    o->cookie : "");
	snprintf(d->lport, sizeof(d->lport), "%s", o->default_local_port !=
	    NULL ? o->default_local_port : "");
	d->o.cookie = d->cookie;
	d->o.default_local_port = NULL;
	if ((d->o.mech_mask & ((1u << SASL_NMECH) - 1)) == 0)
		d->o.mech_mask = SASL_MECH_PASSWORD;	/* never none */
	lb_init(&d->lb, DOVECOT_MAX_LINE);
	buf_init(&d->dec, SASL_MAX_SECRET);
	buf_init(&d->chal, 1024);
	buf_init(&d->enc, 2048);
	for (i = 0; i < DOVECOT_MAX_PENDING; i++)
		sasl_exchange_init(&d->x[i].sx, SASL_PLAIN);
	return (d);
}

static void
dovecot_destroy(void *arg)
{
	struct dovecot *d = arg;
	size_t	 i;

	for (i = 0; i < DOVECOT_MAX_PENDING; i++)
		sasl_exchange_free(&d->x[i].sx);
	buf_free_secret(&d->lb.line);
	lb_free(&d->lb);
	buf_free_secret(&d->dec);
	buf_free(&d->chal);
	buf_free(&d->enc);
	free(d);
}

static void
dovecot_greet(void *arg, struct buf *out)
{
	struct dovecot *d = arg;
	size_t	 i;

	(void)buf_puts(out, "VERSION\t1\t2\n");
	for (i = 0; i < SASL_NMECH; i++)
		if (d->o.mech_mask & SASL_MECH_BIT(i))
			(void)buf_printf(out, "MECH\t%s\t%s\n",
			    sasl_mechs[i].name, sasl_mechs[i].flags);
	(void)buf_printf(out, "SPID\t%lu\nCUID\t1\n", d->o.spid);
	/* Postfix ignores the cookie; Dovecot always sends one */
	if (d->cookie[0] != '\0')
		(void)buf_printf(out, "COOKIE\t%s\n", d->cookie);
	(void)buf_puts(out, "DONE\n");
}

static void
exch_drop(struct exch *x)
{
	sasl_exchange_clear(&x->sx);
	x->id = 0;
}

static struct exch *
exch_find(struct dovecot *d, unsigned long id)
{
	size_t	 i;

	for (i = 0; i < DOVECOT_MAX_PENDING; i++)
		if (d->x[i].id == id)
			return (&d->x[i]);
	return (NULL);
}

/* exch_new - a free slot, or the one waiting longest (abandoned) */
static struct exch *
exch_new(struct dovecot *d, unsigned long id)
{
	struct exch *x = &d->x[0];
	size_t	 i;

	for (i = 0; i < DOVECOT_MAX_PENDING; i++) {
		if (d->x[i].id == 0) {
			x = &d->x[i];
			break;
		}
		if (d->x[i].age < x->age)
			x = &d->x[i];
	}
	exch_drop(x);
	x->id = id;
	x->age = ++d->clock;
	x->service[0] = x->lip[0] = x->rip[0] = x->lport[0] = '\0';
	x->secured = 0;
	return (x);
}

/* parse_id - Dovecot ids: decimal, 1 .. 2^32-1 */
static int
parse_id(const char *p, size_t n, unsigned long *id)
{
	unsigned long v = 0;
	size_t	 i;

	if (n == 0 || n > 10)
		return (0);
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (0);
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 0xffffffffUL)
		return (0);
	*id = v;
	return (1);
}

/* field - the next TAB-separated field of [*p, end) */
static int
field(const char **p, const char *end, const char **f, size_t *n)
{
	const char *tab;

	if (*p > end)
		return (0);
	*f = *p;
	if ((tab = memchr(*p, '\t', (size_t)(end - *p))) == NULL)
		tab = end;
	*n = (size_t)(tab - *p);
	*p = tab + 1;
	return (1);
}

static int
copy_field(char *dst, const char *v, size_t n)
{
	if (n >= FIELD_MAX)
		return (0);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return (1);
}

/* fail_code - FAIL [code=] [user=] [reason=]; code is Dovecot's own */
static enum proto_status
fail_code(struct exch *x, unsigned long id, const char *code,
    const char *reason, struct buf *out)
{
	(void)buf_printf(out, "FAIL\t%lu", id);
	if (code != NULL)
		(void)buf_printf(out, "\tcode=%s", code);
	if (x != NULL && x->sx.user.len > 0 &&
	    sasl_name_ok(x->sx.user.data, x->sx.user.len))
		(void)buf_printf(out, "\tuser=%s", x->sx.user.data);
	if (reason != NULL && *reason != '\0')
		(void)buf_printf(out, "\treason=%s", reason);
	(void)buf_putc(out, '\n');
	if (x != NULL)
		exch_drop(x);
	return (PROTO_REPLIED);
}

static enum proto_status
fail(struct exch *x, unsigned long id, const char *reason, struct buf *out)
{
	return (fail_code(x, id, NULL, reason, out));
}

static enum proto_status
cont(struct dovecot *d, unsigned long id, const char *text, size_t n,
    struct buf *out)
{
	buf_reset(&d->enc);
	if (base64_encode(&d->enc, text, n, 0) != PFX_OK)
		return (PROTO_CLOSE);
	/* the TAB is there even for an empty challenge: Postfix needs it */
	(void)buf_printf(out, "CONT\t%lu\t%s\n", id, buf_str(&d->enc));
	return (PROTO_REPLIED);
}

static void
attr(struct dovecot *d, int i, const char *name, const char *v, size_t n)
{
	d->attrs[i].name = name;
	d->attrs[i].value = v;
	d->attrs[i].valuelen = n;
}

/* request - the exchange has credentials: hand them to the engine */
static enum proto_status
request(struct dovecot *d, struct exch *x, struct pfx_req *req)
{
	const struct sasl_mech *m = &sasl_mechs[x->sx.mech];
	const char *lport = x->lport[0] != '\0' ? x->lport : d->lport;
	size_t	 n = 0;

#define ADD(name, v, len) do {					\
	if ((len) > 0)						\
		attr(d, (int)n++, (name), (v), (len));		\
} while (0)
	ADD("username", x->sx.user.data, x->sx.user.len);
	ADD(m->token ? "token" : "password", x->sx.secret.data,
	    x->sx.secret.len);
	ADD("method", m->name, strlen(m->name));
	ADD("protocol", x->service, strlen(x->service));
	ADD("client_ip", x->rip, strlen(x->rip));
	ADD("local_ip", x->lip, strlen(x->lip));
	ADD("local_port", lport, strlen(lport));
	if (x->secured)
		ADD("ssl", "on", 2);
#undef ADD
	memset(req, 0, sizeof(*req));
	req->attrs = d->attrs;
	req->nattrs = n;
	req->flags = PFX_REQ_SECRET;
	d->cur = x;
	return (PROTO_REQUEST);
}

/* step - one response (data, or none) through the exchange's mechanism */
static enum proto_status
step(struct dovecot *d, struct exch *x, const char *b64, size_t b64len,
    int present, int initial, struct pfx_req *req, struct buf *out)
{
	const char *why = NULL;
	enum sasl_step st;

	buf_wipe(&d->dec);
	/*
	 * As Dovecot 2.3: an initial "resp=" is no response, "resp=="
	 * (AUTH PLAIN =, RFC 4954) an empty one
	 */
	if (initial && present && b64len == 0)
		present = 0;
	if (present && !(b64len == 1 && b64[0] == '=') &&
	    base64_decode(&d->dec, b64, b64len, 0) != PFX_OK) {
		buf_wipe(&d->dec);
		return (fail_code(x, x->id, "invalid_base64", initial ?
		    "Invalid base64 data in initial response" : "Invalid"
		    " base64 data in continued response", out));
	}
	st = sasl_mechs[x->sx.mech].step(&x->sx, d->o.allow_authzid,
	    d->dec.data != NULL ? d->dec.data : "", d->dec.len, present,
	    &d->chal, &why);
	buf_wipe(&d->dec);
	switch (st) {
	case SASL_STEP_CHALLENGE:
		return (cont(d, x->id, buf_str(&d->chal), d->chal.len, out));
	case SASL_STEP_FAIL:
		return (fail(x, x->id, why, out));
	case SASL_STEP_DONE:
		break;
	}
	return (request(d, x, req));
}

static enum proto_status
auth_line(struct dovecot *d, const char *p, const char *end,
    struct pfx_req *req, struct buf *out, const char **why)
{
	const struct sasl_mech *m;
	const char *f, *resp = NULL;
	size_t	 n, resplen = 0;
	unsigned long id;
	struct exch *x;
	int	 ok = 1;

	if (!field(&p, end, &f, &n) || !parse_id(f, n, &id)) {
		*why = "AUTH without a valid request id";
		return (PROTO_CLOSE);
	}
	if (p < end && memchr(p, '\0', (size_t)(end - p)) != NULL)
		return (fail(NULL, id, "Invalid request", out));
	if ((x = exch_find(d, id)) != NULL) {
		/* Dovecot takes this for a client bug; neither one goes on */
		exch_drop(x);
		return (fail(NULL, id, "Duplicate request id", out));
	}
	if (!field(&p, end, &f, &n) || (m = sasl_mech_find(f, n)) == NULL ||
	    !(d->o.mech_mask & SASL_MECH_BIT(m - sasl_mechs)))
		return (fail(NULL, id, "Unsupported authentication mechanism",
		    out));
	x = exch_new(d, id);
	x->sx.mech = (enum sasl_mech_id)(m - sasl_mechs);
	while (ok && p <= end && field(&p, end, &f, &n)) {
		if (n >= 5 && memcmp(f, "resp=", 5) == 0) {
			/* resp is the last parameter */
			resp = f + 5;
			resplen = n - 5;
			break;
		}
		if (n > 8 && memcmp(f, "service=", 8) == 0)
			ok = copy_field(x->service, f + 8, n - 8);
		else if (n > 4 && memcmp(f, "lip=", 4) == 0)
			ok = copy_field(x->lip, f + 4, n - 4);
		else if (n > 4 && memcmp(f, "rip=", 4) == 0)
			ok = copy_field(x->rip, f + 4, n - 4);
		else if (n > 6 && memcmp(f, "lport=", 6) == 0)
			ok = copy_field(x->lport, f + 6, n - 6);
		else if (n == 7 && memcmp(f, "secured", 7) == 0)
			x->secured = 1;
		/* others (nologin, rport, session, ...) change nothing */
	}
	if (!ok)
		return (fail(x, id, "Invalid request", out));
	return (step(d, x, resp, resplen, resp != NULL, 1, req, out));
}

static enum proto_status
cont_line(struct dovecot *d, const char *p, const char *end,
    struct pfx_req *req, struct buf *out, const char **why)
{
	const char *f, *data;
	size_t	 n, datalen;
	unsigned long id;
	struct exch *x;

	if (!field(&p, end, &f, &n) || !parse_id(f, n, &id)) {
		*why = "CONT without a valid request id";
		return (PROTO_CLOSE);
	}
	if ((x = exch_find(d, id)) == NULL)
		/* what Dovecot says of an id it no longer knows */
		return (fail(NULL, id, "Authentication request timed out",
		    out));
	if (!field(&p, end, &data, &datalen) || p <= end ||
	    memchr(data, '\0', datalen) != NULL)
		return (fail(x, id, "Invalid continuation", out));
	if (x->sx.token_failed)
		/* the client has read the error challenge */
		return (fail(x, id, NULL, out));
	x->age = ++d->clock;
	return (step(d, x, data, datalen, 1, 0, req, out));
}

/* line - one complete line from the client */
static enum proto_status
line(struct dovecot *d, const char *p, size_t n, struct pfx_req *req,
    struct buf *out, const char **why)
{
	const char *end = p + n;

	if (n > 5 && memcmp(p, "AUTH\t", 5) == 0)
		return (auth_line(d, p + 5, end, req, out, why));
	if (n > 5 && memcmp(p, "CONT\t", 5) == 0)
		return (cont_line(d, p + 5, end, req, out, why));
	if (n > 8 && memcmp(p, "VERSION\t", 8) == 0) {
		if (n < 10 || p[8] != '1' || p[9] != '\t') {
			*why = "client speaks another auth protocol version";
			return (PROTO_CLOSE);
		}
		return (PROTO_MORE);
	}
	/* CPID, and whatever a newer client says, change nothing */
	return (PROTO_MORE);
}

static enum proto_status
dovecot_feed(void *arg, const char *p, size_t n, size_t *used,
    struct pfx_req *req, struct buf *out, const char **why)
{
	struct dovecot *d = arg;
	enum proto_status st;
	size_t	 u, i = 0;

	while (i < n) {
		switch (lb_feed(&d->lb, p + i, n - i, &u)) {
		case LB_MORE:
			*used = n;
			if (d->lb.overflow) {
				/* as Dovecot: at once, not at the LF */
				*why = "auth request line too long";
				return (PROTO_CLOSE);
			}
			return (PROTO_MORE);
		case LB_TOOLONG:
			*used = i + u;
			*why = "auth request line too long";
			return (PROTO_CLOSE);
		case LB_LINE:
			break;
		}
		i += u;
		st = line(d, d->lb.line.data, d->lb.line.len, req, out, why);
		/* a request points into the exchange, not into the line */
		buf_wipe(&d->lb.line);
		lb_consumed(&d->lb);
		if (st != PROTO_MORE) {
			*used = i;
			return (st);
		}
	}
	*used = n;
	return (PROTO_MORE);
}

static enum proto_status
dovecot_reply(void *arg, const struct pfx_result *res, struct buf *out)
{
	struct dovecot *d = arg;
	struct exch *x = d->cur;
	const struct sasl_mech *m;
	const char *name;
	size_t	 len;

	d->cur = NULL;
	if (x == NULL || x->id == 0)
		return (PROTO_MORE);
	m = &sasl_mechs[x->sx.mech];
	buf_wipe(&x->sx.secret);
	switch (res->verdict) {
	case PFX_FOUND:
		name = res->value.len > 0 ? res->value.data : x->sx.user.data;
		len = res->value.len > 0 ? res->value.len : x->sx.user.len;
		if (!sasl_name_ok(name, len)) {
			/* the backend's account name would break the line */
			(void)fail(x, x->id, "Authentication backend error",
			    out);
			return (PROTO_MORE);
		}
		(void)buf_printf(out, "OK\t%lu\tuser=", x->id);
		(void)buf_append(out, name, len);
		(void)buf_putc(out, '\n');
		exch_drop(x);
		return (PROTO_MORE);
	case PFX_NOTFOUND:
		if (m->error_challenge != NULL) {
			/* RFC 7628 3.2.2: the client answers, then FAIL */
			x->sx.token_failed = 1;
			(void)cont(d, x->id, m->error_challenge,
			    strlen(m->error_challenge), out);
			return (PROTO_MORE);
		}
		(void)fail(x, x->id, res->reason.len > 0 &&
		    sasl_name_ok(res->reason.data, res->reason.len) ?
		    res->reason.data : NULL, out);
		return (PROTO_MORE);
	case PFX_TEMPFAIL:
	case PFX_TIMEOUT:
	case PFX_PERMFAIL:
		break;
	}
	if (d->o.temp_fail_closes) {
		/* Postfix: "454 4.7.0 Temporary authentication failure" */
		exch_drop(x);
		return (PROTO_CLOSE);
	}
	(void)buf_printf(out, "FAIL\t%lu\tcode=temp_fail", x->id);
	if (sasl_name_ok(x->sx.user.data, x->sx.user.len))
		(void)buf_printf(out, "\tuser=%s", x->sx.user.data);
	(void)buf_puts(out, "\treason=Temporary authentication failure\n");
	exch_drop(x);
	return (PROTO_MORE);
}

static int
dovecot_in_progress(const void *arg)
{
	const struct dovecot *d = arg;
	size_t	 i;

	if (d->cur != NULL || lb_in_progress(&d->lb))
		return (1);
	for (i = 0; i < DOVECOT_MAX_PENDING; i++)
		if (d->x[i].id != 0)
			return (1);
	return (0);
}

const struct proto_ops proto_dovecot = {
	.name = "sasl",
	.create = dovecot_create,
	.destroy = dovecot_destroy,
	.greet = dovecot_greet,
	.feed = dovecot_feed,
	.reply = dovecot_reply,
	.in_progress = dovecot_in_progress,
};
