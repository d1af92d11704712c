/*
 * webflow_tap.c: POST /api/v1/tap/redeem {username, code}.  A Temporary
 * Access Pass (research/entra-semantics.md b1) turns into a session that may
 * only register a passkey.  Every change of the latchkeyTap value is one
 * modify that deletes the exact value read and adds the new one
 * (ARCHITECTURE §3): if two redemptions of a one-time pass race, the second
 * delete fails, the loser rereads, finds the pass used, and is refused.
 * An unknown user, a user without a pass and a wrong code get the same
 * answer, so the endpoint does not tell who exists.  The TAP policy's
 * include and exclude groups say who may redeem a pass (b1: a pass can be
 * issued to anyone, only users in scope can sign in with it); that is
 * checked once the code is right, so only its holder learns it, and the
 * pass is left as it was.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "audit.h"
#include "http.h"
#include "log.h"
#include "policy.h"
#include "session.h"
#include "store.h"
#include "tap.h"
#include "util.h"
#include "webflow_priv.h"
#include "xmalloc.h"

/* r->step while the new value is written. */
enum { TAP_STEP_COUNT = 1, TAP_STEP_CONSUME };

static void	 tap_on_user(enum store_err, const struct store_user *, void *);
static void	 tap_on_write(enum store_err, void *);
static void	 tap_lookup(struct wf_req *);
static void	 tap_write(struct wf_req *, int);
static void	 tap_invalid(struct wf_req *, const char *);
static void	 tap_locked(struct wf_req *, time_t);
static void	 tap_granted(struct wf_req *);
static json_t	*tap_extra(const struct wf_req *);
static int	 tap_code_right(const struct wf_req *);

void
wf_tap_redeem(struct evhttp_request *req, void *arg)
{
	struct webflow	*wf = arg;
	struct wf_req	*r;
	const char	*name, *code;
	json_t		*body;

	if ((body = wf_body(wf, req)) == NULL)
		return;
	r = wf_req_new(wf, req);
	r->body = body;
	if (wf_str(req, body, "username", WF_USERNAME_MAX, 1, &name) == -1 ||
	    wf_str(req, body, "code", WF_CODE_MAX, 1, &code) == -1) {
		wf_req_free(r);
		return;
	}
	if (!wf->has_tap_key) {
		wf_error(r, 503, "tap_unavailable", "Temporary access passes cannot be used "
		    "right now. Ask the helpdesk.");
		return;
	}
	r->user = xstrdup(name);
	r->code = xstrdup(code);
	tap_lookup(r);
}

static void
tap_lookup(struct wf_req *r)
{
	wf_user_policy(r, 0, tap_on_user);
}

/* The user's entry: check the code against the pass as read now. */
static void
tap_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct wf_req	*r = arg;
	enum tap_result	 res;
	const struct policy_tap *tp;
	char		 why[128];
	time_t		 now = util_now();

	if (wf_arrived(r))
		return;
	if (err == STORE_NOTFOUND) {
		tap_invalid(r, "unknown_user");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "tap redeem: user lookup");
		return;
	}
	free(r->user);
	r->user = xstrdup(u->name);
	free(r->dn);
	r->dn = xstrdup(u->dn);
	tap_free(r->tap);
	r->tap = NULL;
	if (u->tap == NULL) {
		tap_invalid(r, "no_tap");
		return;
	}
	if ((r->tap = tap_decode(u->tap, strlen(u->tap), why, sizeof(why))) == NULL) {
		log_warnx("webflow: %s: latchkeyTap is unreadable: %s", u->dn, why);
		tap_invalid(r, "tap_unreadable");
		return;
	}
	free(r->old_val);
	r->old_val = xstrdup(u->tap);

	res = tap_check(r->tap, r->wf->tap_key, r->code, now);
	if ((res == TAP_EXPIRED || res == TAP_NOT_YET) && !tap_code_right(r))
		res = TAP_WRONG;	/* only the holder of the code learns why */
	switch (res) {
	case TAP_OK:
		tp = &WF_POLICY(r)->tap;
		if (!policy_targets(tp->include, tp->ninclude, tp->exclude, tp->nexclude,
		    u->groups, u->ngroups)) {
			audit_event("tap.refused", "out_of_scope", r->user, r->user,
			    r->client, tap_extra(r));
			wf_error(r, 403, "tap_not_allowed", "Your account may not sign in "
			    "with a temporary access pass. Ask the helpdesk.");
			break;
		}
		r->tap->uses++;
		r->tap->failures = 0;
		tap_write(r, TAP_STEP_CONSUME);
		break;
	case TAP_WRONG:
		r->confirm = tap_fail(r->tap, now);	/* 1: this failure locked it */
		tap_write(r, TAP_STEP_COUNT);
		break;
	case TAP_LOCKED:
		tap_locked(r, tap_locked_for(r->tap, now));
		break;
	case TAP_EXPIRED:
	case TAP_NOT_YET:
		audit_event("tap.failed", r->tap->expiry <= now ? "expired" : "not_yet",
		    r->user, r->user, r->client, tap_extra(r));
		wf_error(r, 401, "tap_expired", "This temporary access pass is not valid "
		    "now. Ask the helpdesk for a new one.");
		break;
	case TAP_USED:
	default:
		tap_invalid(r, "used");
		break;
	}
}

