/*
 * netstring.c - netstring framing (socketmap_table(5), tokend messages)
 *
 * LIMITS
 *	The length field is capped at NS_MAX_DIGITS digits, so the declared
 *	length always fits; over-limit payloads are skipped, never buffered.
 *
 * SEE ALSO
 *	Postfix src/util/netstring.c (the client side we must agree with)
 */
#include "err.h"
#include "netstring.h"

void
ns_init(struct ns_dec *d, size_t max)
{
	buf_init(&d->payload, max);
	ns_reset(d);
}

void
ns_reset(struct ns_dec *d)
{
	d->state = NS_LEN;
	d->want = d->seen = 0;
	d->ndigits = 0;
	d->toobig = 0;
	buf_reset(&d->payload);
}

void
ns_free(struct ns_dec *d)
{
	buf_free(&d->payload);
}

/* ns_in_progress - has part of a netstring been consumed? */

int
ns_in_progress(const struct ns_dec *d)
{
	return (d->state != NS_LEN || d->ndigits != 0);
}

/*
 * ns_feed - consume input until one netstring is complete.  *used says
 * how much was consumed; *done is set when a netstring is complete.
 */
int
ns_feed(struct ns_dec *d, const char *p, size_t n, size_t *used, int *done)
{
	size_t	 i = 0;
	unsigned long long take;
	int	 r;

	*done = 0;
	while (i < n && d->state != NS_DONE) {
		switch (d->state) {
		case NS_LEN:
			if (p[i] == ':') {
				if (d->ndigits == 0)
					goto proto;
				d->state = d->want > 0 ? NS_DATA : NS_COMMA;
				d->toobig = d->want > d->payload.max;
			} else if (p[i] >= '0' && p[i] <= '9') {
				if (++d->ndigits > NS_MAX_DIGITS)
					goto proto;
				d->want = d->want * 10 + (unsigned)(p[i] - '0');
			} else
				goto proto;
			i++;
			break;
		case NS_DATA:
			take = d->want - d->seen;
			if (take > n - i)
				take = n - i;
			if (!d->toobig && (r = buf_append(&d->payload, p + i,
			    (size_t)take)) != PFX_OK)
				return (r);
			d->seen += take;
			i += (size_t)take;
			if (d->seen == d->want)
				d->state = NS_COMMA;
			break;
		case NS_COMMA:
			if (p[i++] != ',')
				goto proto;
			d->state = NS_DONE;
			break;
		case NS_DONE:
			break;
		}
	}
	*used = i;
	*done = d->state == NS_DONE;
	return (PFX_OK);
proto:
	*used = i;
	return (PFX_EPROTO);
}

int
ns_encode(struct buf *out, const char *p, size_t n)
{
	char	 len[24];	/* "%zu:" without printf: keys are made of these */
	size_t	 i = sizeof(len), v = n;
	int	 r;

	len[--i] = ':';
	do
		len[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if ((r = buf_append(out, len + i, sizeof(len) - i)) != PFX_OK ||
	    (r = buf_append(out, p, n)) != PFX_OK ||
	    (r = buf_putc(out, ',')) != PFX_OK)
		return (r);
	return (PFX_OK);
}
