/*
 * api_live: drives the JSON API of a running latchkeyd (ARCHITECTURE §5)
 * with libevent's HTTP client and the software authenticator, for
 * tests/integration/api.sh.  Prints TAP.
 *
 *   api_live URL ALICE_TAP BOB_TAP CAROL_TAP
 *
 * alice: TAP onboarding, registration, sign-out, usernameless and by-name
 * sign-in, her page, rename, remove.  bob: wrong codes until the lockout.
 * carol: two redemptions of her one-time pass at once.  Every refusal is
 * checked by its status and its JSON error code.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "api_client.h"
#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

/* The rules every state-changing request meets. */
static void
test_rules(void)
{
	struct x	 x;
	char		*big;
	size_t		 n = 70 * 1024;

	start(&x, "POST", "/api/v1/tap/redeem", origin, "text/plain",
	    "{\"username\":\"alice\",\"code\":\"x\"}", 31, NULL);
	wait_all(&x, 1);
	expect_err(&x, 415, "unsupported_media_type", "text/plain body");
	x_clear(&x);
	start(&x, "POST", "/api/v1/tap/redeem", origin, "application/json; charset=utf-8",
	    "{\"username\":", 12, NULL);
	wait_all(&x, 1);
	expect_err(&x, 400, "json_malformed", "malformed JSON (charset parameter allowed)");
	x_clear(&x);
	req(&x, "POST", "/api/v1/tap/redeem", "[1,2]", NULL);
	expect_err(&x, 400, "json_malformed", "a JSON array instead of an object");
	x_clear(&x);
	start(&x, "POST", "/api/v1/tap/redeem", "https://evil.example", CT_JSON,
	    "{\"username\":\"alice\",\"code\":\"x\"}", 31, NULL);
	wait_all(&x, 1);
	expect_err(&x, 403, "origin_forbidden", "foreign Origin");
	x_clear(&x);
	start(&x, "POST", "/api/v1/tap/redeem", NULL, CT_JSON,
	    "{\"username\":\"alice\",\"code\":\"x\"}", 31, NULL);
	wait_all(&x, 1);
	expect_err(&x, 403, "origin_forbidden", "missing Origin");
	x_clear(&x);
	big = xmalloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	start(&x, "POST", "/api/v1/tap/redeem", origin, CT_JSON, big, n, NULL);
	wait_all(&x, 1);
	check(x.status == 413, "oversized body: 413 (got %d)", x.status);
	free(big);
	x_clear(&x);
	req(&x, "POST", "/api/v1/tap/redeem", "{\"username\":\"alice\"}", NULL);
	expect_err(&x, 400, "invalid_request", "redeem without a code");
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, NULL);
	expect_err(&x, 401, "signin_required", "GET /me without a session");
	x_clear(&x);
	req(&x, "POST", "/api/v1/passkeys/register/begin", "{}", NULL);
	expect_err(&x, 401, "signin_required", "register begin without a session");
	x_clear(&x);
	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username",
	    "nobody", "code", "ACDEFGHJKM"), NULL);
	expect_err(&x, 401, "tap_invalid", "unknown user: the same answer as a wrong code");
	x_clear(&x);
}

