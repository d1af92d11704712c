/*
 * webflow_me.c: the signed-in user's own page: GET /api/v1/me, PATCH
 * (rename) or DELETE (remove) /api/v1/me/passkeys/{id}, and the
 * registration campaign's "Not now" (POST /api/v1/me/campaign/snooze).
 * Changing a value is one modify that deletes the value read and adds the
 * new one (ARCHITECTURE §3); a conflict rereads and retries once.
 *
 * The campaign (research/entra-semantics.md b2) concerns a user it targets
 * who has no passkey, after a sign-in by another method: here, a
 * register-only session bought with a TAP.  Its per-user state is the
 * latchkeyCampaign value {"count": N, "last": UNIX-SECONDS}.  A user the
 * enabled campaign targets is taken to be required to hold a passkey: they
 * may not remove their last one (docs/api.md).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "audit.h"
#include "http.h"
#include "log.h"
#include "passkey.h"
#include "policy.h"
#include "session.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "webflow_priv.h"
#include "xmalloc.h"

#define ME_PREFIX	"/api/v1/me/passkeys/"
#define ME_ID_MAX	1400	/* base64url of PASSKEY_ID_MAX bytes */
#define ME_CAMPAIGN_MAX	256	/* bytes of a latchkeyCampaign value we read */
#define ME_SNOOZES_MAX	100000	/* a count beyond any limit policy allows */

enum { ME_RENAME = 1, ME_REMOVE };

static void	 me_on_user(enum store_err, const struct store_user *, void *);
static json_t	*me_tap(const struct store_user *);
static int	 me_path_id(struct wf_req *);
static void	 me_lookup(struct wf_req *);
static void	 me_on_user_change(enum store_err, const struct store_user *, void *);
static void	 me_on_write(enum store_err, void *);
static void	 me_removed(struct wf_req *);
static int	 me_campaign_applies(const struct policy *, const struct store_user *);
static void	 me_campaign_read(const struct store_user *, int *, time_t *);
static json_t	*me_campaign(const struct policy *, int, time_t);
static void	 me_snooze_lookup(struct wf_req *);
static void	 me_on_user_snooze(enum store_err, const struct store_user *, void *);
static void	 me_on_snooze_write(enum store_err, void *);

/*
 * GET /api/v1/me: who is signed in, their passkeys, their pass and the
 * campaign.  A register-only session (a TAP) sees its scope and the
 * campaign, not the passkeys: it was not bought with one.
 */
void
wf_me(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct session	*s;
	struct wf_req	*r;

	if ((s = wf_session(req, 0)) == NULL)
		return;
	r = wf_req_new(wf, req);
	wf_req_session(r, s);
	wf_user_policy(r, 0, me_on_user);
}

static void
me_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req	*r = arg;
	struct passkey	*p;
	json_t		*list, *o;
	char		 why[128], *exp;
	size_t		 i;
	int		 count;
	time_t		 last;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		wf_error(r, 401, "signin_required", "Your account was not found. Sign in again.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "me: user lookup");
		return;
	}
	list = json_array();
	for (i = 0; r->scope == SESSION_FULL && i < u->npasskeys; i++) {
		if ((p = passkey_decode(u->passkeys[i].data, u->passkeys[i].len, why,
		    sizeof(why))) == NULL) {
			log_warnx("webflow: %s: a latchkeyPasskey value is unreadable: %s",
			    u->dn, why);
			continue;
		}
		json_array_append_new(list, wf_passkey_json(p));
		passkey_free(p);
	}
	o = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o}", "user", u->name,
	    "displayName", u->display_name != NULL ? u->display_name : u->name,
	    "scope", r->scope == SESSION_FULL ? "full" : "register",
	    "assurance", r->assurance, "passkeys", list, "tap", me_tap(u));
	if (o == NULL)
		fatalx("me_on_user: json_pack");
	if (r->scope != SESSION_FULL) {
		exp = wf_time(r->expires);
		json_object_set_new(o, "expires", json_string(exp));
		free(exp);
	}
	if (me_campaign_applies(WF_POLICY(r), u)) {
		me_campaign_read(u, &count, &last);
		json_object_set_new(o, "campaign", me_campaign(WF_POLICY(r), count, last));
	}
	wf_reply(r, 200, o);
}

/*
 * The campaign concerns u when it is enabled, targets u's groups, and u
 * has no passkey yet.
 */
