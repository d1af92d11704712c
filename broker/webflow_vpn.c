/*
 * webflow_vpn.c: POST /api/v1/vpn/approve {code} (ARCHITECTURE §4, §5):
 * a fresh passkey sign-in binds itself, through the code the VPN showed,
 * to a pending VPN request (approval.h).  Fresh means a full session
 * opened within the last VPN_FRESH_SECS: every passkey sign-in opens a new
 * session, so the session's creation is the sign-in's time, and the
 * session exists only because the user's passkey profiles admitted that
 * passkey (webflow_signin.c).  The approval must be the signed-in user's
 * own (the RADIUS User-Name, any case): an unknown user's approval can
 * never be approved.
 *
 * A code that matches nothing counts as a wrong guess against each of the
 * user's pending approvals; at APPROVAL_FAILURES_MAX the approval is
 * denied, and the VPN's next request is rejected.
 *
 * Hold mode (authreq.c): the VPN shows no code, so its approvals have none;
 * GET /api/v1/vpn/pending lists the signed-in user's, and the approve
 * request names one by {"id"} instead of {"code"}, with the same rules.
 * An id never approves a challenge-mode approval: that one needs its code.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "approval.h"
#include "audit.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "session.h"
#include "store.h"
#include "util.h"
#include "webflow_priv.h"
#include "xmalloc.h"

#define VPN_FRESH_SECS	300	/* a sign-in approves VPN requests this long */
#define VPN_BY_ID	1	/* r->step: the approval named by its id (hold mode) */
#define VPN_FROM	" from "	/* hold mode's client attribute: "NAME from ADDRESS" */

static void	 vpn_on_find(enum store_err, const struct store_entry *, size_t, void *);
static void	 vpn_on_approved(enum store_err, void *);
static void	 vpn_unknown(struct wf_req *);
static void	 vpn_on_pending(enum store_err, const struct store_entry *, size_t, void *);
static void	 vpn_reap_next(struct wf_req *);
static void	 vpn_on_reaped(enum store_err, void *);
static void	 vpn_refuse(struct wf_req *, int, const char *, const char *);
static void	 vpn_on_list(enum store_err, const struct store_entry *, size_t, void *);
static void	 vpn_id_unknown(struct wf_req *);

void
wf_vpn_approve(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	struct session	*s;
	const char	*code, *id;
	char		 hex[APPROVAL_HASH_HEX + 1];
	json_t		*body;

	if ((body = wf_body(wf, req)) == NULL)
		return;
	r = wf_req_new(wf, req);
	r->body = body;
	if (wf_str(req, body, "id", APPROVAL_ID_LEN + 1, 0, &id) == -1 ||
	    wf_str(req, body, "code", WF_CODE_MAX, id == NULL, &code) == -1) {
		wf_req_free(r);
		return;
	}
	s = session_from_request(req);
	if (s == NULL || s->scope != SESSION_FULL || s->passkey_id == NULL ||
	    util_now() - s->created > VPN_FRESH_SECS) {
		wf_error(r, 401, "signin_required", "Sign in with your passkey to approve "
		    "your VPN (a sign-in from the last 5 minutes).");
		return;
	}
	wf_req_session(r, s);
	if (id != NULL) {
		r->step = VPN_BY_ID;
		if (strlen(id) != APPROVAL_ID_LEN ||
		    strspn(id, "0123456789abcdef") != APPROVAL_ID_LEN) {
			vpn_id_unknown(r);
			return;
		}
		wf_wait(r, approval_get(wf->store, wf->conf->latchkey_base, id,
		    vpn_on_find, r));
		return;
	}
	if (!wf->has_tap_key) {
		wf_error(r, 503, "vpn_unavailable", "VPN approvals are not available right "
		    "now. Ask the helpdesk.");
		return;
	}
	if (approval_code_hash(wf->tap_key, code, hex) == -1) {
		vpn_unknown(r);
		return;
	}
	wf_wait(r, approval_find_code(wf->store, wf->conf->latchkey_base, hex,
	    vpn_on_find, r));
}

