/*
 * codec.h - drive a struct proto_ops codec the way serve.c does
 *
 * The input is fed in pieces of at most `step` bytes.  Each request is
 * described into `ev` by the test's describe() and answered with the
 * result its answer() chooses; "C" marks PROTO_CLOSE (the run stops
 * there) and "..." an input that ends inside a request.  Every reply the
 * codec writes is collected in `out`.
 */
#ifndef CODEC_H
#define CODEC_H

#include <stdint.h>

#include "proto.h"
#include "t.h"

typedef void (*describe_fn)(const struct pfx_req *, struct buf *ev);
typedef void (*answer_fn)(const struct pfx_req *, struct pfx_result *);

static const size_t steps[] = { SIZE_MAX, 1, 2, 7 };
static const char *const step_names[] = {
	"whole", "byte by byte", "2-byte pieces", "7-byte pieces",
};
#define NSTEPS	(sizeof(steps) / sizeof(steps[0]))

static inline void
run_codec(const struct proto_ops *ops, const struct proto_opts *po,
    const char *in, size_t len, size_t step, describe_fn describe,
    answer_fn answer, struct buf *ev, struct buf *out)
{
	struct pfx_result res;
	struct pfx_req req;
	enum proto_status ps;
	const char *why;
	size_t	 off = 0, n, used;
	void	*st = ops->create(po);

	result_init(&res, 1 << 20);
	buf_reset(ev);
	buf_reset(out);
	while (off < len) {
		n = len - off < step ? len - off : step;
		while (n > 0) {
			used = 0;
			why = NULL;
			ps = ops->feed(st, in + off, n, &used, &req, out, &why);
			/* MORE eats everything; progress; CLOSE says why */
			if (used > n || (ps == PROTO_MORE && used != n) ||
			    (ps != PROTO_MORE && ps != PROTO_CLOSE &&
			    used == 0) || (ps == PROTO_CLOSE && why == NULL)) {
				(void)buf_puts(ev, "?bad-feed");
				goto done;
			}
			off += used;
			n -= used;
			if (ps == PROTO_REQUEST) {
				describe(&req, ev);
				answer(&req, &res);
				/* a reply may close (a SASL temporary failure) */
				switch (ops->reply(st, &res, out)) {
				case PROTO_MORE:
					break;
				case PROTO_CLOSE:
					(void)buf_puts(ev, "C");
					goto done;
				default:
					(void)buf_puts(ev, "?bad-reply");
					goto done;
				}
			} else if (ps == PROTO_CLOSE) {
				(void)buf_puts(ev, "C");
				goto done;
			}
		}
	}
	if (ops->in_progress(st))
		(void)buf_puts(ev, "...");
done:
	result_free(&res);
	ops->destroy(st);
}

/* check_codec - run a case at every step size; all must agree */

static inline void
check_codec(const char *name, const struct proto_ops *ops,
    const struct proto_opts *po, const char *in, size_t len,
    describe_fn describe, answer_fn answer, const char *want_ev,
    const char *want_out, size_t want_outlen)
{
	struct buf ev, out;
	size_t	 s;

	buf_init(&ev, BUF_UNLIMITED);
	buf_init(&out, BUF_UNLIMITED);
	for (s = 0; s < NSTEPS; s++) {
		run_codec(ops, po, in, len, steps[s], describe, answer, &ev,
		    &out);
		is_str(buf_str(&ev), want_ev, "%s: events (%s)", name,
		    step_names[s]);
		is_mem(buf_str(&out), out.len, want_out, want_outlen,
		    "%s: output (%s)", name, step_names[s]);
	}
	buf_free(&ev);
	buf_free(&out);
}

/* check_reply - encode one result with a fresh codec */

static inline void
check_reply(const char *name, const struct proto_ops *ops,
    const struct proto_opts *po, enum pfx_verdict v, const char *text,
    size_t textlen, const char *want, size_t wantlen)
{
	struct pfx_result res;
	struct buf out;
	void	*st = ops->create(po);

	result_init(&res, 1 << 20);
	res.verdict = v;
	(void)buf_append(result_text(&res), text, textlen);
	buf_init(&out, BUF_UNLIMITED);
	(void)ops->reply(st, &res, &out);
	is_mem(buf_str(&out), out.len, want, wantlen, "reply: %s", name);
	buf_free(&out);
	result_free(&res);
	ops->destroy(st);
}

/*
 * Case tables: whole conversations (check_codec) and single replies
 * (check_reply), with W("...") for the byte strings.
 */
struct codec_case {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*events;
	const char	*out;
	size_t		 outlen;
};

struct reply_case {
	const char	*name;
	enum pfx_verdict v;
	const char	*text;
	size_t		 textlen;
	const char	*want;
	size_t		 wantlen;
};

/* answer_key - answer FOUND with the request's key */

static inline void
answer_key(const struct pfx_req *req, struct pfx_result *res)
{
	const char *key;
	size_t	 len;

	res->verdict = PFX_FOUND;
	buf_reset(&res->value);
	if ((key = pfx_req_get(req, "key", &len)) != NULL)
		(void)buf_append(&res->value, key, len);
}

/*
 * check_tables - the codec is registered as proto_name, then every
 * conversation at every step size and every single reply
 */
static inline void
check_tables(const char *proto_name, const struct proto_ops *ops,
    const struct proto_opts *po, const struct codec_case *cases,
    size_t ncases, describe_fn describe, answer_fn answer,
    const struct reply_case *replies, size_t nreplies)
{
	size_t	 i;

	ok(strcmp(ops->name, proto_name) == 0, "named %s", proto_name);
	for (i = 0; i < ncases; i++)
		check_codec(cases[i].name, ops, po, cases[i].in, cases[i].len,
		    describe, answer, cases[i].events, cases[i].out,
		    cases[i].outlen);
	for (i = 0; i < nreplies; i++)
		check_reply(replies[i].name, ops, po, replies[i].v,
		    replies[i].text, replies[i].textlen, replies[i].want,
		    replies[i].wantlen);
}

#endif
