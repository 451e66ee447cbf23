/*
 * curlapi.h - libcurl, loaded only when a token has to be fetched
 *
 * pfxhttp-tokend without backend_oidc_auth entries is a cache daemon and
 * never needs HTTP; not mapping libcurl (and the TLS, SSH, LDAP and
 * Kerberos libraries it drags in) keeps its memory to the cache itself.
 */
#ifndef PFX_CURLAPI_H
#define PFX_CURLAPI_H

#include <curl/curl.h>

struct curlapi {
	CURLcode	 (*global_init)(long);
	CURL		*(*easy_init)(void);
	CURLcode	 (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	 (*easy_getinfo)(CURL *, CURLINFO, ...);
	void		 (*easy_cleanup)(CURL *);
	const char	*(*easy_strerror)(CURLcode);
	CURLM		*(*multi_init)(void);
	CURLMcode	 (*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	 (*multi_perform)(CURLM *, int *);
	CURLMcode	 (*multi_wait)(CURLM *, struct curl_waitfd *,
			    unsigned int, int, int *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	 (*multi_cleanup)(CURLM *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		 (*slist_free_all)(struct curl_slist *);
};

extern struct curlapi capi;

/* curlapi_load - 0 once libcurl is loaded and initialised, else -1 */
int	 curlapi_load(void);
int	 curlapi_loaded(void);

#endif