/* alice: the whole life of a passkey. */
static void
test_alice(const char *code)
{
	struct x	 x;
	struct sa_cred	*c1, *c2;
	char		*reg_cookie, *cookie, *cer, *resp, *id1, *id2, path[2048];
	unsigned char	*uh = NULL;
	size_t		 uhlen = 0, nallow = 99;
	const char	*s;
	json_t		*pk, *list;
	int		 st;

	c1 = sa_cred_new(-7, 32, 0);
	c2 = sa_cred_new(-8, 48, 0);
	id1 = b64(c1->id, c1->idlen);
	id2 = b64(c2->id, c2->idlen);

	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username",
	    "alice", "code", code), NULL);
	check(x.status == 200 && x.cookie != NULL && *x.cookie != '\0' &&
	    (s = jstr(x.json, "scope", NULL)) != NULL && strcmp(s, "register") == 0,
	    "TAP redeemed: 200, cookie, scope register (got %d %s)", x.status, x.body);
	reg_cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username",
	    "alice", "code", code), NULL);
	expect_err(&x, 401, "tap_invalid", "one-time TAP redeemed a second time");
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, reg_cookie);
	check(x.status == 200 && (s = jstr(x.json, "scope", NULL)) != NULL &&
	    strcmp(s, "register") == 0 && json_array_size(json_object_get(x.json,
	    "passkeys")) == 0 && json_object_get(x.json, "campaign") == NULL,
	    "GET /me with a register-only session: 200 scope register, no passkeys, "
	    "no campaign while it is disabled (got %d %s)", x.status, x.body);
	x_clear(&x);

	/* The options a browser gets. */
	req(&x, "POST", "/api/v1/passkeys/register/begin", "{}", reg_cookie);
	pk = json_object_get(x.json, "publicKey");
	check(x.status == 200 && jstr(x.json, "ceremony", NULL) != NULL &&
	    strcmp(jstr(pk, "rp", "id"), rp_id) == 0 &&
	    strcmp(jstr(pk, "user", "name"), "alice") == 0 &&
	    strcmp(jstr(pk, "authenticatorSelection", "residentKey"), "required") == 0 &&
	    strcmp(jstr(pk, "authenticatorSelection", "userVerification"), "required") == 0 &&
	    strcmp(jstr(pk, "attestation", NULL), "none") == 0 &&
	    json_array_size(json_object_get(pk, "pubKeyCredParams")) == 4 &&
	    json_array_size(json_object_get(pk, "excludeCredentials")) == 0,
	    "register begin: CreationOptionsJSON (got %d)", x.status);
	if ((s = jstr(pk, "user", "id")) != NULL)
		uh = util_b64url_decode(s, strlen(s), &uhlen);
	check(uh != NULL && uhlen == 32, "register begin: a 32-byte user handle");
	x_clear(&x);

	reqj(&x, "POST", "/api/v1/passkeys/register/finish", json_pack("{s:s, s:{}}",
	    "ceremony", "AAAAAAAAAAAAAAAAAAAAAA", "credential"), reg_cookie);
	expect_err(&x, 400, "ceremony_unknown", "register finish with an unknown ceremony");
	x_clear(&x);

	st = do_register(&x, reg_cookie, c1, SA_UP | SA_UV | SA_BE | SA_BS, "Phone", NULL, NULL);
	check(st == 201 && (s = jstr(x.json, "type", NULL)) != NULL &&
	    strcmp(s, "synced") == 0 && strcmp(jstr(x.json, "id", NULL), id1) == 0 &&
	    x.cookie != NULL && x.cookie[0] == '\0',
	    "register finish: 201 synced, the register-only session ends (got %d %s)",
	    st, x.body);
	x_clear(&x);
	req(&x, "POST", "/api/v1/passkeys/register/begin", "{}", reg_cookie);
	expect_err(&x, 401, "signin_required", "the register-only session is over");
	x_clear(&x);

	/* Usernameless sign-in. */
	st = do_signin(&x, NULL, c1, uh, uhlen, SA_UP | SA_UV | SA_BE | SA_BS, 0, &nallow);
	check(st == 200 && nallow == 0 && strcmp(jstr(x.json, "assurance", NULL), "aal2") == 0 &&
	    strcmp(jstr(x.json, "passkeyType", NULL), "synced") == 0 && x.cookie != NULL &&
	    *x.cookie != '\0', "usernameless sign-in: 200 aal2 synced (got %d %s)", st, x.body);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);

	req(&x, "GET", "/api/v1/me", NULL, cookie);
	list = json_object_get(x.json, "passkeys");
	check(x.status == 200 && strcmp(jstr(x.json, "user", NULL), "alice") == 0 &&
	    json_array_size(list) == 1 &&
	    strcmp(jstr(json_array_get(list, 0), "label", NULL), "Phone") == 0 &&
	    json_is_null(json_object_get(x.json, "tap")),
	    "GET /me: one passkey labelled Phone, no usable TAP (got %d %s)", x.status, x.body);
	x_clear(&x);

	/* The same authenticator again: excluded, and refused by the server. */
	req(&x, "POST", "/api/v1/passkeys/register/begin", "{}", cookie);
	pk = json_object_get(x.json, "publicKey");
	check(x.status == 200 && json_array_size(json_object_get(pk, "excludeCredentials")) == 1 &&
	    strcmp(jstr(json_array_get(json_object_get(pk, "excludeCredentials"), 0), "id",
	    NULL), id1) == 0, "register begin: excludeCredentials holds the passkey");
	x_clear(&x);
	do_register(&x, cookie, c1, SA_UP | SA_UV, NULL, NULL, NULL);
	expect_err(&x, 400, "credential_exists", "the same authenticator registered twice");
	x_clear(&x);

	/* A device-bound second passkey; its finish replayed. */
	st = do_register(&x, cookie, c2, SA_UP | SA_UV, NULL, &cer, &resp);
	check(st == 201 && strcmp(jstr(x.json, "type", NULL), "device-bound") == 0,
	    "second passkey: 201 device-bound (got %d %s)", st, x.body);
	x_clear(&x);
	reqj(&x, "POST", "/api/v1/passkeys/register/finish", json_pack("{s:s, s:o}",
	    "ceremony", cer, "credential", json_loads(resp, 0, NULL)), cookie);
	expect_err(&x, 400, "ceremony_unknown", "register finish replayed");
	x_clear(&x);
	free(cer);
	free(resp);

	req(&x, "POST", "/api/v1/signout", NULL, cookie);
	check(x.status == 204 && x.cookie != NULL && x.cookie[0] == '\0',
	    "sign-out: 204 and the cookie cleared (got %d)", x.status);
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, cookie);
	expect_err(&x, 401, "signin_required", "GET /me after sign-out");
	x_clear(&x);
	free(cookie);

	/* By name. */
	st = do_signin(&x, "alice", c2, NULL, 0, SA_UP | SA_UV, 0, &nallow);
	check(st == 200 && nallow == 2 && strcmp(jstr(x.json, "passkeyType", NULL),
	    "device-bound") == 0, "sign-in by name: allowCredentials of 2, 200 (got %d %s)",
	    st, x.body);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	reqj(&x, "POST", "/api/v1/signin/begin", json_pack("{s:s}", "username", "nobody"), NULL);
	check(x.status == 200 && json_array_size(json_object_get(json_object_get(x.json,
	    "publicKey"), "allowCredentials")) == 0, "sign-in begin for an unknown name: "
	    "200 and an empty allowCredentials");
	x_clear(&x);
	do_signin(&x, NULL, c1, uh, uhlen, SA_UP | SA_UV | SA_BE | SA_BS, 1, NULL);
	expect_err(&x, 401, "bad_signature", "sign-in with a broken signature");
	x_clear(&x);
	do_signin(&x, NULL, c1, uh, uhlen, SA_UP | SA_BE | SA_BS, 0, NULL);
	expect_err(&x, 401, "uv_required", "sign-in without user verification");
	x_clear(&x);
	reqj(&x, "POST", "/api/v1/signin/finish", json_pack("{s:s, s:{}}", "ceremony",
	    "AAAAAAAAAAAAAAAAAAAAAA", "credential"), NULL);
	expect_err(&x, 400, "ceremony_unknown", "sign-in finish with an unknown ceremony");
	x_clear(&x);

	/* Rename, remove. */
	snprintf(path, sizeof(path), "/api/v1/me/passkeys/%s", id1);
	reqj(&x, "PATCH", path, json_pack("{s:s}", "label", "Work phone"), cookie);
	check(x.status == 200 && strcmp(jstr(x.json, "label", NULL), "Work phone") == 0,
	    "rename: 200 with the new label (got %d %s)", x.status, x.body);
	x_clear(&x);
	req(&x, "PATCH", "/api/v1/me/passkeys/AAAA", "{\"label\":\"x\"}", cookie);
	expect_err(&x, 404, "passkey_unknown", "rename an unknown passkey");
	x_clear(&x);
	req(&x, "DELETE", path, NULL, cookie);
	check(x.status == 200 && json_is_false(json_object_get(x.json, "signedOut")),
	    "remove the other passkey: 200, still signed in (got %d %s)", x.status, x.body);
	free(cookie);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, cookie);
	check(x.status == 200 && json_array_size(json_object_get(x.json, "passkeys")) == 1,
	    "GET /me: one passkey left (got %d)", x.status);
	x_clear(&x);
	snprintf(path, sizeof(path), "/api/v1/me/passkeys/%s", id2);
	req(&x, "DELETE", path, "{}", cookie);
	expect_err(&x, 409, "confirm_last", "remove the last passkey without confirming");
	x_clear(&x);
	req(&x, "DELETE", path, "{\"confirm\":true}", cookie);
	check(x.status == 200 && json_is_true(json_object_get(x.json, "signedOut")),
	    "remove the last passkey with confirm: 200, signed out (got %d %s)", x.status, x.body);
	x_clear(&x);
	do_signin(&x, NULL, c2, uh, uhlen, SA_UP | SA_UV, 0, NULL);
	expect_err(&x, 401, "credential_unknown", "sign-in with a removed passkey");
	x_clear(&x);

	free(cookie);
	free(reg_cookie);
	free(uh);
	free(id1);
	free(id2);
	sa_cred_free(c1);
	sa_cred_free(c2);
}

