/*
 * t.h - TAP helpers for the unit tests: ok(), is_mem(), is_str(), is_int()
 * and done_testing(), which prints the plan "1..N" last (TAP allows it).
 * While t_todo is set, a failure is marked "# TODO <t_todo>": a known bug,
 * reported without failing the suite.  A pass stays a plain pass, so the
 * fix needs no change to the test.
 */
#ifndef T_H
#define T_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define W(s)	s, sizeof(s) - 1	/* literal + length, embedded NULs OK */

static int t_n, t_failed;
static const char *t_todo;

__attribute__((format(printf, 2, 3)))
static inline int
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;

	printf("%sok %d - ", cond ? "" : "not ", ++t_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!cond && t_todo != NULL)
		printf(" # TODO %s", t_todo);
	putchar('\n');
	t_failed += !cond && t_todo == NULL;
	return (cond);
}

/* t_show - a TAP diagnostic line with the bytes made visible */
static inline void
t_show(const char *tag, const char *p, size_t n)
{
	size_t	 i;

	printf("#   %s: \"", tag);
	for (i = 0; i < n && i < 400; i++) {
		unsigned char c = (unsigned char)p[i];

		printf(c >= 0x20 && c < 0x7f && c != '\\' ? "%c" : "\\x%02x", c);
	}
	printf("\"%s (%zu bytes)\n", n > 400 ? "..." : "", n);
}

#define is_mem(got, gotlen, want, wantlen, ...) \
	t_is_mem((got), (gotlen), (want), (wantlen), __VA_ARGS__)
#define is_str(got, want, ...) \
	t_is_mem((got), strlen(got), (want), strlen(want), __VA_ARGS__)
#define is_int(got, want, ...) \
	t_is_int((long long)(got), (long long)(want), __VA_ARGS__)

__attribute__((format(printf, 5, 6)))
static inline int
t_is_mem(const char *got, size_t gl, const char *want, size_t wl,
    const char *fmt, ...)
{
	char	 name[512];
	va_list	 ap;
	int	 same = gl == wl && (gl == 0 || memcmp(got, want, gl) == 0);

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!ok(same, "%s", name)) {
		t_show("got ", got, gl);
		t_show("want", want, wl);
	}
	return (same);
}

__attribute__((format(printf, 3, 4)))
static inline int
t_is_int(long long got, long long want, const char *fmt, ...)
{
	char	 name[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (!ok(got == want, "%s", name))
		printf("#   got %lld, want %lld\n", got, want);
	return (got == want);
}

static inline int
done_testing(void)
{
	printf("1..%d\n", t_n);
	return (t_failed != 0);
}

#endif