static int
me_campaign_applies(const struct policy *pol, const struct store_user *u)
{
	const struct policy_campaign	*c = &pol->campaign;

	return (c->enabled && u->npasskeys == 0 && policy_targets(c->include, c->ninclude,
	    c->exclude, c->nexclude, u->groups, u->ngroups));
}

/* The user's snoozes so far; an unreadable value counts as none (and is logged). */
static void
me_campaign_read(const struct store_user *u, int *count, time_t *last)
{
	json_t		*o = NULL, *c, *l;
	size_t		 len;

	*count = 0;
	*last = 0;
	if (u->campaign == NULL)
		return;
	if ((len = strlen(u->campaign)) <= ME_CAMPAIGN_MAX)
		o = json_loadb(u->campaign, len, JSON_REJECT_DUPLICATES, NULL);
	c = json_object_get(o, "count");
	l = json_object_get(o, "last");
	if (!json_is_integer(c) || !json_is_integer(l) || json_integer_value(c) < 0 ||
	    json_integer_value(c) > ME_SNOOZES_MAX || json_integer_value(l) < 0) {
		log_warnx("webflow: %s: latchkeyCampaign is unreadable; counted as no "
		    "snooze", u->dn);
		json_decref(o);
		return;
	}
	*count = (int)json_integer_value(c);
	*last = (time_t)json_integer_value(l);
	json_decref(o);
}

/*
 * What the page shows: the prompt unless the last snooze is younger than
 * the snooze days (0 days: at every sign-in), and "Not now" while snoozes
 * remain (b2: after the limit, registration is required).
 */
static json_t *
me_campaign(const struct policy *pol, int count, time_t last)
{
	const struct policy_campaign	*c = &pol->campaign;
	time_t				 now = util_now();
	int				 left, snoozed;

	left = c->snooze_limit > count ? c->snooze_limit - count : 0;
	snoozed = count > 0 && last <= now &&
	    now - last < (time_t)c->snooze_days * 86400;
	return (json_pack("{s:b, s:i, s:b}", "prompt", !snoozed, "snoozesLeft", left,
	    "canSnooze", left > 0 && !snoozed));
}

/* The pass, if one can still be used: its end, never its code. */
static json_t *
me_tap(const struct store_user *u)
{
	struct tap	*t;
	json_t		*o = json_null();
	char		*exp, why[128];

	if (u->tap == NULL ||
	    (t = tap_decode(u->tap, strlen(u->tap), why, sizeof(why))) == NULL)
		return (o);
	if (t->expiry > util_now() && !(t->one_time && t->uses > 0)) {
		exp = wf_time(t->expiry);
		o = json_pack("{s:s}", "expires", exp);
		free(exp);
	}
	tap_free(t);
	return (o);
}

/* PATCH {label} renames; DELETE [{confirm}] removes. */
void
wf_me_passkey(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	const char	*label;
	json_t		*body;

	if ((r = wf_req_start(wf, req, 1)) == NULL)
		return;
	body = r->body;
	if (me_path_id(r) == -1) {
		wf_error(r, 404, "passkey_unknown", "You have no such passkey.");
		return;
	}
	if (evhttp_request_get_command(req) == EVHTTP_REQ_PATCH) {
		r->step = ME_RENAME;
		if (wf_str(req, body, "label", WF_LABEL_MAX * 4, 1, &label) == -1) {
			wf_req_free(r);
			return;
		}
		if (!wf_label_ok(label)) {
			wf_error(r, 400, "label_invalid", "Give the passkey a name of at most "
			    "64 characters.");
			return;
		}
		r->label = xstrdup(label);
	} else {
		r->step = ME_REMOVE;
		r->confirm = json_is_true(json_object_get(body, "confirm"));
	}
	me_lookup(r);
}

