/*
 * nssfail.c - an LD_PRELOAD shim for tokend-peercred.sh: while the file
 * named by NSSFAIL_FLAG exists, getpwnam() and getgrnam() fail as they
 * do when the user directory (LDAP, sssd) is briefly unreachable
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

static int
failing(void)
{
	const char *flag = getenv("NSSFAIL_FLAG");

	return (flag != NULL && access(flag, F_OK) == 0);
}

struct passwd *
getpwnam(const char *name)
{
	struct passwd *(*real)(const char *);

	if (failing()) {
		errno = EIO;
		return (NULL);
	}
	*(void **)&real = dlsym(RTLD_NEXT, "getpwnam");
	return (real(name));
}

struct group *
getgrnam(const char *name)
{
	struct group *(*real)(const char *);

	if (failing()) {
		errno = EIO;
		return (NULL);
	}
	*(void **)&real = dlsym(RTLD_NEXT, "getgrnam");
	return (real(name));
}
