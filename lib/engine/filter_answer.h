/*
 * filter_answer.h - an HTTP verdict on a message (smtp_filters target)
 */
#ifndef PFX_FILTER_ANSWER_H
#define PFX_FILTER_ANSWER_H

#include "conf.h"
#include "http.h"
#include "verdict.h"

/*
 * filter_answer - the backend's answer: FOUND accepts (value: the
 * replacement message, or empty), NOTFOUND refuses with reason as the
 * SMTP reply (4xx or 5xx), anything else is a failure of the verdict
 */
void	 filter_answer(const struct conf_entry *, const struct http_response *,
	    int answered, struct pfx_result *);

#endif