/* The credential id in the path: base64url, bounded. */
static int
me_path_id(struct wf_req *r)
{
	struct evhttp_uri	*uri;
	const char		*path, *id;
	size_t			 n, len;
	int			 rc = -1;

	if ((uri = evhttp_uri_parse(evhttp_request_get_uri(r->req))) == NULL)
		return (-1);
	path = evhttp_uri_get_path(uri);
	n = strlen(ME_PREFIX);
	if (path == NULL || strncmp(path, ME_PREFIX, n) != 0)
		goto done;
	id = path + n;
	len = strlen(id);
	if (len == 0 || len > ME_ID_MAX || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") != len)
		goto done;
	if ((r->cred_id = util_b64url_decode(id, len, &r->cred_idlen)) == NULL ||
	    r->cred_idlen == 0)
		goto done;
	rc = 0;
done:
	evhttp_uri_free(uri);
	return (rc);
}

static void
me_lookup(struct wf_req *r)
{
	wf_user_policy(r, 0, me_on_user_change);
}

static void
me_on_user_change(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req		*r = arg;
	struct store_val	 oldv, newv, idv;
	struct store_mod	 mods[2];
	size_t			 idx;
	char			*enc = NULL;
	uint64_t		 op;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		wf_error(r, 401, "signin_required", "Your account was not found. Sign in again.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "me: user lookup");
		return;
	}
	passkey_free(r->pk);
	if ((r->pk = wf_find_passkey(u, r->cred_id, r->cred_idlen, &idx)) == NULL) {
		wf_error(r, 404, "passkey_unknown", "You have no such passkey.");
		return;
	}
	free(r->dn);
	r->dn = xstrdup(u->dn);
	oldv = u->passkeys[idx];
	mods[0] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyPasskey", &oldv, 1 };
	if (r->step == ME_RENAME) {
		free(r->pk->label);
		r->pk->label = xstrdup(r->label);
		enc = passkey_encode(r->pk);
		newv = (struct store_val){ .data = enc, .len = strlen(enc) };
		mods[1] = (struct store_mod){ STORE_MOD_ADD, "latchkeyPasskey", &newv, 1 };
	} else {
		/*
		 * Policy requires a passkey of a user the enabled campaign
		 * targets: their last one stays, confirmed or not.
		 */
		if (u->npasskeys <= 1 && WF_POLICY(r)->campaign.enabled &&
		    policy_targets(WF_POLICY(r)->campaign.include,
		    WF_POLICY(r)->campaign.ninclude, WF_POLICY(r)->campaign.exclude,
		    WF_POLICY(r)->campaign.nexclude, u->groups, u->ngroups)) {
			audit_event("passkey.removed", "passkey_required", r->user, r->user,
			    r->client, NULL);
			wf_error(r, 409, "passkey_required", "This is your last passkey and "
			    "your organisation requires one. Add another passkey first, then "
			    "remove this one.");
			return;
		}
		if (u->npasskeys <= 1 && !r->confirm) {
			wf_error(r, 409, "confirm_last", "This is your last passkey: without "
			    "it you cannot sign in. Confirm to remove it anyway.");
			return;
		}
		idv = (struct store_val){ .data = (char *)r->cred_id, .len = r->cred_idlen };
		mods[1] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyPasskeyId", &idv, 1 };
	}
	op = store_modify(r->wf->store, r->dn, mods, 2, me_on_write, r);
	free(enc);
	wf_wait(r, op);
}

static void
me_on_write(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;
	char		*id;

	if (wf_arrived(r))
		return;
	if (err == STORE_CONFLICT && !r->retried) {
		r->retried = 1;
		me_lookup(r);
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "me: passkey update");
		return;
	}
	if (r->step == ME_REMOVE) {
		me_removed(r);
		return;
	}
	id = util_b64url_encode(r->cred_id, r->cred_idlen);
	audit_event("passkey.renamed", "success", r->user, r->user, r->client,
	    json_pack("{s:s}", "passkey", id));
	free(id);
	wf_reply(r, 200, wf_passkey_json(r->pk));
}

/*
 * A removed passkey must not keep anyone signed in: every session of the
 * user ends.  The person who removed another passkey stays signed in with
 * a fresh session; removing the one they signed in with signs them out.
 */
static void
me_removed(struct wf_req *r)
{
	struct session	*s = NULL;
	char		*id;
	int		 out;

	id = util_b64url_encode(r->cred_id, r->cred_idlen);
	audit_event("passkey.removed", "success", r->user, r->user, r->client,
	    json_pack("{s:s}", "passkey", id));
	log_info("webflow: %s removed a passkey (client %s)", r->user, r->client);
	out = r->passkey_id == NULL || strcmp(r->passkey_id, id) == 0;
	session_end_user(r->user);
	if (!out) {
		s = session_new(SESSION_FULL, r->user, r->dn, r->assurance, r->expires);
		s->passkey_id = xstrdup(r->passkey_id);
	}
	session_set_cookie(r->req, s, wf_secure(r->req));
	wf_reply(r, 200, json_pack("{s:s, s:b}", "id", id, "signedOut", out));
	free(id);
}