/* The pending approval of the code: the user's own, then approved in one modify. */
static void
vpn_on_find(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct wf_req	*r = arg;
	struct webflow	*wf = r->wf;
	struct approval	 a;
	unsigned char	*pk;
	size_t		 pklen;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND || (err == STORE_OK && n == 0)) {
		r->step == VPN_BY_ID ? vpn_id_unknown(r) : vpn_unknown(r);
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "vpn approve: code lookup");
		return;
	}
	if (n != 1 || approval_read(wf->store, wf->conf->latchkey_base, &e[0], &a) == -1) {
		r->step == VPN_BY_ID ? vpn_id_unknown(r) : vpn_unknown(r);
		return;
	}
	/* By id: only a hold-mode approval (no code), still pending, the user's own. */
	if (r->step == VPN_BY_ID && (a.code_hash[0] != '\0' || a.expired ||
	    a.state != APPROVAL_PENDING || strcasecmp(a.user, r->user) != 0)) {
		approval_clear(&a);
		vpn_id_unknown(r);
		return;
	}
	if (a.expired) {
		approval_clear(&a);
		vpn_unknown(r);
		return;
	}
	if (strcasecmp(a.user, r->user) != 0) {
		log_info("webflow: %s typed the VPN code of another user's request (client %s)",
		    r->user, r->client);
		approval_clear(&a);
		vpn_refuse(r, 403, "vpn_user_mismatch", "This code is for another "
		    "account's VPN sign-in. Sign in as the user the VPN asked for.");
		return;
	}
	if ((pk = util_b64url_decode(r->passkey_id, strlen(r->passkey_id), &pklen)) == NULL) {
		approval_clear(&a);
		wf_error(r, 500, "internal", "Something went wrong on our side. Try again.");
		return;
	}
	/* Hold mode's "NAME from ADDRESS": the page names the VPN. */
	r->out = json_pack("{s:s, s:s%}", "id", a.id, "client", a.client,
	    strstr(a.client, VPN_FROM) != NULL ? (size_t)(strstr(a.client, VPN_FROM) -
	    a.client) : strlen(a.client));
	wf_wait(r, approval_approve(wf->store, wf->conf->latchkey_base, a.id, pk, pklen,
	    r->assurance != NULL ? r->assurance : "aal2", vpn_on_approved, r));
	free(pk);
	approval_clear(&a);
}

