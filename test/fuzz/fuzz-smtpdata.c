/*
 * fuzz-smtpdata.c - dot-stuffing and line ends, both ways
 *
 * The input is a file a filter could write as a replacement, fed in
 * pieces whose sizes the first byte picks.  Stuffed, it must be safe
 * SMTP content: every LF after a CR, no line that is "." alone (that
 * would end the message early and turn the rest into commands), and a
 * line end at the end.  Unstuffed again, it must be the file with its
 * CRLFs made LF and a last line end added: nothing lost, nothing added.
 */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "fuzz.h"
#include "smtpdata.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtpdata sd;
	struct buf wire, back, want;
	const char *p = (const char *)data + 1;
	size_t	 n, off, step, i;

	if (size == 0)
		return (0);
	step = 1 + data[0] % 17;
	n = size - 1;
	buf_init(&wire, BUF_UNLIMITED);
	buf_init(&back, BUF_UNLIMITED);
	buf_init(&want, BUF_UNLIMITED);
	smtpdata_init(&sd);
	for (off = 0; off < n; off += step)
		CHECK(smtpdata_stuff(&sd, p + off, n - off < step ? n - off :
		    step, &wire) == PFX_OK);
	CHECK(smtpdata_stuff_end(&sd, &wire) == PFX_OK);
	for (i = 0; i < wire.len; i++)
		if (wire.data[i] == '\n')
			CHECK(i > 0 && wire.data[i - 1] == '\r');
	CHECK(wire.len == 0 || (wire.len >= 2 &&
	    memcmp(wire.data + wire.len - 2, "\r\n", 2) == 0));
	CHECK(!(wire.len >= 3 && memcmp(wire.data, ".\r\n", 3) == 0));
	for (i = 0; i + 5 <= wire.len; i++)
		CHECK(memcmp(wire.data + i, "\r\n.\r\n", 5) != 0);

	/* the way back: CRLF as LF, and the last line ended */
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')
			continue;
		CHECK(buf_putc(&want, p[i]) == PFX_OK);
	}
	if (want.len > 0 && want.data[want.len - 1] != '\n')
		CHECK(buf_putc(&want, '\n') == PFX_OK);
	if (want.len >= 2 && want.data[want.len - 1] == '\n' &&
	    want.data[want.len - 2] == '\r' && n > 0 && p[n - 1] == '\r')
		/* a file ending in a bare CR: the CR and our LF are a CRLF */
		buf_truncate(&want, want.len - 2), (void)buf_putc(&want, '\n');
	smtpdata_init(&sd);
	for (off = 0; off < wire.len; off += step)
		CHECK(smtpdata_unstuff(&sd, wire.data + off, wire.len - off <
		    step ? wire.len - off : step, &back) == PFX_OK);
	CHECK(smtpdata_unstuff_end(&sd, &back) == PFX_OK);
	CHECK(back.len == want.len && (back.len == 0 || memcmp(back.data,
	    want.data, back.len) == 0));
	buf_free(&wire);
	buf_free(&back);
	buf_free(&want);
	return (0);
}
