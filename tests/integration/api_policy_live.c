/*
 * api_policy_live: the passkey profiles, the TAP policy and the
 * registration campaign (issue 5) as a running latchkeyd enforces them,
 * for tests/integration/api_policy.sh.  Prints TAP.
 *
 *   api_policy_live URL DIR LDAPI_URI
 *
 * It makes a test attestation CA first and writes it to DIR/ca.pem, then
 * waits for DIR/go: the script gives the CA to latchkeyd
 * (attestation-root), starts it, writes the policy and the users, and
 * puts each user's pass in DIR/tap-NAME and the latchkey base in DIR/base.  The policy: an "admins" profile
 * (device-bound, attestation enforced at registration), the default
 * profile for everyone else; passes for admins and staff only; a campaign
 * for staff (0 snooze days, 2 snoozes).  Mid-way the driver itself
 * changes the directory (ldapmodify over ldapi) and waits out the policy
 * cache (2 s).  Every check is a status and an error code.
 */
#include "config.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "api_client.h"
#include "passkey.h"
#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

#define FLAGS_SYNCED	(SA_UP | SA_UV | SA_BE | SA_BS)
#define FLAGS_DEVICE	(SA_UP | SA_UV)
#define CACHE_WAIT_US	2100000		/* the policy cache is 2 s */

static const char	*dir, *ldapi;
static char		*lkbase;
static struct sa_ca	*ca;

/* The pass the script issued to name (or another line the script wrote). */
static char *
tap_of(const char *name)
{
	char	 path[1024], buf[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s%s", dir, strcmp(name, "base") == 0 ? "" : "tap-",
	    name);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		fprintf(stderr, "api_policy_live: no pass in %s\n", path);
		exit(2);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (xstrdup(buf));
}

/* Applies an LDIF change to the directory; 0 on success. */
static int
ldapmodify(const char *ldif)
{
	char	 cmd[2048];
	FILE	*p;

	snprintf(cmd, sizeof(cmd), "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null", ldapi);
	if ((p = popen(cmd, "w")) == NULL)
		return (-1);
	fputs(ldif, p);
	return (pclose(p) == 0 ? 0 : -1);
}

/* A register-only session from name's pass; "" if refused. */
static char *
redeem(const char *name, const char *code, struct x *x)
{
	char	*c;

	reqj(x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", name,
	    "code", code), NULL);
	c = xstrdup(x->status == 200 && x->cookie != NULL ? x->cookie : "");
	return (c);
}

static json_t *
campaign_of(const struct x *x)
{
	return (json_object_get(x->json, "campaign"));
}

static int
campaign_is(const struct x *x, int prompt, int left, int can)
{
	json_t	*c = campaign_of(x);

	return (json_is_object(c) && json_is_boolean(json_object_get(c, "prompt")) &&
	    json_boolean_value(json_object_get(c, "prompt")) == prompt &&
	    json_integer_value(json_object_get(c, "snoozesLeft")) == left &&
	    json_is_boolean(json_object_get(c, "canSnooze")) &&
	    json_boolean_value(json_object_get(c, "canSnooze")) == can);
}

