/*
 * webflow_register.c: POST /api/v1/passkeys/register/begin and /finish.
 * begin gives PublicKeyCredentialCreationOptionsJSON (WebAuthn L3 §5.4)
 * for a ceremony bound to the session; finish verifies the
 * RegistrationResponseJSON (§7.1), checks that the credential id is unused
 * anywhere in the directory (§7.1 step 26) and adds the passkey with one
 * modify.  A register-only session (from a TAP) ends with its one passkey:
 * the person signs in with it next.
 *
 * The passkey profiles that target the user (policy.h, issue 5) decide
 * what begin asks for (attestation "direct" when a profile enforces
 * attestation or key restrictions; user verification required when one
 * requires it) and whether finish admits the new passkey; the profile
 * that admitted it is recorded on it.
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

static void	 reg_on_user_begin(enum store_err, const struct store_user *, void *);
static void	 reg_on_handle(enum store_err, void *);
static void	 reg_on_policy(enum store_err, const struct store_user *, void *);
static void	 reg_on_cred(enum store_err, const struct store_user *, void *);
static void	 reg_on_user_finish(enum store_err, const struct store_user *, void *);
static void	 reg_on_write(enum store_err, void *);
static void	 reg_options(struct wf_req *);
static json_t	*reg_exclude(const struct store_user *);
static const char *reg_attestation(const struct policy *, const struct store_user *);
static void	 reg_refuse(struct wf_req *, int, const char *, const char *);
static json_t	*reg_facts(const struct passkey *);

void
wf_register_begin(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;

	if ((r = wf_req_start(wf, req, 0)) == NULL)
		return;
	wf_user_policy(r, 0, reg_on_user_begin);
}

/*
 * The user as the directory has it now: their passkeys go into
 * excludeCredentials, their groups choose the attestation and user
 * verification to ask for; a user without a handle gets one first (random
 * bytes, never personal data: WebAuthn §14.6.1), with the latchkeyUser class.
 */
static void
reg_on_user_begin(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req		*r = arg;
	struct store_val	 oc, hv;
	struct store_mod	 mods[2];
	size_t			 n = 0;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		wf_error(r, 401, "signin_required", "Your account was not found. Sign in again.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "register begin: user lookup");
		return;
	}
	json_decref(r->out);
	r->out = json_pack("{s:s, s:s, s:o, s:s, s:s}", "name", u->name, "displayName",
	    u->display_name != NULL ? u->display_name : u->name,
	    "exclude", reg_exclude(u),
	    "attestation", reg_attestation(WF_POLICY(r), u),
	    "uv", policy_requires_uv(WF_POLICY(r), u->groups, u->ngroups) ?
	    "required" : "preferred");
	if (u->handle.len > 0 && u->handle.len <= sizeof(r->handle) && u->latchkey) {
		memcpy(r->handle, u->handle.data, u->handle.len);
		r->handlelen = u->handle.len;
		reg_options(r);
		return;
	}
	if (r->retried) {
		wf_error(r, 500, "internal", "Your account could not be prepared for a "
		    "passkey. Ask the helpdesk.");
		return;
	}
	if (!u->latchkey) {
		oc = (struct store_val){ .data = "latchkeyUser", .len = 12 };
		mods[n++] = (struct store_mod){ STORE_MOD_ADD, "objectClass", &oc, 1 };
	}
	if (u->handle.len > 0 && u->handle.len <= sizeof(r->handle)) {
		memcpy(r->handle, u->handle.data, u->handle.len);
		r->handlelen = u->handle.len;
	} else {
		util_random(r->handle, WF_HANDLE_LEN);
		r->handlelen = WF_HANDLE_LEN;
		hv = (struct store_val){ .data = (char *)r->handle, .len = r->handlelen };
		mods[n++] = (struct store_mod){ u->handle.len > 0 ? STORE_MOD_REPLACE :
		    STORE_MOD_ADD, "latchkeyUserHandle", &hv, 1 };
	}
	free(r->dn);
	r->dn = xstrdup(u->dn);
	wf_wait(r, store_modify(r->wf->store, r->dn, mods, n, reg_on_handle, r));
}

