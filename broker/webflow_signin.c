/*
 * webflow_signin.c: POST /api/v1/signin/begin and /finish.  begin gives
 * PublicKeyCredentialRequestOptionsJSON (WebAuthn L3 §5.5): usernameless
 * (an empty allowCredentials, for discoverable credentials and autofill)
 * or for a named user.  finish finds the user by the credential id,
 * verifies the assertion (§7.2) against the stored record, writes the
 * record back when something worth keeping changed, and opens a full
 * session.  Between the two, the passkey profiles that target the user
 * (policy.h) are checked again: passkey types and key restrictions hold at
 * every sign-in, so a tightened profile takes effect at once (within the
 * policy cache's WF_POLICY_TTL_MS).  The session carries the assurance of
 * the sign-in: aal3 for an attested device-bound passkey used with user
 * verification, aal2 otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "audit.h"
#include "ceremony.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "passkey.h"
#include "policy.h"
#include "session.h"
#include "store.h"
#include "util.h"
#include "webauthn.h"
#include "webflow_priv.h"
#include "xmalloc.h"

static void	 signin_on_user_begin(enum store_err, const struct store_user *, void *);
static void	 signin_options(struct wf_req *, json_t *);
static void	 signin_lookup(struct wf_req *);
static void	 signin_on_user(enum store_err, const struct store_user *, void *);
static void	 signin_on_write(enum store_err, void *);
static int	 signin_changed(const struct passkey *, const struct passkey *);
static void	 signin_granted(struct wf_req *);
static void	 signin_refuse(struct wf_req *, const char *, const char *);
static void	 signin_refuse_policy(struct wf_req *, const struct policy_refusal *);

void
wf_signin_begin(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	const char	*name;
	json_t		*body;

	if ((body = wf_body(wf, req)) == NULL)
		return;
	r = wf_req_new(wf, req);
	r->body = body;
	if (wf_str(req, body, "username", WF_USERNAME_MAX, 0, &name) == -1) {
		wf_req_free(r);
		return;
	}
	if (name == NULL) {
		signin_options(r, json_array());
		return;
	}
	r->user = xstrdup(name);
	wf_wait(r, store_user_by_name(wf->store, name, signin_on_user_begin, r));
}

/*
 * The named user's passkeys become allowCredentials.  An unknown name gets
 * an empty list, as a usernameless sign-in would (no user enumeration);
 * the ceremony keeps the name, so only that user can finish it.
 */
static void
signin_on_user_begin(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req	*r = arg;
	struct passkey	*p;
	json_t		*allow = json_array(), *tr;
	char		*id, why[128];
	size_t		 i, j;

	if (wf_arrived(r)) {
		json_decref(allow);
		return;
	}
	if (err != STORE_OK && err != STORE_NOTFOUND) {
		json_decref(allow);
		wf_store_error(r, err, "signin begin: user lookup");
		return;
	}
	for (i = 0; err == STORE_OK && i < u->npasskeys; i++) {
		if ((p = passkey_decode(u->passkeys[i].data, u->passkeys[i].len, why,
		    sizeof(why))) == NULL)
			continue;
		id = util_b64url_encode(p->id, p->idlen);
		tr = json_array();
		for (j = 0; j < p->ntransports; j++)
			json_array_append_new(tr, json_string(p->transports[j]));
		json_array_append_new(allow, json_pack("{s:s, s:s, s:o}", "type",
		    "public-key", "id", id, "transports", tr));
		free(id);
		passkey_free(p);
	}
	if (err == STORE_OK) {
		free(r->user);
		r->user = xstrdup(u->name);
	}
	signin_options(r, allow);
}

/* PublicKeyCredentialRequestOptionsJSON; takes allow. */
static void
signin_options(struct wf_req *r, json_t *allow)
{
	struct ceremony	*c;
	char		*challenge;
	json_t		*pk;
	long long	 ttl;

	c = ceremony_new(CEREMONY_SIGNIN, r->user, NULL);
	challenge = util_b64url_encode(c->challenge, sizeof(c->challenge));
	ttl = (long long)(c->expires - util_now()) * 1000;
	pk = json_pack("{s:s, s:I, s:s, s:o, s:s, s:[]}", "challenge", challenge,
	    "timeout", (json_int_t)(ttl > 0 ? ttl : WF_TIMEOUT_MS),
	    "rpId", r->wf->conf->rp_id, "allowCredentials", allow,
	    "userVerification", "required", "hints");
	free(challenge);
	if (pk == NULL)
		fatalx("signin_options: json_pack");
	wf_reply(r, 200, json_pack("{s:s, s:o}", "ceremony", c->id, "publicKey", pk));
}

