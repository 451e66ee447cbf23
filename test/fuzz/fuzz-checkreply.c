/*
 * fuzz-checkreply.c - a check program's answer to a verdict (check.c)
 *
 * Input: "<value_field>\n<error_field>\n<S1><S2><stdout>".  An empty
 * field means "not configured".  The rest is read as one persistent
 * reply line (check_map_reply, up to its first newline as check_proc.c
 * frames it) and as an exec process's stdout with the wait status
 * S1 << 8 | S2 (check_map_exit).  The result must be something every
 * codec can send, and never permanent: a program's failure is always
 * temporary.
 */
#include <string.h>

#include "check.h"
#include "conf.h"
#include "fuzz-answer.h"
#include "jpath.h"
#include "verdict.h"

#define MAX_REPLY	512

static struct jpath *
compile(const char *s)
{
	const char *err = NULL;

	return (*s == '\0' ? NULL : jpath_compile(s, &err));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_entry e;
	struct pfx_result res;
	const uint8_t *nl;
	char	*vpath, *epath, *out;
	int	 st;

	vpath = fuzz_take_line(&data, &size);
	epath = fuzz_take_line(&data, &size);
	st = size >= 2 ? (data[0] << 8) | data[1] : 0;
	if (size >= 2) {
		data += 2;
		size -= 2;
	}
	/* as check_proc.c holds it: the bytes and a NUL */
	if ((out = malloc(size + 1)) == NULL)
		abort();
	memcpy(out, data, size);
	out[size] = '\0';
	memset(&e, 0, sizeof(e));
	e.kind = KIND_SOCKETMAP;
	e.name = (char *)"fuzz";
	e.status_code = 200;
	e.value_jp = compile(vpath);
	e.error_jp = compile(epath);

	result_init(&res, MAX_REPLY);
	nl = memchr(out, '\n', size);
	result_set(&res, PFX_FOUND, "stale");
	check_map_reply(&e, out, nl != NULL ? (size_t)(nl - (uint8_t *)out) :
	    size, &res);
	fuzz_check_result(&res, MAX_REPLY, FUZZ_NEVER_PERMANENT, 1);
	result_set(&res, PFX_FOUND, "stale");
	check_map_exit(&e, st, out, size, &res);
	fuzz_check_result(&res, MAX_REPLY, FUZZ_NEVER_PERMANENT, 1);
	if ((st & 0x7f) == 0 && ((st >> 8) & 0xff) == 1)
		CHECK(res.verdict == PFX_NOTFOUND);
	result_free(&res);
	jpath_free(e.value_jp);
	jpath_free(e.error_jp);
	free(out);
	free(vpath);
	free(epath);
	return (0);
}
