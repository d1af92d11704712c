/*
 * webflow.c: the user web flow's routes and what every handler shares:
 * the request context parked on the directory, the rules of a
 * state-changing request (our Origin, application/json, a bounded JSON
 * object), the session check, the verifier's policy, and sign-out.  The
 * handlers live in webflow_tap.c, webflow_register.c, webflow_signin.c,
 * webflow_me.c and webflow_vpn.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>

#include "attest.h"
#include "audit.h"
#include "ceremony.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "policy.h"
#include "util.h"
#include "webflow.h"
#include "webflow_priv.h"
#include "xmalloc.h"

static void	 wf_signout(struct evhttp_request *, void *);
static void	 wf_on_gone(void *);
static int	 wf_origin_ok(const struct webflow *, struct evhttp_request *);
static int	 wf_ctype_ok(const char *);
static void	 wf_peer(struct evhttp_request *, char *, size_t);
static void	 wf_pol_want(struct wf_req *);
static void	 wf_pol_fetch(struct webflow *);
static void	 wf_pol_on_search(enum store_err, const struct store_entry *, size_t, void *);
static struct wf_pol *wf_pol_ref(struct wf_pol *);
static void	 wf_pol_unref(struct wf_pol *);
static void	 wf_on_user_in(enum store_err, const struct store_user *, void *);
static void	 wf_join(struct wf_req *, enum store_err, const struct store_user *);
static struct store_user *wf_user_dup(const struct store_user *);
static void	 wf_user_free(struct store_user *);
static void	 wf_free_now(struct webflow *);

/* The entries the policy is made of, under latchkey_base. */
static const char wf_pol_filter[] = "(|(objectClass=latchkeyPasskeyProfile)"
    "(objectClass=latchkeyTapPolicy)(objectClass=latchkeyCampaignPolicy))";

static const struct http_route wf_routes[] = {
	{ .method = "POST", .path = "/api/v1/tap/redeem", .handler = wf_tap_redeem },
	{ .method = "POST", .path = "/api/v1/passkeys/register/begin", .handler = wf_register_begin },
	{ .method = "POST", .path = "/api/v1/passkeys/register/finish", .handler = wf_register_finish },
	{ .method = "POST", .path = "/api/v1/signin/begin", .handler = wf_signin_begin },
	{ .method = "POST", .path = "/api/v1/signin/finish", .handler = wf_signin_finish },
	{ .method = "POST", .path = "/api/v1/signout", .handler = wf_signout },
	{ .method = "GET", .path = "/api/v1/me", .handler = wf_me },
	{ .method = "PATCH", .path = "/api/v1/me/passkeys/*", .handler = wf_me_passkey },
	{ .method = "DELETE", .path = "/api/v1/me/passkeys/*", .handler = wf_me_passkey },
	{ .method = "POST", .path = "/api/v1/me/campaign/snooze", .handler = wf_me_snooze },
	{ .method = "POST", .path = "/api/v1/vpn/approve", .handler = wf_vpn_approve },
	{ .method = "GET", .path = "/api/v1/vpn/pending", .handler = wf_vpn_pending },
};

/* COSE algorithms offered, in the order of preference (WebAuthn §5.4.3): ES256, EdDSA, ES384, RS256. */
const int	 wf_algs[] = { -7, -8, -35, -257 };
const size_t	 wf_nalgs = sizeof(wf_algs) / sizeof(wf_algs[0]);

/*
 * Adds the API and page routes.  tap_key NULL: TAP redemption is off (the
 * key file could not be read); everything else works.
 */
struct webflow *
webflow_new(struct event_base *base, struct http *http, struct store *store,
    const struct conf *conf, const struct attest_trust *trust,
    const unsigned char tap_key[TAP_KEY_LEN])
{
	struct webflow	*wf;

	wf = xcalloc(1, sizeof(*wf));
	wf->base = base;
	wf->http = http;
	wf->store = store;
	wf->conf = conf;
	wf->trust = trust;
	TAILQ_INIT(&wf->pol_waiters);
	if (tap_key != NULL) {
		memcpy(wf->tap_key, tap_key, TAP_KEY_LEN);
		wf->has_tap_key = 1;
	}
	http_add_routes(http, wf_routes, sizeof(wf_routes) / sizeof(wf_routes[0]), wf);
	webflow_pages_init(wf);
	return (wf);
}