void
wf_signin_finish(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	struct wa_error	 werr;
	const unsigned char *id;
	const char	*cid;
	json_t		*body, *cred;

	if ((body = wf_body(wf, req)) == NULL)
		return;
	r = wf_req_new(wf, req);
	r->body = body;
	if (wf_str(req, body, "ceremony", WF_CEREMONY_MAX, 1, &cid) == -1) {
		wf_req_free(r);
		return;
	}
	if (!json_is_object(cred = json_object_get(body, "credential"))) {
		wf_error(r, 400, "invalid_request", "The request needs \"credential\": the "
		    "browser's answer.");
		return;
	}
	if ((r->cer = ceremony_take(cid, CEREMONY_SIGNIN)) == NULL) {
		wf_error(r, 400, "ceremony_unknown", "This sign-in has expired or was "
		    "already used. Start again.");
		return;
	}
	if (r->cer->user != NULL)
		r->user = xstrdup(r->cer->user);
	/* The body was parsed (and bounded) once already: no second parse. */
	if (wa_assertion_parse_json(cred, &r->as, &werr) == -1) {
		signin_refuse(r, wa_err_code(werr.code), werr.message);
		return;
	}
	id = wa_assertion_id(r->as, &r->cred_idlen);
	r->cred_id = xmalloc(r->cred_idlen + 1);
	memcpy(r->cred_id, id, r->cred_idlen);
	signin_lookup(r);
}

/* The owner of the credential and the policy, in parallel. */
static void
signin_lookup(struct wf_req *r)
{
	wf_user_policy(r, 1, signin_on_user);
}

/*
 * The owner of the credential: the one the ceremony named (if any), the
 * one the userHandle names (§7.2 step 6), then the signature over the
 * stored record (§7.2 steps 7-24), then the user's passkey profiles.
 */
static void
signin_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req		*r = arg;
	struct passkey		*stored, *probe;
	struct wa_policy	 pol;
	struct policy_refusal	 ref;
	const char		*profile = NULL;
	int			 uv;
	struct wa_error		 werr;
	const unsigned char	*uh;
	size_t			 uhlen, idx;
	char			*enc;
	uint64_t		 op;
	struct store_val	 oldv, newv;
	struct store_mod	 mods[2];

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND || err == STORE_AMBIGUOUS) {
		signin_refuse(r, "credential_unknown", "This passkey is not set up here. "
		    "Sign in with another passkey, or ask the helpdesk for a temporary "
		    "access pass to set one up.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "signin finish: credential lookup");
		return;
	}
	if (r->cer->user != NULL && strcmp(r->cer->user, u->name) != 0) {
		signin_refuse(r, "credential_mismatch", "This passkey belongs to another "
		    "account. Sign in again and choose your own passkey.");
		return;
	}
	free(r->user);
	r->user = xstrdup(u->name);
	free(r->dn);
	r->dn = xstrdup(u->dn);
	uh = wa_assertion_user_handle(r->as, &uhlen);
	if (uh == NULL && r->cer->user == NULL) {
		/* §7.2 step 6: a usernameless sign-in needs the handle to name the user. */
		signin_refuse(r, "user_handle_missing", "Your passkey did not say whose it "
		    "is. Sign in with your user name instead.");
		return;
	}
	if (uh != NULL && (uhlen != u->handle.len ||
	    !util_ct_eq(uh, u->handle.data, uhlen))) {
		signin_refuse(r, "user_handle_mismatch", "This passkey belongs to another "
		    "account. Sign in again and choose your own passkey.");
		return;
	}
	if ((stored = wf_find_passkey(u, r->cred_id, r->cred_idlen, &idx)) == NULL) {
		signin_refuse(r, "credential_unknown", "This passkey is not set up here. "
		    "Sign in with another passkey.");
		return;
	}
	passkey_free(r->pk);
	r->pk = NULL;
	wf_policy(r->wf, &pol);
	/*
	 * The verifier folds this assertion's UV flag into the record's
	 * uvInitialized; verified against a copy with it clear, the result
	 * says whether this sign-in itself verified the user.
	 */
	probe = passkey_dup(stored);
	probe->uv = 0;
	if (wa_authenticate(&pol, r->cer->challenge, sizeof(r->cer->challenge), r->as,
	    probe, &r->pk, &werr) == -1) {
		passkey_free(probe);
		passkey_free(stored);
		signin_refuse(r, wa_err_code(werr.code), werr.message);
		return;
	}
	passkey_free(probe);
	uv = r->pk->uv;
	r->pk->uv = stored->uv || uv;
	memset(&ref, 0, sizeof(ref));
	if (policy_check_signin(WF_POLICY(r), u->groups, u->ngroups, r->pk, &profile,
	    &ref) == -1) {
		/* Refused before anything is written or any session opens. */
		passkey_free(stored);
		signin_refuse_policy(r, &ref);
		return;
	}
	free(r->assurance);
	r->assurance = xstrdup(policy_assurance(r->pk, uv));
	if (!signin_changed(stored, r->pk)) {
		passkey_free(stored);
		signin_granted(r);
		return;
	}
	passkey_free(stored);
	/* Delete the value read, add the new one: a concurrent change makes this a conflict. */
	enc = passkey_encode(r->pk);
	oldv = u->passkeys[idx];
	newv = (struct store_val){ .data = enc, .len = strlen(enc) };
	mods[0] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyPasskey", &oldv, 1 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, "latchkeyPasskey", &newv, 1 };
	op = store_modify(r->wf->store, r->dn, mods, 2, signin_on_write, r);
	free(enc);
	wf_wait(r, op);
}

