/*
 * fuzz-tokproto.c - pfxhttp-tokend messages: frames and fields
 *
 * The input is a byte stream to or from pfxhttp-tokend: netstring
 * frames whose payloads are netstring fields, the first one "PFXTOK1".
 * Frames are decoded as server.c and tokclient.c do (payloads end in a
 * NUL, as struct buf guarantees).  Every parsed message must have 1 to
 * TOK_MAX_FIELDS fields inside the frame, and encoding it again must
 * give a frame that parses to the same fields.  A LOOKUP's layout
 * (tok_lookup_split) must point inside the message: the request id
 * within its field, the attributes in whole pairs.
 */
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "netstring.h"
#include "rid.h"
#include "tokproto.h"

static void
check_msg(const char *p, size_t n)
{
	struct tok_msg m, m2;
	struct buf out;
	struct ns_dec d;
	const char *rid;
	size_t	 i, used, first, ridlen;
	int	 done;

	if (tok_parse(p, n, &m) != PFX_OK)
		return;
	CHECK(m.n >= 1 && m.n <= TOK_MAX_FIELDS);
	for (i = 0; i < m.n; i++) {
		CHECK(m.f[i] >= p && m.f[i] + m.len[i] <= p + n);
		CHECK(m.f[i][m.len[i]] == ',');
	}
	CHECK(tok_is(&m, 0, "") == (m.len[0] == 0));

	/* LOOKUP and EXPLAIN: [rid=ID] then whole attribute pairs */
	if (tok_lookup_split(&m, &first, &rid, &ridlen) == PFX_OK) {
		CHECK(m.n >= 5 && (first == 5 || first == 6));
		CHECK((m.n - first) % 2 == 0);
		CHECK((rid == NULL) == (first == 5));
		if (rid != NULL) {
			CHECK(rid == m.f[5] + 4 && ridlen == m.len[5] - 4);
			/* a valid id is one a header and a log can take */
			if (rid_valid(rid, ridlen))
				for (i = 0; i < ridlen; i++)
					CHECK(rid[i] > ' ' && rid[i] < 0x7f &&
					    rid[i] != ':');
		}
	} else
		CHECK(m.n < 5 || ((m.n - 5) % 2 == 1 && (m.len[5] < 4 ||
		    memcmp(m.f[5], "rid=", 4) != 0)));

	/* round trip: encode, frame-decode, parse */
	buf_init(&out, TOK_MAX_MSG + 64);
	CHECK(tok_encode(&out, &m) == PFX_OK);
	ns_init(&d, TOK_MAX_MSG);
	CHECK(ns_feed(&d, out.data, out.len, &used, &done) == PFX_OK);
	CHECK(done && used == out.len && !d.toobig);
	CHECK(tok_parse(buf_str(&d.payload), d.payload.len, &m2) == PFX_OK);
	CHECK(m2.n == m.n);
	for (i = 0; i < m.n; i++)
		CHECK(m2.len[i] == m.len[i] &&
		    memcmp(m2.f[i], m.f[i], m.len[i]) == 0);
	ns_free(&d);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ns_dec d;
	struct buf whole;
	size_t	 off = 0, used;
	int	 done;

	/* the whole input as one frame payload */
	buf_init(&whole, BUF_UNLIMITED);
	CHECK(buf_append(&whole, data, size) == PFX_OK);
	check_msg(buf_str(&whole), whole.len);
	buf_free(&whole);

	/* the input as a stream of frames */
	ns_init(&d, TOK_MAX_MSG);
	while (off < size) {
		if (ns_feed(&d, in + off, size - off, &used, &done) != PFX_OK)
			break;
		CHECK(used <= size - off);
		off += used;
		if (!done)
			break;
		if (!d.toobig)
			check_msg(buf_str(&d.payload), d.payload.len);
		ns_reset(&d);
	}
	ns_free(&d);
	return (0);
}
