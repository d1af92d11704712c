/*
 * webflow_priv.h: what the webflow files share: the module state, the
 * context of one API request (parked on the directory while it waits), and
 * the common checks every handler makes (Origin, JSON body, session).
 */
#ifndef LATCHKEY_WEBFLOW_PRIV_H
#define LATCHKEY_WEBFLOW_PRIV_H

#include <sys/queue.h>

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
struct policy;

#define WF_USERNAME_MAX		256	/* bytes of a user name in a request */
#define WF_CODE_MAX		(TAP_LEN_MAX * 2)	/* a TAP code with blanks and dashes */
#define WF_LABEL_MAX		64	/* characters of a passkey label */
#define WF_CEREMONY_MAX		64	/* bytes of a ceremony id in a request */
#define WF_LASTUSED_GRAIN	3600	/* lastUsed moves by less: no write (ARCHITECTURE §3) */
#define WF_TIMEOUT_MS		300000	/* the timeout hint in the options */
#define WF_HANDLE_LEN		32	/* a new user handle: random bytes, never PII */
#define WF_PASSKEYS_MAX		100	/* passkeys one user may hold */
/*
 * How long the policy entries read from the directory are used before they
 * are read again.  Short on purpose: tightening a profile takes effect
 * within this time at every node, for practical purposes at once, and one
 * search every two seconds costs the directory nothing.
 */
#define WF_POLICY_TTL_MS	2000

/* The policy as read once, shared by the requests that use it. */
struct wf_pol {
	struct policy		*p;
	int			 refs;
};

struct wf_req;
TAILQ_HEAD(wf_req_list, wf_req);

struct webflow {
	struct event_base		*base;
	struct http			*http;
	struct store			*store;
	const struct conf		*conf;
	const struct attest_trust	*trust;
	unsigned char			 tap_key[TAP_KEY_LEN];
	int				 has_tap_key;
	/* The policy cache: the last policy read, and the search in flight. */
	struct wf_pol			*pol;
	uint64_t			 pol_at;	/* ms: when the search that read it began */
	int				 pol_fetching;
	uint64_t			 pol_op;	/* its store operation; 0: could not start */
	uint64_t			 pol_began;	/* ms: when it began */
	unsigned int			 pol_gen;	/* bumped by a reload: older reads are not kept */
	unsigned int			 pol_op_gen;
	int				 closing;	/* freed by the search's callback */
	struct wf_req_list		 pol_waiters;
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
	/* The user and the policy, looked up in parallel (wf_user_policy). */
	struct wf_pol		*pol;		/* NULL until in, or if it could not be read */
	enum store_err		 pol_err;
	int			 pol_done;	/* the policy (or its failure) is in */
	int			 pol_wait;	/* on wf->pol_waiters */
	int			 user_pending;	/* the user lookup has not answered */
	store_user_cb		 ucb;
	enum store_err		 uerr;
	struct store_user	*ucopy;		/* the user, kept while the policy is read */
	TAILQ_ENTRY(wf_req)	 pol_entry;
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
struct wf_req	*wf_req_start(struct webflow *, struct evhttp_request *, int full_only);
/* Copies what the handler needs of the session into r. */
void		 wf_req_session(struct wf_req *, const struct session *);
void		 wf_reply(struct wf_req *, int status, json_t *);
void		 wf_error(struct wf_req *, int status, const char *code, const char *message);
/*
 * Looks the user up (by r->user, or by_credential by r->cred_id) and gets
 * the policy (cached for WF_POLICY_TTL_MS) at the same time; cb (which
 * starts with wf_arrived, as every store callback) runs once both are in,
 * with the user lookup's error, else the policy's.  Then r->pol->p is the
 * policy.  A retry on the same request reuses the policy it has.
 */
void		 wf_user_policy(struct wf_req *, int by_credential, store_user_cb cb);
/* The policy of a request whose wf_user_policy answered STORE_OK. */
#define WF_POLICY(r)	((const struct policy *)(r)->pol->p)
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
void	 wf_me_snooze(struct evhttp_request *, void *);
void	 wf_vpn_approve(struct evhttp_request *, void *);
void	 wf_vpn_pending(struct evhttp_request *, void *);

#endif