/*
 * POST /api/v1/me/campaign/snooze: "Not now".  Counts one snooze in the
 * user's latchkeyCampaign value; refused once the limit is reached.  A
 * register-only session ends with it: the person chose not to register now.
 */
void
wf_me_snooze(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;

	if ((r = wf_req_start(wf, req, 0)) == NULL)
		return;
	me_snooze_lookup(r);
}

static void
me_snooze_lookup(struct wf_req *r)
{
	wf_user_policy(r, 0, me_on_user_snooze);
}

/* The snooze as of the value read: delete it, add the next (ARCHITECTURE §3). */
static void
me_on_user_snooze(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req		*r = arg;
	const struct policy	*pol;
	struct store_val	 oc, oldv, newv;
	struct store_mod	 mods[3];
	size_t			 n = 0;
	char			*enc;
	json_t			*v;
	int			 count;
	time_t			 last;
	uint64_t		 op;

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		wf_error(r, 401, "signin_required", "Your account was not found. Sign in again.");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "campaign snooze: user lookup");
		return;
	}
	pol = WF_POLICY(r);
	if (!me_campaign_applies(pol, u)) {
		wf_error(r, 409, "campaign_inactive", "There is nothing to put off: you are "
		    "not asked to set up a passkey now.");
		return;
	}
	me_campaign_read(u, &count, &last);
	if (count >= pol->campaign.snooze_limit) {
		audit_event("campaign.snoozed", "snooze_limit", r->user, r->user, r->client,
		    json_pack("{s:i, s:i}", "count", count, "limit",
		    pol->campaign.snooze_limit));
		wf_error(r, 409, "snooze_limit", "You have put this off as many times as "
		    "your organisation allows. Set up your passkey now.");
		return;
	}
	json_decref(r->out);
	r->out = me_campaign(pol, count, last);
	if (!json_is_true(json_object_get(r->out, "prompt"))) {
		wf_error(r, 409, "already_snoozed", "You have already put this off; you "
		    "will be asked again later.");
		return;
	}
	free(r->dn);
	r->dn = xstrdup(u->dn);
	r->step = count + 1;
	v = json_pack("{s:i, s:I}", "count", r->step, "last", (json_int_t)util_now());
	if (v == NULL || (enc = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("me_on_user_snooze: json_dumps");
	json_decref(v);
	if (!u->latchkey) {
		oc = (struct store_val){ .data = "latchkeyUser", .len = 12 };
		mods[n++] = (struct store_mod){ STORE_MOD_ADD, "objectClass", &oc, 1 };
	}
	if (u->campaign != NULL) {
		oldv = (struct store_val){ .data = u->campaign, .len = strlen(u->campaign) };
		mods[n++] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyCampaign", &oldv, 1 };
	}
	newv = (struct store_val){ .data = enc, .len = strlen(enc) };
	mods[n++] = (struct store_mod){ STORE_MOD_ADD, "latchkeyCampaign", &newv, 1 };
	op = store_modify(r->wf->store, r->dn, mods, n, me_on_snooze_write, r);
	free(enc);
	wf_wait(r, op);
}

static void
me_on_snooze_write(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;
	struct session	*s;
	int		 out = 0;
	json_t		*c;

	if (wf_arrived(r))
		return;
	if ((err == STORE_CONFLICT || err == STORE_EXISTS) && !r->retried) {
		/* Another snooze (another tab, another node) came first: read again. */
		r->retried = 1;
		me_snooze_lookup(r);
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "campaign snooze: write");
		return;
	}
	audit_event("campaign.snoozed", "success", r->user, r->user, r->client,
	    json_pack("{s:i, s:i}", "count", r->step, "limit",
	    WF_POLICY(r)->campaign.snooze_limit));
	log_info("webflow: %s put off setting up a passkey (%d) (client %s)", r->user,
	    r->step, r->client);
	c = me_campaign(WF_POLICY(r), r->step, util_now());
	if (r->scope == SESSION_REGISTER) {
		/* The person chose not to register now: the pass's session has done its job. */
		if ((s = session_from_request(r->req)) != NULL)
			session_end(s);
		session_set_cookie(r->req, NULL, wf_secure(r->req));
		out = 1;
	}
	wf_reply(r, 200, json_pack("{s:o, s:b}", "campaign", c, "signedOut", out));
}