/* The handle is written; if another request wrote one first, read it back once. */
static void
reg_on_handle(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;

	if (wf_arrived(r))
		return;
	if (err == STORE_OK) {
		reg_options(r);
		return;
	}
	if (err == STORE_EXISTS || err == STORE_CONFLICT || err == STORE_INVALID) {
		r->retried = 1;
		wf_user_policy(r, 0, reg_on_user_begin);
		return;
	}
	wf_store_error(r, err, "register begin: user handle");
}

/* PublicKeyCredentialCreationOptionsJSON (WebAuthn L3 §5.4, §5.1.10). */
static void
reg_options(struct wf_req *r)
{
	const struct conf	*conf = r->wf->conf;
	struct ceremony		*c;
	json_t			*params, *pk;
	char			*challenge, *uid;
	size_t			 i;
	long long		 ttl;

	c = ceremony_new(CEREMONY_REGISTER, r->user, r->sid);
	challenge = util_b64url_encode(c->challenge, sizeof(c->challenge));
	uid = util_b64url_encode(r->handle, r->handlelen);
	params = json_array();
	for (i = 0; i < wf_nalgs; i++)
		json_array_append_new(params, json_pack("{s:s, s:i}", "type",
		    "public-key", "alg", wf_algs[i]));
	ttl = (long long)(c->expires - util_now()) * 1000;
	pk = json_pack("{s:{s:s, s:s}, s:{s:s, s:O, s:O}, s:s, s:o, s:I, s:O, "
	    "s:{s:s, s:b, s:s}, s:s, s:[], s:{s:b}}",
	    "rp", "id", conf->rp_id, "name", conf->rp_id,
	    "user", "id", uid, "name", json_object_get(r->out, "name"),
	    "displayName", json_object_get(r->out, "displayName"),
	    "challenge", challenge,
	    "pubKeyCredParams", params,
	    "timeout", (json_int_t)(ttl > 0 ? ttl : WF_TIMEOUT_MS),
	    "excludeCredentials", json_object_get(r->out, "exclude"),
	    "authenticatorSelection", "residentKey", "required",
	    "requireResidentKey", 1, "userVerification",
	    json_string_value(json_object_get(r->out, "uv")),
	    "attestation", json_string_value(json_object_get(r->out, "attestation")),
	    "hints",
	    "extensions", "credProps", 1);
	free(challenge);
	free(uid);
	if (pk == NULL)
		fatalx("reg_options: json_pack");
	wf_reply(r, 200, json_pack("{s:s, s:o}", "ceremony", c->id, "publicKey", pk));
}

/*
 * Attestation conveyance (WebAuthn §5.4.7): "direct" when a passkey
 * profile that targets the user enforces attestation or key restrictions
 * (an AAGUID means something only when a trusted statement backs it),
 * "none" otherwise, which spares people the browser's privacy prompt.
 */
static const char *
reg_attestation(const struct policy *pol, const struct store_user *u)
{
	return (policy_wants_attestation(pol, u->groups, u->ngroups) ? "direct" : "none");
}

/* excludeCredentials: the user's passkeys (§5.4.3), so one authenticator is not registered twice. */
static json_t *
reg_exclude(const struct store_user *u)
{
	struct passkey	*p;
	json_t		*a = json_array(), *tr;
	char		*id, err[128];
	size_t		 i, j;

	for (i = 0; i < u->npasskeys; i++) {
		p = passkey_decode(u->passkeys[i].data, u->passkeys[i].len, err, sizeof(err));
		if (p == NULL)
			continue;
		id = util_b64url_encode(p->id, p->idlen);
		tr = json_array();
		for (j = 0; j < p->ntransports; j++)
			json_array_append_new(tr, json_string(p->transports[j]));
		json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "type", "public-key",
		    "id", id, "transports", tr));
		free(id);
		passkey_free(p);
	}
	return (a);
}

