/*
 * request.h - render one backend request (URL, body, headers)
 */
#ifndef PFX_REQUEST_H
#define PFX_REQUEST_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "http.h"
#include "proto.h"

struct curl_slist;

struct request {
	struct buf	 url;
	struct buf	 body;
	struct buf	 hdr;		/* scratch for one header line */
	struct buf	 attrjson;	/* policy: all attributes as JSON */
	struct curl_slist *headers;
};

/* the largest request body: a policy request's attributes, as JSON */
#define REQUEST_MAX_BODY	(2 * 1024 * 1024)

void	 request_init(struct request *, size_t max_body);
/* request_user_agent - the "User-Agent: ..." header line (allocated) */
char	*request_user_agent(const struct conf *);
/* request_build - PFX_OK, or an error when something does not fit */
int	 request_build(struct request *, const struct conf_entry *,
	    const struct pfx_req *, const char *user_agent_header,
	    const char *bearer);
/* request_payload - only the body (a check's request): PFX_OK or why not */
int	 request_payload(struct request *, const struct conf_entry *,
	    const struct pfx_req *);
/* request_http - the rendered request as libcurl is given it */
void	 request_http(const struct request *, const struct conf_entry *,
	    long long timeout_ms, struct http_request *);
/* request_clear - wipe what may hold credentials, drop the headers */
void	 request_clear(struct request *);
void	 request_free(struct request *);

#endif
