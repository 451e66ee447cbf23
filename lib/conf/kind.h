/*
 * kind.h - one descriptor per protocol kind
 *
 * Everything that differs between socketmap, tcp_table and policy
 * delegation lives in that kind's descriptor (lib/conf/kind_*.c) and
 * nowhere else: the configuration section and spawn's command word,
 * the codec, the template variables, the default payload and GET query,
 * the keys only it accepts, the cache key, what is worth caching and
 * how its HTTP statuses map.  A new kind is a new descriptor file and a
 * row in kinds[] (kind.c).  The functions are pure.
 */
#ifndef PFX_KIND_H
#define PFX_KIND_H

#include <stddef.h>

#include "buf.h"
#include "proto.h"
#include "verdict.h"

struct conf_entry;

/* what to do with a backend's answer in the shared cache */
enum keep {
	KEEP_NONE,	/* not an answer to keep: leave the cache alone */
	KEEP_STORE,	/* a definitive positive: store it */
	KEEP_FORGET,	/* a definitive "nothing": drop any older positive */
};

struct kind {
	const char	*section;	/* "socket_maps" */
	const char	*word;		/* spawn's command word: "socketmap" */
	int		 takes_name;	/* spawn WORD NAME; else per request */
	int		 inet;		/* served on a TCP port: any local
					   user may query it */
	const struct proto_ops *codec;	/* NULL for a relay */
	int		 relay;		/* its own loop, not request/reply
					   (smtpfilter) */
	/* request attributes templates may name beside .Key and .Name */
	const char *const *attrs;
	unsigned int	 nattrs;
	int		 key_is_json;	/* .Key: every attribute, as JSON */
	/* the attribute whose value begins a request id (rid.h), or NULL */
	const char	*rid_attr;
	int		 secret;	/* requests hold secrets: never
					   logged, cached or shared */
	const char	*default_payload;
	const char	*default_action;	/* answer on failure, or NULL */
	const char *const *own_keys;	/* entry keys only this kind takes */
	/* entry keys this kind would ignore: refused, with why */
	const char *const *ignored_keys;
	const char	*ignored_why;
	/* attributes a request must send (or .Key, when it holds all) */
	const char *const *required_vars;
	const char	*content_type;	/* the body's; NULL: JSON */
	/* header templates every entry of the kind sends first */
	const char *const *extra_headers;
	const char	*what;		/* "lookup key", "request" */
	const char	*key_hint;	/* how a template sends it */
	/* query - postfix-rest-connector's GET parameters (after ? or &) */
	int		 (*query)(struct buf *, const struct conf_entry *,
			    const struct pfx_req *);
	/* cache_key - what identifies an answer, appended */
	int		 (*cache_key)(const struct conf_entry *,
			    const struct pfx_req *, struct buf *);
	enum keep	 (*keep)(const struct conf_entry *,
			    const struct pfx_result *);
	/* map_status - a status other than status_code: 1 if it set *res */
	int		 (*map_status)(const struct conf_entry *, long status,
			    struct pfx_result *);
	/*
	 * map_answer - when set, the whole answer is read from the status
	 * and the response headers named in response_headers (hdr[i] is
	 * the value of response_headers[i], NULL when absent); the body is
	 * not read
	 */
	const char *const *response_headers;
	void		 (*map_answer)(const struct conf_entry *, long status,
			    const char *const *hdr, struct pfx_result *);
};

#define KIND_MAX_RESPONSE_HEADERS	4

extern const struct kind kind_socketmap;
extern const struct kind kind_tcp;
extern const struct kind kind_policy;
extern const struct kind kind_sasl;
extern const struct kind kind_filter;

/* kinds - indexed by enum conf_kind */
extern const struct kind *const kinds[];

const struct kind *kind_by_section(const char *, size_t);
const struct kind *kind_by_word(const char *);
/* kind_index - the enum conf_kind of a descriptor */
int	 kind_index(const struct kind *);

/* helpers the descriptors share */
/* the default payload of a kind that looks up a name and a key */
#define KIND_KEY_PAYLOAD "{\"name\":\"{{ .Name }}\",\"key\":\"{{ .Key }}\"}"
int	 kind_key_query(struct buf *, const struct pfx_req *);
int	 kind_key_cache_key(const struct conf_entry *, const struct pfx_req *,
	    struct buf *);
enum keep kind_key_keep(const struct conf_entry *, const struct pfx_result *);
int	 kind_never_cache_key(const struct conf_entry *, const struct pfx_req *,
	    struct buf *);
enum keep kind_never_keep(const struct conf_entry *, const struct pfx_result *);

#endif