static void
vpn_on_approved(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;
	const char	*client, *id;

	if (wf_arrived(r))
		return;
	client = json_string_value(json_object_get(r->out, "client"));
	id = json_string_value(json_object_get(r->out, "id"));
	if (err == STORE_CONFLICT || err == STORE_NOTFOUND) {
		vpn_refuse(r, 409, "vpn_code_used", "This VPN sign-in was already approved "
		    "or has timed out. Start it again on your VPN.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "vpn approve: approval");
		return;
	}
	audit_event("vpn.approved", "success", r->user, r->user, r->client,
	    json_pack("{s:s, s:s, s:s, s:s}", "radiusClient", client, "approval", id,
	    "passkey", r->passkey_id, "assurance", r->assurance != NULL ?
	    r->assurance : "aal2"));
	log_info("webflow: %s approved VPN request %.8s of %s (client %s)", r->user, id,
	    client, r->client);
	wf_reply(r, 200, json_pack("{s:b, s:s}", "approved", 1, "client", client));
}

/* A wrong code: counted against the user's pending approvals first. */
static void
vpn_unknown(struct wf_req *r)
{
	json_decref(r->out);
	r->out = json_array();
	wf_wait(r, approval_search_user(r->wf->store, r->wf->conf->latchkey_base, r->user,
	    vpn_on_pending, r));
}

static void
vpn_on_pending(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct wf_req	*r = arg;
	struct approval	 a;
	size_t		 i;

	if (wf_arrived(r))
		return;
	if (err != STORE_OK && err != STORE_NOTFOUND)
		log_warnx("webflow: %s: counting a wrong VPN code: %s (client %s)", r->user,
		    store_strerror(err), r->client);
	for (i = 0; err == STORE_OK && i < n; i++) {
		if (approval_read(r->wf->store, r->wf->conf->latchkey_base, &e[i], &a) == -1)
			continue;
		if (!a.expired && approval_fail(a.id, a.expiry))
			json_array_append_new(r->out, json_string(a.id));
		approval_clear(&a);
	}
	vpn_reap_next(r);
}

/* Denies, one by one, the approvals that had too many wrong codes; then 404. */
static void
vpn_reap_next(struct wf_req *r)
{
	const char	*id;
	size_t		 n = json_array_size(r->out);

	if (n == 0) {
		vpn_refuse(r, 404, "vpn_code_unknown", "This code is not waiting for "
		    "approval. Check it against the one your VPN shows, or start the VPN "
		    "sign-in again.");
		return;
	}
	id = json_string_value(json_array_get(r->out, n - 1));
	log_info("webflow: %s: VPN request %.8s denied after %d wrong codes (client %s)",
	    r->user, id, APPROVAL_FAILURES_MAX, r->client);
	audit_event("vpn.refused", "too_many_codes", r->user, r->user, r->client,
	    json_pack("{s:s}", "approval", id));
	wf_wait(r, approval_deny(r->wf->store, r->wf->conf->latchkey_base, id,
	    vpn_on_reaped, r));
	json_array_remove(r->out, n - 1);
}

static void
vpn_on_reaped(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;

	if (wf_arrived(r))
		return;
	/* Approved, denied or gone meanwhile: nothing left to deny. */
	if (err != STORE_OK && err != STORE_NOTFOUND && err != STORE_CONFLICT)
		log_warnx("webflow: %s: denying a VPN request: %s (client %s)", r->user,
		    store_strerror(err), r->client);
	vpn_reap_next(r);
}

static void
vpn_refuse(struct wf_req *r, int status, const char *code, const char *message)
{
	audit_event("vpn.refused", code, r->user, r->user, r->client, NULL);
	wf_error(r, status, code, message);
}

/* By id: nothing of the user's is waiting under it (another user's looks the same). */
static void
vpn_id_unknown(struct wf_req *r)
{
	vpn_refuse(r, 404, "vpn_request_unknown", "This VPN sign-in is no longer "
	    "waiting: it was approved, or it timed out. Start it again on your VPN.");
}

/* GET /api/v1/vpn/pending: the signed-in user's hold-mode requests. */
void
wf_vpn_pending(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	struct session	*s;

	if ((s = wf_session(req, 1)) == NULL)
		return;
	r = wf_req_new(wf, req);
	wf_req_session(r, s);
	wf_wait(r, approval_search_user(wf->store, wf->conf->latchkey_base, r->user,
	    vpn_on_list, r));
}

static void
vpn_on_list(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct wf_req	*r = arg;
	struct approval	 a;
	json_t		*list;
	const char	*from;
	char		*when;
	size_t		 i;

	if (wf_arrived(r))
		return;
	if (err != STORE_OK && err != STORE_NOTFOUND) {
		wf_store_error(r, err, "vpn pending: search");
		return;
	}
	list = json_array();
	for (i = 0; err == STORE_OK && i < n; i++) {
		if (approval_read(r->wf->store, r->wf->conf->latchkey_base, &e[i], &a) == -1)
			continue;
		/* A challenge-mode approval (with a code) is approved by its code only. */
		if (!a.expired && a.state == APPROVAL_PENDING && a.code_hash[0] == '\0') {
			from = strstr(a.client, VPN_FROM);
			when = wf_time(a.expiry);
			json_array_append_new(list, json_pack("{s:s, s:s%, s:s, s:s}",
			    "id", a.id, "client", a.client, from != NULL ?
			    (size_t)(from - a.client) : strlen(a.client),
			    "from", from != NULL ? from + strlen(VPN_FROM) : "",
			    "expires", when));
			free(when);
		}
		approval_clear(&a);
	}
	wf_reply(r, 200, json_pack("{s:o}", "pending", list));
}
