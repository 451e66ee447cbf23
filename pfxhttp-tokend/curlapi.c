/*
 * curlapi.c - dlopen() libcurl on first use
 *
 * The soname is the one the build linked against (CURL_SONAME, from
 * meson), so the ABI is the one the headers describe.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "curlapi.h"
#include "log.h"

struct curlapi capi;

static int	 loaded;

static const struct {
	const char	*name;
	size_t		 off;
} syms[] = {
	{ "curl_global_init", offsetof(struct curlapi, global_init) },
	{ "curl_easy_init", offsetof(struct curlapi, easy_init) },
	{ "curl_easy_setopt", offsetof(struct curlapi, easy_setopt) },
	{ "curl_easy_getinfo", offsetof(struct curlapi, easy_getinfo) },
	{ "curl_easy_cleanup", offsetof(struct curlapi, easy_cleanup) },
	{ "curl_easy_strerror", offsetof(struct curlapi, easy_strerror) },
	{ "curl_multi_init", offsetof(struct curlapi, multi_init) },
	{ "curl_multi_add_handle", offsetof(struct curlapi, multi_add_handle) },
	{ "curl_multi_remove_handle",
	    offsetof(struct curlapi, multi_remove_handle) },
	{ "curl_multi_perform", offsetof(struct curlapi, multi_perform) },
	{ "curl_multi_wait", offsetof(struct curlapi, multi_wait) },
	{ "curl_multi_info_read", offsetof(struct curlapi, multi_info_read) },
	{ "curl_multi_cleanup", offsetof(struct curlapi, multi_cleanup) },
	{ "curl_slist_append", offsetof(struct curlapi, slist_append) },
	{ "curl_slist_free_all", offsetof(struct curlapi, slist_free_all) },
};

int
curlapi_loaded(void)
{
	return (loaded);
}

int
curlapi_load(void)
{
	void	*h, *f;
	size_t	 i;

	if (loaded)
		return (0);
	if ((h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_errx("cannot load %s: %s", CURL_SONAME, dlerror());
		return (-1);
	}
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		if ((f = dlsym(h, syms[i].name)) == NULL) {
			log_errx("%s has no %s", CURL_SONAME, syms[i].name);
			return (-1);
		}
		*(void **)((char *)&capi + syms[i].off) = f;
	}
	if (capi.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_errx("cannot initialise libcurl");
		return (-1);
	}
	loaded = 1;
	return (0);
}