void
wf_register_finish(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	const char	*cid, *label;
	json_t		*body, *cred;

	if ((r = wf_req_start(wf, req, 0)) == NULL)
		return;
	body = r->body;
	if (wf_str(req, body, "ceremony", WF_CEREMONY_MAX, 1, &cid) == -1 ||
	    wf_str(req, body, "label", WF_LABEL_MAX * 4, 0, &label) == -1) {
		wf_req_free(r);
		return;
	}
	if (label != NULL && !wf_label_ok(label)) {
		wf_error(r, 400, "label_invalid", "Give the passkey a name of at most 64 "
		    "characters.");
		return;
	}
	if (!json_is_object(cred = json_object_get(body, "credential"))) {
		wf_error(r, 400, "invalid_request", "The request needs \"credential\": the "
		    "passkey the browser created.");
		return;
	}
	/* Single use: taken before anything else, so a refused attempt cannot be replayed. */
	r->cer = ceremony_take(cid, CEREMONY_REGISTER);
	if (r->cer == NULL || r->cer->session == NULL || strcmp(r->cer->session, r->sid) != 0 ||
	    r->cer->user == NULL || strcmp(r->cer->user, r->user) != 0) {
		wf_error(r, 400, "ceremony_unknown", "This passkey setup has expired or was "
		    "already used. Start again.");
		return;
	}
	if (label != NULL)
		r->label = xstrdup(label);
	/* The user's groups and the policy first: they say whether UV is required. */
	wf_user_policy(r, 0, reg_on_policy);
}

/*
 * The verification of the response (§7.1) with the user verification the
 * user's profiles require, then the profiles themselves: the passkey must
 * fully satisfy one profile that targets the user (attestation is checked
 * here and only here); that profile is recorded on it.
 */
static void
reg_on_policy(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req		*r = arg;
	struct wa_policy	 pol;
	struct wa_error		 werr;
	struct policy_refusal	 ref;
	const char		*profile = NULL;
	char			*json;
	json_t			*extra;
	int			 rc;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		wf_error(r, 401, "signin_required", "Your account was not found. Sign in again.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "register finish: user and policy lookup");
		return;
	}
	if ((json = json_dumps(json_object_get(r->body, "credential"), JSON_COMPACT)) == NULL)
		fatalx("reg_on_policy: json_dumps");
	wf_policy(r->wf, &pol);
	pol.require_uv = policy_requires_uv(WF_POLICY(r), u->groups, u->ngroups);
	rc = wa_register(&pol, r->cer->challenge, sizeof(r->cer->challenge), json,
	    strlen(json), &r->pk, &werr);
	free(json);
	if (rc == -1) {
		reg_refuse(r, 400, wa_err_code(werr.code), werr.message);
		return;
	}
	memset(&ref, 0, sizeof(ref));
	if (policy_check_registration(WF_POLICY(r), u->groups, u->ngroups, r->pk, &profile,
	    &ref) == -1) {
		extra = reg_facts(r->pk);
		audit_event("registration", ref.code != NULL ? ref.code : "no_profile",
		    r->user, r->user, r->client, extra);
		log_info("webflow: %s: a %s passkey refused by policy: %s (client %s)",
		    r->user, passkey_type(r->pk), ref.code != NULL ? ref.code : "no_profile",
		    r->client);
		wf_error(r, 403, ref.code != NULL ? ref.code : "no_profile",
		    ref.message[0] != '\0' ? ref.message : "Your organisation's passkey "
		    "policy does not allow this passkey. Ask the helpdesk which kind to use.");
		return;
	}
	free(r->pk->profile);
	r->pk->profile = profile != NULL ? xstrdup(profile) : NULL;
	if (r->label != NULL)
		r->pk->label = xstrdup(r->label);
	wf_wait(r, store_user_by_credential(r->wf->store, r->pk->id, r->pk->idlen,
	    reg_on_cred, r));
}