/* The configuration and trust the caller swapped in; the old ones are freed by the caller. */
void
webflow_reconf(struct webflow *wf, const struct conf *conf,
    const struct attest_trust *trust)
{
	wf->conf = conf;
	wf->trust = trust;
	/* The latchkey base may have moved: read the policy again. */
	wf_pol_unref(wf->pol);
	wf->pol = NULL;
	wf->pol_gen++;
}

/*
 * Parked requests have been told by http_free (gone) before this, so no
 * request waits for the policy any more.  A policy search that could not
 * start still calls back (from store_free): that callback frees then.
 */
void
webflow_free(struct webflow *wf)
{
	if (wf == NULL)
		return;
	if (wf->pol_fetching && wf->pol_op != 0) {
		store_cancel(wf->store, wf->pol_op);
		wf->pol_fetching = 0;
	}
	if (wf->pol_fetching) {
		wf->closing = 1;
		return;
	}
	wf_free_now(wf);
}

static void
wf_free_now(struct webflow *wf)
{
	wf_pol_unref(wf->pol);
	OPENSSL_cleanse(wf->tap_key, sizeof(wf->tap_key));
	free(wf);
}

/* A request context: the client's address for logs and audit lines. */
struct wf_req *
wf_req_new(struct webflow *wf, struct evhttp_request *req)
{
	struct wf_req	*r;

	r = xcalloc(1, sizeof(*r));
	r->wf = wf;
	r->req = req;
	wf_peer(req, r->client, sizeof(r->client));
	return (r);
}

void
wf_req_free(struct wf_req *r)
{
	if (r == NULL)
		return;
	if (r->pol_wait) {
		TAILQ_REMOVE(&r->wf->pol_waiters, r, pol_entry);
		r->pol_wait = 0;
	}
	wf_pol_unref(r->pol);
	wf_user_free(r->ucopy);
	json_decref(r->body);
	free(r->user);
	free(r->dn);
	free(r->assurance);
	free(r->passkey_id);
	if (r->code != NULL)
		freezero_x(r->code, strlen(r->code));
	free(r->label);
	ceremony_free(r->cer);
	tap_free(r->tap);
	free(r->old_val);
	passkey_free(r->pk);
	wa_assertion_free(r->as);
	free(r->cred_id);
	json_decref(r->out);
	free(r);
}

/* Waits for op; the request is parked the first time (STYLE 11). */
void
wf_wait(struct wf_req *r, uint64_t op)
{
	r->op = op;
	if (!r->parked) {
		http_park(r->req, wf_on_gone, r);
		r->parked = 1;
	}
}

/* Every store callback starts here: the operation is over; was the client gone? */
int
wf_arrived(struct wf_req *r)
{
	r->op = 0;
	if (r->gone) {
		wf_req_free(r);
		return (1);
	}
	return (0);
}

/* The client left: cancel the directory operation, or let its callback free. */
static void
wf_on_gone(void *arg)
{
	struct wf_req	*r = arg;

	if (r->op == 0 && r->pol_wait && !r->user_pending) {
		/* Only the policy is awaited: nothing of the store's refers to r. */
		wf_req_free(r);
		return;
	}
	if (r->pol_wait) {
		TAILQ_REMOVE(&r->wf->pol_waiters, r, pol_entry);
		r->pol_wait = 0;
	}
	if (r->op == 0) {
		/* An operation that failed to start still calls back once. */
		r->gone = 1;
		return;
	}
	store_cancel(r->wf->store, r->op);
	wf_req_free(r);
}

void
wf_reply(struct wf_req *r, int status, json_t *body)
{
	http_reply_json(r->req, status, body);
	wf_req_free(r);
}

void
wf_error(struct wf_req *r, int status, const char *code, const char *message)
{
	http_reply_error(r->req, status, code, message);
	wf_req_free(r);
}

