/*
 * fuzz-policy.c - the SMTPD policy delegation codec
 *
 * The input is what smtpd writes to a policy server: name=value lines,
 * each request ended by an empty line.  A reply is exactly
 * "action=<text>\n\n" with one line of printable UTF-8 as text: the
 * backend's answer if it is such a line, else DUNNO (not found) or the
 * default action.  Decoded attributes are unique, non-empty names
 * without '=', and values without NUL or LF.
 */
#include <string.h>

#include "fuzz-proto.h"

#define POLICY_MAX_ATTRS	128

/*
 * pol_model - the attributes the block should give: one per distinct
 * name, in order of first appearance, with the value of the last line
 * (the lines were already checked by the codec, so they are well formed)
 */
static void
pol_model(const struct pfx_req *req, const char *blk, size_t n)
{
	const char *line, *nl, *eq;
	const char *names[POLICY_MAX_ATTRS], *vals[POLICY_MAX_ATTRS];
	size_t	 nlen[POLICY_MAX_ATTRS], vlen[POLICY_MAX_ATTRS];
	size_t	 k = 0, i, len;

	CHECK(n >= 2 && blk[n - 1] == '\n');
	for (line = blk; line < blk + n; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(blk + n - line));
		CHECK(nl != NULL);
		len = (size_t)(nl - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0) {
			CHECK(nl == blk + n - 1);	/* the end */
			break;
		}
		eq = memchr(line, '=', len);
		CHECK(eq != NULL && eq > line);
		for (i = 0; i < k; i++)
			if (nlen[i] == (size_t)(eq - line) &&
			    memcmp(names[i], line, nlen[i]) == 0)
				break;
		CHECK(i < POLICY_MAX_ATTRS);
		if (i == k) {
			names[k] = line;
			nlen[k++] = (size_t)(eq - line);
		}
		vals[i] = eq + 1;
		vlen[i] = len - nlen[i] - 1;
	}
	CHECK(k == req->nattrs);
	for (i = 0; i < k; i++) {
		CHECK(strlen(req->attrs[i].name) == nlen[i] &&
		    memcmp(req->attrs[i].name, names[i], nlen[i]) == 0);
		CHECK(req->attrs[i].valuelen == vlen[i] &&
		    memcmp(req->attrs[i].value, vals[i], vlen[i]) == 0);
	}
}

static void
pol_check_req(const struct fz_codec *c, const struct pfx_req *req,
    const char *blk, size_t n)
{
	const struct pfx_attr *a;
	size_t	 i, j, total = 0;

	CHECK(req->attrs != NULL && req->flags == 0);
	CHECK(req->nattrs >= 1 && req->nattrs <= POLICY_MAX_ATTRS);
	for (i = 0; i < req->nattrs; i++) {
		a = &req->attrs[i];
		CHECK(a->name != NULL && a->value != NULL);
		CHECK(a->name[0] != '\0');
		CHECK(strchr(a->name, '=') == NULL);
		CHECK(strchr(a->name, '\n') == NULL);
		CHECK(strlen(a->value) == a->valuelen);
		CHECK(memchr(a->value, '\n', a->valuelen) == NULL);
		for (j = 0; j < i; j++)
			CHECK(strcmp(a->name, req->attrs[j].name) != 0);
		if (strcmp(a->name, "request") == 0)
			CHECK(strcmp(a->value, "smtpd_access_policy") == 0);
		total += strlen(a->name) + 1 + a->valuelen;
	}
	CHECK(total <= c->opts.max_request);
	pol_model(req, blk, n);
}

static void
pol_check_own(const struct fz_codec *c, enum proto_status ps, const char *p,
    size_t n)
{
	(void)c;
	if (ps == PROTO_CLOSE)
		CHECK(n == 0);		/* "log a warning and disconnect" */
	else
		CHECK(n == 14 && memcmp(p, "action=DUNNO\n\n", 14) == 0);
}

static void
pol_check_reply(const struct fz_codec *c, const struct pfx_result *res,
    const char *p, size_t n)
{
	const char *act;
	size_t	 len;

	CHECK(n > 9 && memcmp(p, "action=", 7) == 0);
	CHECK(p[n - 2] == '\n' && p[n - 1] == '\n');
	act = p + 7;
	len = n - 9;
	CHECK(memchr(act, '\n', len) == NULL);
	CHECK(memchr(act, '\r', len) == NULL);
	CHECK(memchr(act, '\0', len) == NULL);
	CHECK(policy_action_ok(act, len));
	if (res->verdict == PFX_FOUND &&
	    policy_action_ok(res->value.data, res->value.len))
		CHECK(len == res->value.len &&
		    memcmp(act, res->value.data, len) == 0);
	else if (res->verdict == PFX_NOTFOUND)
		CHECK(len == 5 && memcmp(act, "DUNNO", 5) == 0);
	else
		CHECK(len == strlen(c->opts.default_action) &&
		    memcmp(act, c->opts.default_action, len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_codec c;
	size_t	 i;
	int	 ok;

	fz_limits(&c, data, size);
	c.ops = &proto_policy;
	c.check_req = pol_check_req;
	c.check_own = pol_check_own;
	c.check_reply = pol_check_reply;
	fz_run(&c);
	/* policy_action_ok never accepts a line break or a control byte
	 * but the tab, which forges nothing in a policy reply */
	ok = policy_action_ok((const char *)data, size);
	for (i = 0; ok && i < size; i++)
		CHECK((data[i] >= 0x20 && data[i] != 0x7f) || data[i] == '\t');
	CHECK(!ok || size > 0);
	return (0);
}