/* An admin: synced refused, device-bound without attestation refused, attested accepted at aal3. */
static void
test_admin(void)
{
	struct x	 x;
	struct sa_cred	*syn, *dev;
	json_t		*begin = NULL, *pk;
	char		*code = tap_of("ann"), *rc;
	const char	*s;
	int		 st;

	syn = sa_cred_new(-7, 32, 0);
	dev = sa_cred_new(-7, 32, 0);
	rc = redeem("ann", code, &x);
	check(*rc != '\0', "admin: TAP redeemed (got %d %s)", x.status, x.body);
	x_clear(&x);

	st = do_register_with(&x, rc, syn, FLAGS_SYNCED, NULL, "packed", ca, &begin,
	    NULL, NULL);
	pk = json_object_get(begin, "publicKey");
	check((s = jstr(pk, "attestation", NULL)) != NULL && strcmp(s, "direct") == 0 &&
	    (s = jstr(pk, "authenticatorSelection", "userVerification")) != NULL &&
	    strcmp(s, "required") == 0, "admin: register begin asks for attestation "
	    "\"direct\" and UV required");
	json_decref(begin);
	expect_err(&x, 403, "passkey_type", "admin: a synced passkey (even attested)");
	check(st == 403 && (s = jstr(x.json, "message", NULL)) != NULL && *s != '\0',
	    "admin: the refusal carries a message for people");
	x_clear(&x);

	do_register_with(&x, rc, dev, FLAGS_DEVICE, NULL, "none", NULL, NULL, NULL, NULL);
	expect_err(&x, 403, "attestation_required",
	    "admin: a device-bound passkey without attestation");
	x_clear(&x);

	st = do_register_with(&x, rc, dev, FLAGS_DEVICE, "Key", "packed", ca, NULL, NULL,
	    NULL);
	check(st == 201 && (s = jstr(x.json, "profile", NULL)) != NULL &&
	    strcmp(s, "admins") == 0 && strcmp(jstr(x.json, "type", NULL),
	    "device-bound") == 0, "admin: an attested device-bound passkey: 201, "
	    "profile admins (got %d %s)", st, x.body);
	x_clear(&x);

	st = do_signin(&x, "ann", dev, NULL, 0, FLAGS_DEVICE, 0, NULL);
	check(st == 200 && (s = jstr(x.json, "assurance", NULL)) != NULL &&
	    strcmp(s, "aal3") == 0, "admin: sign-in at aal3 (got %d %s)", st, x.body);
	free(rc);
	rc = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, rc);
	check(x.status == 200 && strcmp(jstr(x.json, "assurance", NULL), "aal3") == 0 &&
	    strcmp(jstr(json_array_get(json_object_get(x.json, "passkeys"), 0), "profile",
	    NULL), "admins") == 0 && campaign_of(&x) == NULL,
	    "admin: GET /me: aal3, the passkey's profile, no campaign (got %d %s)",
	    x.status, x.body);
	x_clear(&x);
	req(&x, "POST", "/api/v1/me/campaign/snooze", "{}", rc);
	expect_err(&x, 409, "campaign_inactive", "admin: snooze with no campaign for him");
	x_clear(&x);

	free(rc);
	free(code);
	sa_cred_free(syn);
	sa_cred_free(dev);
}

/* Staff: a synced passkey at aal2, kept as the last; then its AAGUID blocked. */
static void
test_staff(void)
{
	struct x	 x;
	struct sa_cred	*syn;
	json_t		*begin = NULL, *pk;
	char		*code = tap_of("sam"), *rc, aaguid[37], ldif[1024], path[2048], *id;
	const char	*s;
	int		 st;

	syn = sa_cred_new(-7, 32, 0);
	memcpy(syn->aaguid, "\x5a\x11\x0c\x4e\x00\x01\x40\x00\x80\x00\x00\x00\x00\x00\x00\x01",
	    16);
	passkey_aaguid_fmt(syn->aaguid, aaguid);
	id = b64(syn->id, syn->idlen);
	rc = redeem("sam", code, &x);
	check(*rc != '\0', "staff: TAP redeemed (got %d %s)", x.status, x.body);
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, rc);
	check(x.status == 200 && strcmp(jstr(x.json, "scope", NULL), "register") == 0 &&
	    campaign_is(&x, 1, 2, 1), "staff: GET /me on the pass's session: scope "
	    "register, campaign prompt with 2 snoozes left (got %d %s)", x.status, x.body);
	x_clear(&x);

	st = do_register_with(&x, rc, syn, FLAGS_SYNCED, NULL, NULL, NULL, &begin, NULL,
	    NULL);
	pk = json_object_get(begin, "publicKey");
	check((s = jstr(pk, "attestation", NULL)) != NULL && strcmp(s, "none") == 0,
	    "staff: register begin asks for no attestation");
	json_decref(begin);
	check(st == 201 && (s = jstr(x.json, "profile", NULL)) != NULL &&
	    strcmp(s, "default") == 0, "staff: a synced passkey: 201, profile default "
	    "(got %d %s)", st, x.body);
	x_clear(&x);

	st = do_signin(&x, "sam", syn, NULL, 0, FLAGS_SYNCED, 0, NULL);
	check(st == 200 && strcmp(jstr(x.json, "assurance", NULL), "aal2") == 0,
	    "staff: sign-in with the synced passkey at aal2 (got %d %s)", st, x.body);
	free(rc);
	rc = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);

	snprintf(path, sizeof(path), "/api/v1/me/passkeys/%s", id);
	req(&x, "DELETE", path, "{\"confirm\":true}", rc);
	expect_err(&x, 409, "passkey_required", "staff: the last passkey of a user the "
	    "campaign targets, even confirmed");
	x_clear(&x);

	snprintf(ldif, sizeof(ldif), "dn: cn=default,%s\nchangetype: modify\n"
	    "replace: latchkeyKeyRestriction\nlatchkeyKeyRestriction: block\n-\n"
	    "replace: latchkeyAaguid\nlatchkeyAaguid: %s\n", lkbase, aaguid);
	check(ldapmodify(ldif) == 0, "the default profile now blocks AAGUID %s", aaguid);
	usleep(CACHE_WAIT_US);
	st = do_signin(&x, "sam", syn, NULL, 0, FLAGS_SYNCED, 0, NULL);
	expect_err(&x, 403, "aaguid_blocked", "staff: sign-in after the block list changed");
	check(x.cookie == NULL, "staff: no session cookie with the refusal");
	x_clear(&x);

	free(id);
	free(rc);
	free(code);
	sa_cred_free(syn);
}