void
wf_user_policy(struct wf_req *r, int by_credential, store_user_cb cb)
{
	uint64_t	 op;

	r->ucb = cb;
	r->user_pending = 1;
	if (by_credential)
		op = store_user_by_credential(r->wf->store, r->cred_id, r->cred_idlen,
		    wf_on_user_in, r);
	else
		op = store_user_by_name(r->wf->store, r->user, wf_on_user_in, r);
	wf_wait(r, op);
	wf_pol_want(r);
}

/* The user is in: go on if the policy is too, else keep a copy and wait. */
static void
wf_on_user_in(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req	*r = arg;

	r->user_pending = 0;
	if (wf_arrived(r))
		return;
	if (r->pol_done) {
		wf_join(r, err, u);
		return;
	}
	r->uerr = err;
	wf_user_free(r->ucopy);
	r->ucopy = err == STORE_OK ? wf_user_dup(u) : NULL;
}

/* Both are in: the handler's callback, with the first error that matters. */
static void
wf_join(struct wf_req *r, enum store_err uerr, const struct store_user *u)
{
	if (uerr == STORE_OK && r->pol == NULL)
		r->ucb(r->pol_err != STORE_OK ? r->pol_err : STORE_INVALID, NULL, r);
	else
		r->ucb(uerr, uerr == STORE_OK ? u : NULL, r);
}

/* The cached policy if it is fresh, else a place in the queue of the search. */
static void
wf_pol_want(struct wf_req *r)
{
	struct webflow	*wf = r->wf;

	if (r->pol_done)
		return;
	if (wf->pol != NULL && util_now_ms() - wf->pol_at < WF_POLICY_TTL_MS) {
		r->pol = wf_pol_ref(wf->pol);
		r->pol_err = STORE_OK;
		r->pol_done = 1;
		return;
	}
	TAILQ_INSERT_TAIL(&wf->pol_waiters, r, pol_entry);
	r->pol_wait = 1;
	if (!wf->pol_fetching)
		wf_pol_fetch(wf);
}

/* One search for every waiting request (never one per request). */
static void
wf_pol_fetch(struct webflow *wf)
{
	wf->pol_fetching = 1;
	wf->pol_began = util_now_ms();
	wf->pol_op_gen = wf->pol_gen;
	wf->pol_op = 0;
	wf->pol_op = store_search(wf->store, wf->conf->latchkey_base, wf_pol_filter, NULL,
	    wf_pol_on_search, wf);
}

/*
 * The policy entries: decoded (policy_from_entries bounds and checks
 * them), kept for WF_POLICY_TTL_MS from when the search began, and handed
 * to every waiting request.  A policy that cannot be read refuses what
 * needs it (fail closed) and is not kept: the next request reads again.
 */
static void
wf_pol_on_search(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	struct wf_pol	*h = NULL;
	struct store_user *u;
	struct policy	*p;
	char		 why[256];

	wf->pol_fetching = 0;
	wf->pol_op = 0;
	if (wf->closing) {
		wf_free_now(wf);
		return;
	}
	if (err == STORE_NOTFOUND) {
		/* No latchkey base: no entries, so the policy's defaults. */
		err = STORE_OK;
		e = NULL;
		n = 0;
	}
	if (err == STORE_OK) {
		if ((p = policy_from_entries(e, n, why, sizeof(why))) == NULL) {
			log_warnx("webflow: the policy under %s cannot be used: %s",
			    wf->conf->latchkey_base != NULL ? wf->conf->latchkey_base :
			    "(no latchkey base)", why);
			err = STORE_INVALID;
		} else {
			h = xcalloc(1, sizeof(*h));
			h->p = p;
			h->refs = 1;
		}
	} else
		log_warnx("webflow: reading the policy: %s", store_strerror(err));
	if (h != NULL && wf->pol_op_gen == wf->pol_gen) {
		wf_pol_unref(wf->pol);
		wf->pol = wf_pol_ref(h);
		wf->pol_at = wf->pol_began;
	}
	while ((r = TAILQ_FIRST(&wf->pol_waiters)) != NULL) {
		TAILQ_REMOVE(&wf->pol_waiters, r, pol_entry);
		r->pol_wait = 0;
		r->pol_done = 1;
		r->pol_err = err;
		r->pol = h != NULL ? wf_pol_ref(h) : NULL;
		if (r->user_pending)
			continue;
		/* The callback may free r: the copy is taken out of it first. */
		u = r->ucopy;
		r->ucopy = NULL;
		wf_join(r, r->uerr, u);
		wf_user_free(u);
	}
	wf_pol_unref(h);
}