/* What the audit trail says of a passkey: never the key. */
static json_t *
reg_facts(const struct passkey *pk)
{
	char	*id, aaguid[37];
	json_t	*o;

	id = util_b64url_encode(pk->id, pk->idlen);
	passkey_aaguid_fmt(pk->aaguid, aaguid);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "passkey", id, "type",
	    passkey_type(pk), "aaguid", aaguid, "fmt", pk->fmt != NULL ? pk->fmt : "none",
	    "trust", passkey_trust_name(pk->trust), "profile", pk->profile);
	free(id);
	return (o);
}

/* §7.1 step 26: a credential id registered to anyone is refused. */
static void
reg_on_cred(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req	*r = arg;

	(void)u;
	if (wf_arrived(r))
		return;
	if (err == STORE_OK || err == STORE_AMBIGUOUS) {
		reg_refuse(r, 400, "credential_exists", "This passkey is already set up. "
		    "Sign in with it, or use another device or security key.");
		return;
	}
	if (err != STORE_NOTFOUND) {
		wf_store_error(r, err, "register finish: credential lookup");
		return;
	}
	wf_wait(r, store_user_by_name(r->wf->store, r->user, reg_on_user_finish, r));
}

/* One modify: the record, its id, and the class if the entry lacks it. */
static void
reg_on_user_finish(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req		*r = arg;
	struct store_val	 oc, rec, id;
	struct store_mod	 mods[3];
	size_t			 n = 0;
	char			*enc;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		wf_error(r, 401, "signin_required", "Your account was not found. Sign in again.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "register finish: user lookup");
		return;
	}
	if (u->npasskeys >= WF_PASSKEYS_MAX) {
		reg_refuse(r, 409, "too_many_passkeys", "You have too many passkeys. Remove "
		    "one you no longer use, then try again.");
		return;
	}
	free(r->dn);
	r->dn = xstrdup(u->dn);
	enc = passkey_encode(r->pk);
	if (!u->latchkey) {
		oc = (struct store_val){ .data = "latchkeyUser", .len = 12 };
		mods[n++] = (struct store_mod){ STORE_MOD_ADD, "objectClass", &oc, 1 };
	}
	rec = (struct store_val){ .data = enc, .len = strlen(enc) };
	id = (struct store_val){ .data = (char *)r->pk->id, .len = r->pk->idlen };
	mods[n++] = (struct store_mod){ STORE_MOD_ADD, "latchkeyPasskey", &rec, 1 };
	mods[n++] = (struct store_mod){ STORE_MOD_ADD, "latchkeyPasskeyId", &id, 1 };
	wf_wait(r, store_modify(r->wf->store, r->dn, mods, n, reg_on_write, r));
	free(enc);
}

static void
reg_on_write(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;
	struct session	*s;
	char		*id, aaguid[37];
	json_t		*extra;

	if (wf_arrived(r))
		return;
	if (err == STORE_EXISTS) {
		reg_refuse(r, 400, "credential_exists", "This passkey is already set up. "
		    "Sign in with it, or use another device or security key.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "register finish: write");
		return;
	}
	id = util_b64url_encode(r->pk->id, r->pk->idlen);
	passkey_aaguid_fmt(r->pk->aaguid, aaguid);
	extra = reg_facts(r->pk);
	audit_event("registration", "success", r->user, r->user, r->client, extra);
	log_info("webflow: %s registered a %s passkey (client %s)", r->user,
	    passkey_type(r->pk), r->client);
	if (r->scope == SESSION_REGISTER) {
		/* The pass did its one job: the person signs in with the passkey now. */
		if ((s = session_from_request(r->req)) != NULL)
			session_end(s);
		session_set_cookie(r->req, NULL, wf_secure(r->req));
	}
	wf_reply(r, 201, json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "id", id,
	    "type", passkey_type(r->pk), "aaguid", aaguid,
	    "authenticator", r->pk->authenticator, "profile", r->pk->profile));
	free(id);
}

/* A refused registration: audited with its reason code. */
static void
reg_refuse(struct wf_req *r, int status, const char *code, const char *message)
{
	audit_event("registration", code, r->user, r->user, r->client, NULL);
	wf_error(r, status, code, message);
}