/* bob: ten wrong codes lock the pass; then even the right one waits. */
static void
test_bob(const char *code)
{
	struct x	 x;
	int		 i, all = 1;

	for (i = 0; i < 10; i++) {
		reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}",
		    "username", "bob", "code", "WRONGWRONG"), NULL);
		if (x.status != 401 || strcmp(err_of(&x), "tap_invalid") != 0)
			all = 0;
		x_clear(&x);
	}
	check(all, "ten wrong codes: 401 tap_invalid each");
	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", "bob",
	    "code", code), NULL);
	expect_err(&x, 429, "tap_locked", "locked after ten failures, even with the right code");
	check(x.retry_after != NULL && atoi(x.retry_after) > 0 && atoi(x.retry_after) <= 60,
	    "Retry-After in 1..60 seconds (got %s)", x.retry_after ? x.retry_after : "none");
	x_clear(&x);
}

/* carol: two redemptions of a one-time pass at once; exactly one wins. */
static void
test_carol(const char *code)
{
	struct x	 xs[2];
	json_t		*o;
	char		*body;
	int		 i, n200 = 0, n401 = 0;

	o = json_pack("{s:s, s:s}", "username", "carol", "code", code);
	body = json_dumps(o, 0);
	json_decref(o);
	for (i = 0; i < 2; i++)
		start(&xs[i], "POST", "/api/v1/tap/redeem", origin, CT_JSON, body,
		    strlen(body), NULL);
	wait_all(xs, 2);
	for (i = 0; i < 2; i++) {
		n200 += xs[i].status == 200;
		n401 += xs[i].status == 401 && strcmp(err_of(&xs[i]), "tap_invalid") == 0;
	}
	check(n200 == 1 && n401 == 1, "two concurrent redemptions of a one-time TAP: one "
	    "200, one 401 tap_invalid (got %d and %d)", xs[0].status, xs[1].status);
	for (i = 0; i < 2; i++)
		x_clear(&xs[i]);
	free(body);
}

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;

	if (argc != 5) {
		fprintf(stderr, "usage: api_live URL ALICE_TAP BOB_TAP CAROL_TAP\n");
		return 2;
	}
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL) {
		fprintf(stderr, "api_live: bad URL %s\n", argv[1]);
		return 2;
	}
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	origin = xstrdup(argv[1]);
	evhttp_uri_free(uri);
	base = event_base_new();

	test_rules();
	test_alice(argv[2]);
	test_bob(argv[3]);
	test_carol(argv[4]);

	printf("1..%d\n# %d passed, %d failed\n", ntests, ntests - nfailed, nfailed);
	event_base_free(base);
	free(host);
	free(rp_id);
	free(origin);
	return nfailed == 0 ? 0 : 1;
}