/* One modify: delete the value read, add the new one (ARCHITECTURE §3). */
static void
tap_write(struct wf_req *r, int step)
{
	struct store_val	 oldv, newv;
	struct store_mod	 mods[2];
	char			*enc;
	uint64_t		 op;

	r->step = step;
	enc = tap_encode(r->tap);
	oldv = (struct store_val){ .data = r->old_val, .len = strlen(r->old_val) };
	newv = (struct store_val){ .data = enc, .len = strlen(enc) };
	mods[0] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyTap", &oldv, 1 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, "latchkeyTap", &newv, 1 };
	op = store_modify(r->wf->store, r->dn, mods, 2, tap_on_write, r);
	free(enc);
	wf_wait(r, op);
}

static void
tap_on_write(enum store_err err, void *arg)
{
	struct wf_req	*r = arg;

	if (wf_arrived(r))
		return;
	if (err == STORE_CONFLICT && !r->retried) {
		/* Someone changed the pass since we read it: read it again, once. */
		r->retried = 1;
		tap_lookup(r);
		return;
	}
	if (err == STORE_CONFLICT) {
		tap_invalid(r, "conflict");
		return;
	}
	if (err != STORE_OK) {
		wf_store_error(r, err, "tap redeem: write");
		return;
	}
	if (r->step == TAP_STEP_CONSUME) {
		tap_granted(r);
		return;
	}
	if (r->confirm) {
		audit_event("tap.locked", "locked", r->user, r->user, r->client, tap_extra(r));
		log_info("webflow: %s: temporary access pass locked after %d failed "
		    "attempts (client %s)", r->user, TAP_FAILURES_MAX, r->client);
	}
	tap_invalid(r, "wrong_code");
}

/* The same answer for every reason, so that nobody learns who has a pass. */
static void
tap_invalid(struct wf_req *r, const char *why)
{
	audit_event("tap.failed", why, r->user, r->user, r->client,
	    r->tap != NULL ? tap_extra(r) : NULL);
	wf_error(r, 401, "tap_invalid", "The user name or the temporary access pass is "
	    "not right. Check both and try again, or ask the helpdesk for a new pass.");
}

/* Locked out: 429 with Retry-After (RFC 6585 §4). */
static void
tap_locked(struct wf_req *r, time_t secs)
{
	char	 buf[32], msg[160];

	if (secs < 1)
		secs = 1;
	snprintf(buf, sizeof(buf), "%lld", (long long)secs);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", buf);
	snprintf(msg, sizeof(msg), "Too many wrong codes. Wait %lld seconds, then try "
	    "again, or ask the helpdesk for a new pass.", (long long)secs);
	audit_event("tap.failed", "locked", r->user, r->user, r->client, tap_extra(r));
	wf_error(r, 429, "tap_locked", msg);
}

/* The pass is spent (one-time) or counted: a session that may register a passkey. */
static void
tap_granted(struct wf_req *r)
{
	struct session	*s;
	char		*exp;

	s = session_new(SESSION_REGISTER, r->user, r->dn, NULL, r->tap->expiry);
	session_set_cookie(r->req, s, wf_secure(r->req));
	audit_event("tap.redeemed", "success", r->user, r->user, r->client, tap_extra(r));
	exp = wf_time(s->expires);
	wf_reply(r, 200, json_pack("{s:s, s:s, s:s}", "user", s->user,
	    "scope", "register", "expires", exp));
	free(exp);
}

/* The audit fields of a pass: its id (never the code or the hash). */
static json_t *
tap_extra(const struct wf_req *r)
{
	return (json_pack("{s:s, s:b, s:i}", "tap", r->tap->id,
	    "oneTime", r->tap->one_time, "failures", (int)r->tap->failures));
}

/*
 * Whether the code matches, whatever the pass's dates and lock: tap_check
 * answers "expired" before it looks at the code, and telling that to
 * anyone would tell them who holds a pass.
 */
static int
tap_code_right(const struct wf_req *r)
{
	struct tap	 t = *r->tap;	/* shallow: nothing of it is freed */

	t.locked_until = 0;
	t.uses = 0;
	return (tap_check(&t, r->wf->tap_key, r->code, t.start) == TAP_OK);
}
