/*
 * backend_check.c - the keys of a check backend (`command` instead of
 * `target`) and what they may hold; conf.c reports the problems found
 * here with file and line
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_check.h"

/* keys that shape an HTTP exchange: a check would silently ignore them */
const char *const check_ignored_keys[] = {
	"custom_headers", "auth_token",
	"http_auth_basic", "http_request_compression",
	"http_response_compression", "backend_oidc_auth",
	/* a program's failures are all temporary (pfxhttp.conf(5)) */
	"error_is_permanent",
	NULL,
};

const char *
check_mode_problem(const char *mode, int *exec)
{
	*exec = 0;
	if (mode == NULL || strcmp(mode, "persistent") == 0)
		return (NULL);
	if (strcmp(mode, "exec") == 0) {
		*exec = 1;
		return (NULL);
	}
	return ("command_mode must be \"persistent\" (a coprocess, one"
	    " request a line) or \"exec\" (a process per request)");
}

const char *
check_program_problem(const char *path, int *warn)
{
	struct stat st;

	*warn = 0;
	if (path == NULL || path[0] != '/')
		return ("command must start with an absolute path (it runs"
		    " without PATH, never through a shell)");
	/* it may be installed later; until then: temporary errors */
	*warn = 1;
	if (stat(path, &st) != 0)
		return (strerror(errno));
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
		return ("not an executable file");
	*warn = 0;
	if (st.st_mode & S_IWOTH)
		return ("the program is writable by anyone (chmod o-w)");
	return (NULL);
}

const char *
check_env_problem(const char *nv)
{
	size_t	 n = strcspn(nv, "=");

	if (nv[n] != '=' || n == 0 || strpbrk(nv, "\r\n") != NULL ||
	    strspn(nv, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != n || (nv[0] >= '0' && nv[0] <= '9'))
		return ("environment entries look like \"NAME=value\" (NAME:"
		    " letters, digits, _)");
	if ((n == 15 && strncmp(nv, "PFXHTTP_SECTION", 15) == 0) ||
	    (n == 12 && strncmp(nv, "PFXHTTP_NAME", 12) == 0))
		return ("PFXHTTP_SECTION and PFXHTTP_NAME are set by pfxhttp");
	return (NULL);
}
