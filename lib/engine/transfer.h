/*
 * transfer.h - one backend HTTP exchange on a reusable libcurl handle
 *
 * The same steps serve both callers: pfxhttp-spawn's direct path runs
 * the handle with curl_easy_perform(), pfxhttp-tokend's engine adds it
 * to its one multi handle.  transfer_prepare() sets what differs per
 * request; transfer_finish() turns curl's outcome into a status or a
 * failure class.
 */
#ifndef PFX_TRANSFER_H
#define PFX_TRANSFER_H

#include <curl/curl.h>

#include "conf.h"
#include "http.h"

struct transfer {
	CURL		*h;
	struct http_response resp;
	unsigned char	*gz;		/* compressed request body */
	size_t		 gzcap, gzlen;
	struct curl_slist *extra;	/* Content-Encoding: gzip */
	void		*owner;		/* CURLOPT_PRIVATE */
	int		 upload_fd;	/* an upload's file, and how far */
	long long	 upload_off, upload_len;
};

/* transfer_init - PFX_OK, or PFX_EHTTP when libcurl cannot start */
int	 transfer_init(struct transfer *, const struct conf *, void *owner);
void	 transfer_free(struct transfer *);
/* transfer_prepare - options for this request; the request must live on */
int	 transfer_prepare(struct transfer *, const struct http_request *);
/* transfer_finish - PFX_OK with resp.status, else resp.failure is set */
int	 transfer_finish(struct transfer *, CURLcode);
/* transfer_perform - prepare, run to the end here, finish */
int	 transfer_perform(struct transfer *, const struct http_request *);

#endif