/* A user outside the TAP policy's groups: refused once the code is right, and only then. */
static void
test_tap_scope(void)
{
	struct x	 x;
	char		*code = tap_of("olly"), *rc;

	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", "olly",
	    "code", "WRONGWRONG"), NULL);
	expect_err(&x, 401, "tap_invalid", "out of scope with a wrong code: the usual answer");
	x_clear(&x);
	rc = redeem("olly", code, &x);
	expect_err(&x, 403, "tap_not_allowed", "out of the TAP policy's groups, right code");
	check(*rc == '\0', "no session for a user out of scope");
	x_clear(&x);
	free(rc);
	free(code);
}

/* The campaign: "Not now" twice (0 snooze days), then the limit. */
static void
test_campaign(void)
{
	struct x	 x;
	struct sa_cred	*c;
	char		*code = tap_of("cam"), *rc, *rc2;
	int		 i, st;

	for (i = 0; i < 2; i++) {
		rc = redeem("cam", code, &x);
		x_clear(&x);
		req(&x, "GET", "/api/v1/me", NULL, rc);
		check(x.status == 200 && campaign_is(&x, 1, 2 - i, 1), "campaign %d: "
		    "prompt, %d snoozes left (got %d %s)", i + 1, 2 - i, x.status, x.body);
		x_clear(&x);
		req(&x, "POST", "/api/v1/me/campaign/snooze", "{}", rc);
		check(x.status == 200 && json_is_true(json_object_get(x.json, "signedOut")) &&
		    x.cookie != NULL && x.cookie[0] == '\0' &&
		    json_integer_value(json_object_get(json_object_get(x.json, "campaign"),
		    "snoozesLeft")) == 1 - i, "campaign %d: \"Not now\": 200, the pass's "
		    "session ends, %d left (got %d %s)", i + 1, 1 - i, x.status, x.body);
		x_clear(&x);
		req(&x, "GET", "/api/v1/me", NULL, rc);
		expect_err(&x, 401, "signin_required", "the session after \"Not now\"");
		x_clear(&x);
		free(rc);
	}
	rc = redeem("cam", code, &x);
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, rc);
	check(x.status == 200 && campaign_is(&x, 1, 0, 0), "campaign: after the limit, the "
	    "prompt without \"Not now\" (got %d %s)", x.status, x.body);
	x_clear(&x);
	req(&x, "POST", "/api/v1/me/campaign/snooze", "{}", rc);
	expect_err(&x, 409, "snooze_limit", "campaign: a third snooze");
	x_clear(&x);
	c = sa_cred_new(-7, 32, 0);
	st = do_register(&x, rc, c, FLAGS_SYNCED, NULL, NULL, NULL);
	check(st == 201, "campaign: the passkey set up after all (got %d %s)", st, x.body);
	x_clear(&x);
	rc2 = redeem("cam", code, &x);
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, rc2);
	check(x.status == 200 && campaign_of(&x) == NULL, "campaign: none for a user with a "
	    "passkey (got %d %s)", x.status, x.body);
	x_clear(&x);
	sa_cred_free(c);
	free(rc);
	free(rc2);
	free(code);
}

