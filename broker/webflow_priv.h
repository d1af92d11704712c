/*
 * webflow_priv.h: what the webflow files share: the module state, the
 * context of one API request (parked on the directory while it waits), and
 * the common checks every handler makes (Origin, JSON body, session).
 */
#ifndef LATCHKEY_WEBFLOW_PRIV_H
#define LATCHKEY_WEBFLOW_PRIV_H

#include <netinet/in.h>

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "passkey.h"
#include "session.h"
#include "store.h"
#include "tap.h"
#include "webauthn.h"

struct evhttp_request;
struct ceremony;

#define WF_USERNAME_MAX		256	/* bytes of a user name in a request */
#define WF_CODE_MAX		(TAP_LEN_MAX * 2)	/* a TAP code with blanks and dashes */
#define WF_LABEL_MAX		64	/* characters of a passkey label */
#define WF_CEREMONY_MAX		64	/* bytes of a ceremony id in a request */
#define WF_LASTUSED_GRAIN	3600	/* lastUsed moves by less: no write (ARCHITECTURE §3) */
#define WF_TIMEOUT_MS		300000	/* the timeout hint in the options */
#define WF_HANDLE_LEN		32	/* a new user handle: random bytes, never PII */
#define WF_PASSKEYS_MAX		100	/* passkeys one user may hold */

struct webflow {
	struct event_base		*base;
	struct http			*http;
	struct store			*store;
	const struct conf		*conf;
	const struct attest_trust	*trust;
	unsigned char			 tap_key[TAP_KEY_LEN];
	int				 has_tap_key;
};

/* One API request between its arrival and its answer. */
struct wf_req {
	struct webflow		*wf;
	struct evhttp_request	*req;
	uint64_t		 op;		/* store operation in flight; 0: none */
	int			 parked;
	int			 gone;		/* the client left; the pending callback frees */
	int			 retried;	/* a delete-and-add conflict was retried once */
	int			 step;		/* handler's own progress */
	char			 client[INET6_ADDRSTRLEN];
	json_t			*body;
	/* Copied from the session at arrival: the session may end meanwhile. */
	char			 sid[SESSION_ID_LEN + 1];
	enum session_scope	 scope;
	char			*user;
	char			*dn;
	char			*assurance;
	char			*passkey_id;	/* base64url id of the passkey the session signed in with */
	time_t			 expires;	/* the session's absolute end */
	/* Per handler. */
	char			*code;		/* TAP code: wiped on free */
	char			*label;
	int			 confirm;
	struct ceremony		*cer;
	struct tap		*tap;		/* the user's pass as read */
	char			*old_val;	/* the directory value a delete-and-add replaces */
	struct passkey		*pk;		/* the new or updated record */
	struct wa_assertion	*as;
	unsigned char		*cred_id;	/* raw credential id of the request */
	size_t			 cred_idlen;
	unsigned char		 handle[64];	/* the user handle (WebAuthn §5.4.3: at most 64 bytes) */
	size_t			 handlelen;
	json_t			*out;		/* an answer being built */
};

/* webflow.c */
extern const int	 wf_algs[];	/* pubKeyCredParams, and what the verifier accepts */
extern const size_t	 wf_nalgs;
struct wf_req	*wf_req_new(struct webflow *, struct evhttp_request *);
void		 wf_req_free(struct wf_req *);
/* Parks the request (once) on operation op; a store call that returns 0 still calls back. */
void		 wf_wait(struct wf_req *, uint64_t op);
/* At the start of every store callback: 1 if the client left (r is freed then). */
int		 wf_arrived(struct wf_req *);
/*
 * The rules of every state-changing request: Origin among ours (403),
 * application/json (415), a JSON object of bounded size (413, 400).
 * Returns the body, or NULL after replying.
 */
json_t		*wf_body(struct webflow *, struct evhttp_request *);
/* A string member: NULL and 400 when required and missing, not a string or longer than max. */
int		 wf_str(struct evhttp_request *, json_t *, const char *key, size_t max,
		    int required, const char **out);
/* The session of the request with at least scope (FULL: full only); NULL after a 401. */
struct session	*wf_session(struct evhttp_request *, int full_only);
/* Copies what the handler needs of the session into r. */
void		 wf_req_session(struct wf_req *, const struct session *);
void		 wf_reply(struct wf_req *, int status, json_t *);
void		 wf_error(struct wf_req *, int status, const char *code, const char *message);
/* A directory failure: 503 for an outage, 500 otherwise; logged. */
void		 wf_store_error(struct wf_req *, enum store_err, const char *what);
/* Whether the request came over TLS (the cookie is Secure then). */
int		 wf_secure(struct evhttp_request *);
/* The verifier's policy from the configuration. */
void		 wf_policy(const struct webflow *, struct wa_policy *);
/* The decoded record of u whose credential id is id, and its index; NULL if none. */
struct passkey	*wf_find_passkey(const struct store_user *, const unsigned char *id, size_t len,
		    size_t *idx);
/* A passkey as the API shows it. */
json_t		*wf_passkey_json(const struct passkey *);
/* Whether a label is acceptable (at most WF_LABEL_MAX characters, no control characters). */
int		 wf_label_ok(const char *);
char		*wf_time(time_t);

/* webflow_pages.c: a GET route for each embedded page and asset. */
void	 webflow_pages_init(struct webflow *);

/* The handlers, one file each. */
void	 wf_tap_redeem(struct evhttp_request *, void *);
void	 wf_register_begin(struct evhttp_request *, void *);
void	 wf_register_finish(struct evhttp_request *, void *);
void	 wf_signin_begin(struct evhttp_request *, void *);
void	 wf_signin_finish(struct evhttp_request *, void *);
void	 wf_me(struct evhttp_request *, void *);
void	 wf_me_passkey(struct evhttp_request *, void *);

#endif