/* A write is worth it when the counter, BS or UV moved, or lastUsed by an hour. */
static int
signin_changed(const struct passkey *old, const struct passkey *new)
{
	return (old->sign_count != new->sign_count || old->bs != new->bs ||
	    old->uv != new->uv || new->last_used - old->last_used >= WF_LASTUSED_GRAIN ||
	    new->last_used < old->last_used);
}

static void
signin_on_write(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;

	if (wf_arrived(r))
		return;
	if (err == STORE_CONFLICT && !r->retried) {
		/*
		 * Another sign-in changed the record since we read it: verify
		 * again on the fresh record (the counter check sees its count).
		 */
		r->retried = 1;
		signin_lookup(r);
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "signin finish: record update");
		return;
	}
	signin_granted(r);
}

/* A full session with the assurance of this sign-in. */
static void
signin_granted(struct wf_req *r)
{
	struct session	*s;
	const char	*assurance = r->assurance != NULL ? r->assurance : "aal2";
	char		*id;

	s = session_new(SESSION_FULL, r->user, r->dn, assurance, 0);
	id = util_b64url_encode(r->cred_id, r->cred_idlen);
	free(s->passkey_id);
	s->passkey_id = xstrdup(id);
	session_set_cookie(r->req, s, wf_secure(r->req));
	audit_event("signin", "success", r->user, r->user, r->client,
	    json_pack("{s:s, s:s, s:s}", "passkey", id, "type", passkey_type(r->pk),
	    "assurance", assurance));
	log_info("webflow: %s signed in with a %s passkey (client %s)", r->user,
	    passkey_type(r->pk), r->client);
	free(id);
	wf_reply(r, 200, json_pack("{s:s, s:s, s:s}", "user", r->user, "assurance",
	    assurance, "passkeyType", passkey_type(r->pk)));
}

/*
 * A passkey the user's profiles do not allow (any more): 403 with what to
 * do about it, for people, and the policy's reason code in the audit line.
 */
static void
signin_refuse_policy(struct wf_req *r, const struct policy_refusal *ref)
{
	const char	*code = ref->code != NULL ? ref->code : "no_profile";
	const char	*msg;
	char		*id;

	if (strcmp(code, "passkey_type") == 0 || strcmp(code, "attestation_required") == 0)
		msg = "Your organisation now requires a security key (a passkey kept on "
		    "one device) for your account, and this passkey is not one. Ask the "
		    "helpdesk for a temporary access pass and set up a security key with it.";
	else if (strcmp(code, "aaguid_blocked") == 0 ||
	    strcmp(code, "aaguid_not_allowed") == 0)
		msg = "Your organisation no longer allows this kind of passkey. Ask the "
		    "helpdesk for a temporary access pass and set up an allowed one with it.";
	else if (strcmp(code, "uv_required") == 0)
		msg = "Your passkey must check that it is you (a PIN, fingerprint or face). "
		    "Turn that on for it, or ask the helpdesk.";
	else
		msg = ref->message[0] != '\0' ? ref->message : "Your organisation's passkey "
		    "policy does not allow this passkey any more. Ask the helpdesk.";
	id = util_b64url_encode(r->cred_id, r->cred_idlen);
	audit_event("signin", code, r->user, r->user, r->client,
	    json_pack("{s:s, s:s}", "passkey", id, "type", passkey_type(r->pk)));
	log_info("webflow: %s: sign-in with a %s passkey refused by policy: %s (client %s)",
	    r->user, passkey_type(r->pk), code, r->client);
	free(id);
	wf_error(r, 403, code, msg);
}

/* 401 with the verifier's (or our) reason; audited with the code. */
static void
signin_refuse(struct wf_req *r, const char *code, const char *message)
{
	audit_event("signin", code, r->user, r->user, r->client, NULL);
	wf_error(r, 401, code, message);
}