static struct wf_pol *
wf_pol_ref(struct wf_pol *h)
{
	h->refs++;
	return (h);
}

static void
wf_pol_unref(struct wf_pol *h)
{
	if (h == NULL || --h->refs > 0)
		return;
	policy_free(h->p);
	free(h);
}

static struct store_val *
wf_vals_dup(const struct store_val *v, size_t n)
{
	struct store_val	*c;
	size_t			 i;

	if (n == 0)
		return (NULL);
	c = xcalloc(n, sizeof(*c));
	for (i = 0; i < n; i++) {
		c[i].data = xmalloc(v[i].len + 1);
		memcpy(c[i].data, v[i].data, v[i].len);
		c[i].data[v[i].len] = '\0';
		c[i].len = v[i].len;
	}
	return (c);
}

static void
wf_vals_free(struct store_val *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].data);
	free(v);
}

/* A copy of what the store handed us (it frees its own when the callback returns). */
static struct store_user *
wf_user_dup(const struct store_user *u)
{
	struct store_user	*c;
	size_t			 i;

	c = xcalloc(1, sizeof(*c));
	c->dn = xstrdup(u->dn);
	c->name = xstrdup(u->name);
	c->display_name = u->display_name != NULL ? xstrdup(u->display_name) : NULL;
	c->latchkey = u->latchkey;
	if (u->handle.len > 0) {
		c->handle.data = xmalloc(u->handle.len + 1);
		memcpy(c->handle.data, u->handle.data, u->handle.len);
		c->handle.data[u->handle.len] = '\0';
		c->handle.len = u->handle.len;
	}
	c->passkeys = wf_vals_dup(u->passkeys, u->npasskeys);
	c->npasskeys = u->npasskeys;
	c->passkey_ids = wf_vals_dup(u->passkey_ids, u->npasskey_ids);
	c->npasskey_ids = u->npasskey_ids;
	c->tap = u->tap != NULL ? xstrdup(u->tap) : NULL;
	c->campaign = u->campaign != NULL ? xstrdup(u->campaign) : NULL;
	if (u->ngroups > 0) {
		c->groups = xcalloc(u->ngroups, sizeof(*c->groups));
		for (i = 0; i < u->ngroups; i++)
			c->groups[i] = xstrdup(u->groups[i]);
	}
	c->ngroups = u->ngroups;
	return (c);
}

static void
wf_user_free(struct store_user *u)
{
	size_t	 i;

	if (u == NULL)
		return;
	free(u->dn);
	free(u->name);
	free(u->display_name);
	free(u->handle.data);
	wf_vals_free(u->passkeys, u->npasskeys);
	wf_vals_free(u->passkey_ids, u->npasskey_ids);
	free(u->tap);
	free(u->campaign);
	for (i = 0; i < u->ngroups; i++)
		free(u->groups[i]);
	free(u->groups);
	free(u);
}

/* A directory failure: nobody can do anything about it but wait. */
void
wf_store_error(struct wf_req *r, enum store_err err, const char *what)
{
	log_warnx("webflow: %s: %s (client %s)", what, store_strerror(err), r->client);
	if (err == STORE_UNAVAILABLE || err == STORE_TIMEOUT)
		wf_error(r, 503, "directory_unavailable",
		    "The service cannot reach its directory right now. Try again in a minute.");
	else
		wf_error(r, 500, "internal", "Something went wrong on our side. Try again, "
		    "and ask the helpdesk if it keeps happening.");
}

/*
 * The rules of a request that changes state.  Origin first: a cross-site
 * request is refused before anything is read (RFC 6454 §7.3; a missing
 * Origin is refused too, since every browser sends one on POST, PATCH and
 * DELETE from script).  Then the media type, which also keeps HTML forms
 * out, then the body, already bounded by evhttp (413).  An empty body with
 * no Content-Type stands for {} (a DELETE or a sign-out sent without one).
 */