/* Snooze days: a snooze hides the prompt for that long. */
static void
test_snooze_days(void)
{
	struct x	 x;
	char		*code = tap_of("cid"), *rc, ldif[512];

	snprintf(ldif, sizeof(ldif), "dn: cn=campaign,%s\nchangetype: modify\n"
	    "replace: latchkeySnoozeDays\nlatchkeySnoozeDays: 1\n", lkbase);
	check(ldapmodify(ldif) == 0, "the campaign now has 1 snooze day");
	usleep(CACHE_WAIT_US);
	rc = redeem("cid", code, &x);
	x_clear(&x);
	req(&x, "POST", "/api/v1/me/campaign/snooze", "{}", rc);
	check(x.status == 200 && json_is_false(json_object_get(json_object_get(x.json,
	    "campaign"), "prompt")), "snooze days: \"Not now\": no prompt for a day "
	    "(got %d %s)", x.status, x.body);
	x_clear(&x);
	free(rc);
	rc = redeem("cid", code, &x);
	x_clear(&x);
	req(&x, "GET", "/api/v1/me", NULL, rc);
	check(x.status == 200 && campaign_is(&x, 0, 1, 0), "snooze days: the next session "
	    "has no prompt (got %d %s)", x.status, x.body);
	x_clear(&x);
	req(&x, "POST", "/api/v1/me/campaign/snooze", "{}", rc);
	expect_err(&x, 409, "already_snoozed", "snooze days: a second snooze within the day");
	x_clear(&x);
	free(rc);
	free(code);
}

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;
	struct stat		 sb;
	char			 path[1024], *pem;
	FILE			*f;
	int			 i;

	if (argc != 4) {
		fprintf(stderr, "usage: api_policy_live URL DIR LDAPI_URI\n");
		return 2;
	}
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL) {
		fprintf(stderr, "api_policy_live: bad URL %s\n", argv[1]);
		return 2;
	}
	dir = argv[2];
	ldapi = argv[3];
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	origin = xstrdup(argv[1]);
	evhttp_uri_free(uri);

	if ((ca = sa_ca_new("latchkey test attestation CA")) == NULL ||
	    (pem = sa_ca_pem(ca)) == NULL) {
		fprintf(stderr, "api_policy_live: cannot make the test CA\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ca.pem.tmp", dir);
	if ((f = fopen(path, "w")) == NULL || fputs(pem, f) == EOF || fclose(f) == EOF) {
		fprintf(stderr, "api_policy_live: cannot write %s\n", path);
		return 2;
	}
	free(pem);
	chmod(path, 0644);
	{
		char	 final[1024];

		snprintf(final, sizeof(final), "%s/ca.pem", dir);
		if (rename(path, final) == -1) {
			fprintf(stderr, "api_policy_live: cannot rename %s\n", path);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "%s/go", dir);
	for (i = 0; i < 1200 && stat(path, &sb) == -1; i++)
		usleep(100000);
	if (i == 1200) {
		fprintf(stderr, "api_policy_live: no %s after 120 s\n", path);
		return 2;
	}
	lkbase = tap_of("base");
	base = event_base_new();

	test_admin();
	test_staff();
	test_tap_scope();
	test_campaign();
	test_snooze_days();

	printf("1..%d\n# %d passed, %d failed\n", ntests, ntests - nfailed, nfailed);
	event_base_free(base);
	sa_ca_free(ca);
	free(lkbase);
	free(host);
	free(rp_id);
	free(origin);
	return nfailed == 0 ? 0 : 1;
}
