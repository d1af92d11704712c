/*
 * webflow_me.c: the signed-in user's own page: GET /api/v1/me, and PATCH
 * (rename) or DELETE (remove) /api/v1/me/passkeys/{id}.  Changing a record
 * is one modify that deletes the value read and adds the new one
 * (ARCHITECTURE §3); a conflict rereads and retries once.
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
#include "session.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "webflow_priv.h"
#include "xmalloc.h"

#define ME_PREFIX	"/api/v1/me/passkeys/"
#define ME_ID_MAX	1400	/* base64url of PASSKEY_ID_MAX bytes */

enum { ME_RENAME = 1, ME_REMOVE };

static void	 me_on_user(enum store_err, const struct store_user *, void *);
static json_t	*me_tap(const struct store_user *);
static int	 me_path_id(struct wf_req *);
static void	 me_lookup(struct wf_req *);
static void	 me_on_user_change(enum store_err, const struct store_user *, void *);
static void	 me_on_write(enum store_err, void *);
static void	 me_removed(struct wf_req *);

/* GET /api/v1/me: who is signed in, their passkeys and their pass. */
void
wf_me(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct session	*s;
	struct wf_req	*r;

	if ((s = wf_session(req, 1)) == NULL)
		return;
	r = wf_req_new(wf, req);
	wf_req_session(r, s);
	wf_wait(r, store_user_by_name(wf->store, r->user, me_on_user, r));
}

static void
me_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req	*r = arg;
	struct passkey	*p;
	json_t		*list;
	char		 why[128];
	size_t		 i;

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
	for (i = 0; i < u->npasskeys; i++) {
		if ((p = passkey_decode(u->passkeys[i].data, u->passkeys[i].len, why,
		    sizeof(why))) == NULL) {
			log_warnx("webflow: %s: a latchkeyPasskey value is unreadable: %s",
			    u->dn, why);
			continue;
		}
		json_array_append_new(list, wf_passkey_json(p));
		passkey_free(p);
	}
	wf_reply(r, 200, json_pack("{s:s, s:s, s:s?, s:o, s:o}", "user", u->name,
	    "displayName", u->display_name != NULL ? u->display_name : u->name,
	    "assurance", r->assurance, "passkeys", list, "tap", me_tap(u)));
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
	struct session	*s;
	struct wf_req	*r;
	const char	*label;
	json_t		*body;

	if ((body = wf_body(wf, req)) == NULL)
		return;
	if ((s = wf_session(req, 1)) == NULL) {
		json_decref(body);
		return;
	}
	r = wf_req_new(wf, req);
	r->body = body;
	wf_req_session(r, s);
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
	wf_wait(r, store_user_by_name(r->wf->store, r->user, me_on_user_change, r));
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
		/* Issue 5 hook: refused where a profile requires a passkey. */
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