json_t *
wf_body(struct webflow *wf, struct evhttp_request *req)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	const char	*ctype;
	json_t		*body;
	json_error_t	 jerr;
	size_t		 len = evbuffer_get_length(in);
	unsigned char	*p;

	if (!wf_origin_ok(wf, req)) {
		http_reply_error(req, 403, "origin_forbidden",
		    "This request must come from the sign-in pages of this service.");
		return (NULL);
	}
	ctype = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	if (ctype == NULL && len == 0)
		return (json_object());
	if (ctype == NULL || !wf_ctype_ok(ctype)) {
		http_reply_error(req, 415, "unsupported_media_type",
		    "Send the request as application/json.");
		return (NULL);
	}
	if (len > wf->conf->http_max_body) {
		http_reply_error(req, 413, "body_too_large", "The request is too large.");
		return (NULL);
	}
	if ((p = evbuffer_pullup(in, -1)) == NULL && len > 0)
		fatalx("wf_body: evbuffer_pullup");
	body = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL || !json_is_object(body)) {
		json_decref(body);
		http_reply_error(req, 400, "json_malformed",
		    "The request is not a valid JSON object.");
		return (NULL);
	}
	return (body);
}

/* A string member of at most max bytes; 0, or -1 after a 400. */
int
wf_str(struct evhttp_request *req, json_t *body, const char *key, size_t max,
    int required, const char **out)
{
	json_t	*v = json_object_get(body, key);
	char	 msg[128];

	*out = NULL;
	if (v == NULL && !required)
		return (0);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(msg, sizeof(msg), "The request needs \"%s\": a text of at most %zu "
		    "characters.", key, max);
		http_reply_error(req, 400, "invalid_request", msg);
		return (-1);
	}
	*out = json_string_value(v);
	return (0);
}

/* The session of the request: any live one, or a full one; NULL after a 401. */
/*
 * The start of a request that changes state for a session's user: the body
 * (Origin, type, JSON: wf_body), then the session (full_only: only after a
 * passkey sign-in).  Replies itself and returns NULL when either is wrong.
 */
struct wf_req *
wf_req_start(struct webflow *wf, struct evhttp_request *req, int full_only)
{
	struct session	*s;
	struct wf_req	*r;
	json_t		*body;

	if ((body = wf_body(wf, req)) == NULL)
		return NULL;
	if ((s = wf_session(req, full_only)) == NULL) {
		json_decref(body);
		return NULL;
	}
	r = wf_req_new(wf, req);
	r->body = body;
	wf_req_session(r, s);
	return r;
}

struct session *
wf_session(struct evhttp_request *req, int full_only)
{
	struct session	*s;

	s = session_from_request(req);
	if (s == NULL || (full_only && s->scope != SESSION_FULL)) {
		http_reply_error(req, 401, "signin_required",
		    "Sign in with your passkey first.");
		return (NULL);
	}
	return (s);
}

void
wf_req_session(struct wf_req *r, const struct session *s)
{
	snprintf(r->sid, sizeof(r->sid), "%s", s->id);
	r->scope = s->scope;
	r->user = xstrdup(s->user);
	r->dn = s->dn != NULL ? xstrdup(s->dn) : NULL;
	r->assurance = s->assurance != NULL ? xstrdup(s->assurance) : NULL;
	r->passkey_id = s->passkey_id != NULL ? xstrdup(s->passkey_id) : NULL;
	r->expires = s->expires;
}

/*
 * Over TLS the cookie is Secure.  Plain http is only ever served on
 * loopback (http.c refuses anything else), where browsers treat
 * http://localhost as a secure context and would drop a Secure cookie.
 */
int
wf_secure(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct bufferevent		*bev;

	return (evcon != NULL &&
	    (bev = evhttp_connection_get_bufferevent(evcon)) != NULL &&
	    bufferevent_openssl_get_ssl(bev) != NULL);
}

/* The relying party's policy: our RP ID and origins, UV required, our algorithms. */
void
wf_policy(const struct webflow *wf, struct wa_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->rp_id = wf->conf->rp_id;
	p->origins = (const char *const *)wf->conf->origins;
	p->norigins = wf->conf->norigins;
	p->require_uv = 1;
	p->algs = wf_algs;
	p->nalgs = wf_nalgs;
	p->trust = wf->trust;
	p->now = util_now();
}

/* The decoded record of u for a credential id; bad values are logged and skipped. */
struct passkey *
wf_find_passkey(const struct store_user *u, const unsigned char *id, size_t len,
    size_t *idx)
{
	struct passkey	*p;
	char		 err[128];
	size_t		 i;

	for (i = 0; i < u->npasskeys; i++) {
		p = passkey_decode(u->passkeys[i].data, u->passkeys[i].len, err, sizeof(err));
		if (p == NULL) {
			log_warnx("webflow: %s: a latchkeyPasskey value is unreadable: %s",
			    u->dn, err);
			continue;
		}
		if (p->idlen == len && memcmp(p->id, id, len) == 0) {
			if (idx != NULL)
				*idx = i;
			return (p);
		}
		passkey_free(p);
	}
	return (NULL);
}

/* A passkey for people and pages: never the key, the counter or a secret. */
json_t *
wf_passkey_json(const struct passkey *p)
{
	char	*id, *created, *used, aaguid[37];
	json_t	*o;

	id = util_b64url_encode(p->id, p->idlen);
	created = wf_time(p->created);
	used = p->last_used != 0 ? wf_time(p->last_used) : NULL;
	passkey_aaguid_fmt(p->aaguid, aaguid);
	o = json_pack("{s:s, s:s, s:s, s:s?, s:b, s:s?, s:s, s:s?, s:s?, s:s, s:s?}",
	    "id", id, "type", passkey_type(p), "aaguid", aaguid,
	    "authenticator", p->authenticator,
	    "authenticatorVerified", p->authenticator_verified,
	    "label", p->label, "created", created, "lastUsed", used,
	    "fmt", p->fmt, "trust", passkey_trust_name(p->trust),
	    "profile", p->profile);
	free(id);
	free(created);
	free(used);
	if (o == NULL)
		fatalx("wf_passkey_json: json_pack");
	return (o);
}

/* At most WF_LABEL_MAX characters of valid UTF-8 (jansson checked it), no controls. */
int
wf_label_ok(const char *s)
{
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
		if ((*p & 0xc0) != 0x80)
			n++;
	}
	return (n > 0 && n <= WF_LABEL_MAX);
}

char *
wf_time(time_t t)
{
	char	 buf[32];

	util_time_fmt(t, buf, sizeof(buf));
	return (xstrdup(buf));
}

/* POST /api/v1/signout: ends the session, if any, and clears the cookie. */
static void
wf_signout(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct session	*s;
	json_t		*body;
	char		 client[INET6_ADDRSTRLEN];

	if ((body = wf_body(wf, req)) == NULL)
		return;
	json_decref(body);
	if ((s = session_from_request(req)) != NULL) {
		wf_peer(req, client, sizeof(client));
		log_info("webflow: %s signed out (client %s)", s->user, client);
		session_end(s);
	}
	session_set_cookie(req, NULL, wf_secure(req));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	http_reply_text(req, 204, "application/json", "", 0);
}

/* Whether the Origin header names one of our origins exactly (RFC 6454 §6.1 serialisation). */
static int
wf_origin_ok(const struct webflow *wf, struct evhttp_request *req)
{
	const char	*o;
	size_t		 i;

	o = evhttp_find_header(evhttp_request_get_input_headers(req), "Origin");
	if (o == NULL)
		return (0);
	for (i = 0; i < wf->conf->norigins; i++)
		if (strcmp(o, wf->conf->origins[i]) == 0)
			return (1);
	return (0);
}

/* "application/json", any case, optionally followed by parameters (RFC 9110 §8.3.1). */
static int
wf_ctype_ok(const char *ct)
{
	static const char	 mt[] = "application/json";
	size_t			 n = sizeof(mt) - 1;

	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, mt, n) != 0)
		return (0);
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return (*ct == '\0' || *ct == ';');
}

/* The client's address alone, for audit lines. */
static void
wf_peer(struct evhttp_request *req, char *buf, size_t len)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	char				*addr = NULL;
	ev_uint16_t			 port;

	if (evcon != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(buf, len, "%s", addr != NULL ? addr : "?");
}
