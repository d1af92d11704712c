/*
 * test_policy.c: passkey profiles as an admin writes them and users meet
 * them.  The policies are written as directory entries (LDIF-like text,
 * decoded by policy_from_entries like the daemon's), then a table of users
 * (groups) and passkeys (BE, BS, AAGUID, attestation trust, UV) says, for
 * registration or sign-in, which profile admits each passkey and at what
 * assurance, or why it is refused.  Then every bad value an entry can hold
 * is refused with its DN and attribute named.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "passkey.h"
#include "policy.h"
#include "store.h"
#include "xmalloc.h"

#define YUBIKEY		"cb69481e-8ff7-4039-93ec-0a2729a154a8"	/* YubiKey 5 */
#define GPM		"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"	/* Google Password Manager */
#define ICLOUD		"fbfc3007-154e-4ecc-8c0b-6e020557d7bd"	/* iCloud Keychain */
#define CHEAPKEY	"00112233-4455-6677-8899-aabbccddeeff"	/* a key the admin blocks */
#define ZERO		"00000000-0000-0000-0000-000000000000"

/* Entries in LDIF-like text: "attr: value" lines, entries separated by a blank line. */
struct entries {
	struct store_entry	*e;
	size_t			 n;
};

static void
entries_add_value(struct store_entry *e, const char *name, const char *value)
{
	struct store_attr	*a = NULL;
	size_t			 i;

	if (strcasecmp(name, "dn") == 0) {
		e->dn = xstrdup(value);
		return;
	}
	for (i = 0; i < e->nattrs; i++)
		if (strcmp(e->attrs[i].name, name) == 0)
			a = &e->attrs[i];
	if (a == NULL) {
		e->attrs = xreallocarray(e->attrs, e->nattrs + 1, sizeof(*e->attrs));
		a = &e->attrs[e->nattrs++];
		memset(a, 0, sizeof(*a));
		a->name = xstrdup(name);
	}
	a->vals = xreallocarray(a->vals, a->nvals + 1, sizeof(*a->vals));
	a->vals[a->nvals].data = xstrdup(value);
	a->vals[a->nvals].len = strlen(value);
	a->nvals++;
}

static struct entries
entries_parse(const char *text)
{
	struct entries	 es = { NULL, 0 };
	char		*copy, *line, *next, *colon;
	int		 fresh = 1;

	copy = xstrdup(text);
	for (line = copy; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#')
			continue;
		if (*line == '\0') {
			fresh = 1;
			continue;
		}
		if (fresh) {
			es.e = xreallocarray(es.e, es.n + 1, sizeof(*es.e));
			memset(&es.e[es.n++], 0, sizeof(*es.e));
			fresh = 0;
		}
		colon = strstr(line, ": ");
		assert_non_null(colon);
		*colon = '\0';
		entries_add_value(&es.e[es.n - 1], line, colon + 2);
	}
	free(copy);
	return es;
}

static void
entries_free(struct entries *es)
{
	size_t	 i, j, k;

	for (i = 0; i < es->n; i++) {
		for (j = 0; j < es->e[i].nattrs; j++) {
			for (k = 0; k < es->e[i].attrs[j].nvals; k++)
				free(es->e[i].attrs[j].vals[k].data);
			free(es->e[i].attrs[j].vals);
			free(es->e[i].attrs[j].name);
		}
		free(es->e[i].attrs);
		free(es->e[i].dn);
	}
	free(es->e);
}

static struct policy *
policy_parse(const char *text, char *err, size_t errlen)
{
	struct entries	 es = entries_parse(text);
	struct policy	*pol;

	pol = policy_from_entries(es.e, es.n, err, errlen);
	entries_free(&es);
	return pol;
}

/* --- the policies of the table --------------------------------------------- */

#define OC_PROFILE	"objectClass: top\nobjectClass: latchkeyPasskeyProfile\n"

enum { POL_DEFAULT, POL_ADMINS, POL_MULTI, POL_ALLOW, POL_BLOCK, POL_EXCL, POL_ATTEST_SYNCED,
	POL_TIGHT_TYPES, POL_TIGHT_ATTEST, POL_TIGHT_BLOCK, POL_UV_PREFERRED, POL_NONE, NPOL };

static const char *const policy_texts[NPOL] = {
	/* What set-up writes. */
	[POL_DEFAULT] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyAttestationEnforcement: disabled\nlatchkeyKeyRestriction: off\n"
	    "latchkeyUserVerification: required\n",
	/* Issue 5's example: admins attested device-bound only, everyone else anything. */
	[POL_ADMINS] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyExcludeGroup: admins\n"
	    "\n"
	    "dn: cn=admins,ou=latchkey\n" OC_PROFILE "cn: admins\n"
	    "latchkeyPasskeyType: DEVICEBOUND\n"
	    "latchkeyAttestationEnforcement: registrationonly\n"
	    "latchkeyUserVerification: Required\nlatchkeyIncludeGroup: admins\n",
	/* Engineers in two profiles, listed out of name order. */
	[POL_MULTI] =
	    "dn: cn=b-keys,ou=latchkey\n" OC_PROFILE "cn: b-keys\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyAttestationEnforcement: registrationOnly\n"
	    "latchkeyKeyRestriction: allow\nlatchkeyAaguid: " YUBIKEY "\n"
	    "latchkeyIncludeGroup: engineers\n"
	    "\n"
	    "dn: cn=a-any,ou=latchkey\n" OC_PROFILE "cn: a-any\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyKeyRestriction: block\nlatchkeyAaguid: " CHEAPKEY "\n"
	    "latchkeyIncludeGroup: engineers\n",
	[POL_ALLOW] =
	    "dn: cn=vendors,ou=latchkey\n" OC_PROFILE "cn: vendors\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyKeyRestriction: allow\n"
	    "latchkeyAaguid: " YUBIKEY "\nlatchkeyAaguid: " ICLOUD "\n"
	    "latchkeyIncludeGroup: contractors\n",
	[POL_BLOCK] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyKeyRestriction: block\n"
	    "latchkeyAaguid: 00112233-4455-6677-8899-AABBCCDDEEFF\n",
	[POL_EXCL] =
	    "dn: cn=staff,ou=latchkey\n" OC_PROFILE "cn: staff\n"
	    "latchkeyPasskeyType: synced\nlatchkeyPasskeyType: deviceBound\n"
	    "latchkeyIncludeGroup: staff\nlatchkeyExcludeGroup: contractors\n",
	/* Attestation asked of synced passkeys too: checked at registration only. */
	[POL_ATTEST_SYNCED] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: synced\n"
	    "latchkeyAttestationEnforcement: registrationOnly\n",
	/* The default profile after the admin removed synced. */
	[POL_TIGHT_TYPES] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: deviceBound\n",
	/* ... and then turned attestation on. */
	[POL_TIGHT_ATTEST] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: deviceBound\n"
	    "latchkeyAttestationEnforcement: registrationOnly\n",
	/* The default profile after Google Password Manager was blocked. */
	[POL_TIGHT_BLOCK] =
	    "dn: cn=default,ou=latchkey\n" OC_PROFILE "cn: default\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyKeyRestriction: block\nlatchkeyAaguid: " GPM "\n",
	[POL_UV_PREFERRED] =
	    "dn: cn=kiosk,ou=latchkey\n" OC_PROFILE "cn: kiosk\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyUserVerification: discouraged\n",
	/* The admin deleted every profile; the TAP policy alone is left. */
	[POL_NONE] =
	    "dn: cn=tap-policy,ou=latchkey\nobjectClass: latchkeyTapPolicy\ncn: tap-policy\n",
};

/* --- the table ----------------------------------------------------------- */

enum { REG, SIGNIN };
#define TR	PASSKEY_TRUST_TRUSTED
#define UN	PASSKEY_TRUST_UNTRUSTED
#define NO	PASSKEY_TRUST_NONE
#define SELF	PASSKEY_TRUST_SELF

struct row {
	const char	*what;
	int		 pol;
	const char	*groups;	/* comma-separated */
	int		 be, bs;
	const char	*aaguid;
	enum passkey_trust trust;
	int		 uv;
	int		 when;
	const char	*profile;	/* admitted by; NULL: refused */
	const char	*result;	/* the assurance, or the refusal code */
};

static const struct row rows[] = {
	/* The default profile: any passkey with user verification, for everyone. */
	{ "default: synced passkey", POL_DEFAULT, "", 1, 1, GPM, NO, 1, REG,
	    "default", "aal2" },
	{ "default: attested security key", POL_DEFAULT, "staff", 0, 0, YUBIKEY, TR, 1, REG,
	    "default", "aal3" },
	{ "default: unattested security key", POL_DEFAULT, "staff", 0, 0, YUBIKEY, NO, 1, REG,
	    "default", "aal2" },
	{ "default: untrusted chain", POL_DEFAULT, "", 0, 0, YUBIKEY, UN, 1, SIGNIN,
	    "default", "aal2" },
	{ "default: no user verification", POL_DEFAULT, "", 1, 1, ICLOUD, NO, 0, REG,
	    NULL, "uv_required" },
	{ "default: no user verification at sign-in", POL_DEFAULT, "", 0, 0, YUBIKEY, TR, 0,
	    SIGNIN, NULL, "uv_required" },
	/* admins / everyone else (issue 5's "done when"). */
	{ "admin: synced refused", POL_ADMINS, "admins", 1, 1, GPM, NO, 1, REG,
	    NULL, "passkey_type" },
	{ "admin: synced refused, group in other case", POL_ADMINS, "ADMINS", 1, 0, ICLOUD, NO,
	    1, REG, NULL, "passkey_type" },
	{ "admin: BE=0 without attestation refused", POL_ADMINS, "admins", 0, 0, ZERO, NO, 1,
	    REG, NULL, "attestation_required" },
	{ "admin: self attestation refused", POL_ADMINS, "admins", 0, 0, YUBIKEY, SELF, 1, REG,
	    NULL, "attestation_required" },
	{ "admin: untrusted chain refused", POL_ADMINS, "admins,staff", 0, 0, YUBIKEY, UN, 1,
	    REG, NULL, "attestation_required" },
	{ "admin: attested security key", POL_ADMINS, "staff,admins", 0, 0, YUBIKEY, TR, 1, REG,
	    "admins", "aal3" },
	{ "admin: attested key signs in", POL_ADMINS, "admins", 0, 0, YUBIKEY, TR, 1, SIGNIN,
	    "admins", "aal3" },
	{ "admin: attested key without UV", POL_ADMINS, "admins", 0, 0, YUBIKEY, TR, 0, REG,
	    NULL, "uv_required" },
	{ "standard user: synced accepted", POL_ADMINS, "staff", 1, 1, GPM, NO, 1, REG,
	    "default", "aal2" },
	{ "user in no group: synced accepted", POL_ADMINS, "", 1, 1, ICLOUD, NO, 1, SIGNIN,
	    "default", "aal2" },
	/* Several profiles: any one fully satisfied admits, the first by name wins. */
	{ "engineer: synced passkey, second profile refuses", POL_MULTI, "engineers", 1, 1,
	    GPM, NO, 1, REG, "a-any", "aal2" },
	{ "engineer: attested YubiKey satisfies both", POL_MULTI, "engineers", 0, 0, YUBIKEY,
	    TR, 1, REG, "a-any", "aal3" },
	{ "engineer: blocked key in one, not allowed in other", POL_MULTI, "engineers", 0, 0,
	    CHEAPKEY, TR, 1, REG, NULL, "aaguid_blocked" },
	{ "non-engineer: no profile", POL_MULTI, "staff", 1, 1, GPM, NO, 1, REG,
	    NULL, "no_profile" },
	/* Allow list, at registration and sign-in. */
	{ "contractor: allowed key", POL_ALLOW, "contractors", 0, 0, YUBIKEY, NO, 1, REG,
	    "vendors", "aal2" },
	{ "contractor: allowed synced provider", POL_ALLOW, "contractors", 1, 1, ICLOUD, NO, 1,
	    SIGNIN, "vendors", "aal2" },
	{ "contractor: provider not allowed", POL_ALLOW, "contractors", 1, 1, GPM, NO, 1, REG,
	    NULL, "aaguid_not_allowed" },
	{ "contractor: provider not allowed at sign-in", POL_ALLOW, "contractors", 1, 1, GPM,
	    NO, 1, SIGNIN, NULL, "aaguid_not_allowed" },
	{ "contractor: zero AAGUID not allowed", POL_ALLOW, "contractors", 0, 0, ZERO, NO, 1,
	    REG, NULL, "aaguid_not_allowed" },
	/* Block list (written in upper case in the entry). */
	{ "block list: blocked key", POL_BLOCK, "", 0, 0, CHEAPKEY, TR, 1, REG,
	    NULL, "aaguid_blocked" },
	{ "block list: blocked key at sign-in", POL_BLOCK, "", 0, 0, CHEAPKEY, TR, 1, SIGNIN,
	    NULL, "aaguid_blocked" },
	{ "block list: other key", POL_BLOCK, "", 0, 0, YUBIKEY, TR, 1, REG,
	    "default", "aal3" },
	/* Exclusion wins over inclusion. */
	{ "staff member", POL_EXCL, "staff", 1, 1, GPM, NO, 1, REG, "staff", "aal2" },
	{ "staff and contractor: excluded", POL_EXCL, "staff,contractors", 0, 0, YUBIKEY, TR, 1,
	    REG, NULL, "no_profile" },
	{ "staff and contractor: excluded at sign-in", POL_EXCL, "Contractors,staff", 0, 0,
	    YUBIKEY, TR, 1, SIGNIN, NULL, "no_profile" },
	{ "no group: not included", POL_EXCL, "", 1, 1, GPM, NO, 1, REG, NULL, "no_profile" },
	/* Attestation is checked at registration only. */
	{ "attestation: synced without it refused", POL_ATTEST_SYNCED, "", 1, 1, GPM, NO, 1, REG,
	    NULL, "attestation_required" },
	{ "attestation: existing synced signs in", POL_ATTEST_SYNCED, "", 1, 1, GPM, NO, 1,
	    SIGNIN, "default", "aal2" },
	{ "attestation: trusted synced registers", POL_ATTEST_SYNCED, "", 1, 1, GPM, TR, 1, REG,
	    "default", "aal2" },
	/* Sign-in after tightening: types and key restrictions apply at once. */
	{ "tightened to device-bound: synced refused", POL_TIGHT_TYPES, "", 1, 1, GPM, NO, 1,
	    SIGNIN, NULL, "passkey_type" },
	{ "tightened to device-bound: BE=0 still signs in", POL_TIGHT_TYPES, "", 0, 0, YUBIKEY,
	    NO, 1, SIGNIN, "default", "aal2" },
	{ "attestation turned on: unattested BE=0 no longer device-bound", POL_TIGHT_ATTEST, "",
	    0, 0, YUBIKEY, NO, 1, SIGNIN, NULL, "attestation_required" },
	{ "attestation turned on: attested key signs in", POL_TIGHT_ATTEST, "", 0, 0, YUBIKEY,
	    TR, 1, SIGNIN, "default", "aal3" },
	{ "provider blocked after registration", POL_TIGHT_BLOCK, "", 1, 1, GPM, NO, 1, SIGNIN,
	    NULL, "aaguid_blocked" },
	{ "provider blocked: another signs in", POL_TIGHT_BLOCK, "", 1, 1, ICLOUD, NO, 1, SIGNIN,
	    "default", "aal2" },
	/* UV not required: admitted, but never aal3 without it. */
	{ "kiosk: attested key without UV", POL_UV_PREFERRED, "", 0, 0, YUBIKEY, TR, 0, REG,
	    "kiosk", "aal2" },
	{ "kiosk: attested key with UV", POL_UV_PREFERRED, "", 0, 0, YUBIKEY, TR, 1, SIGNIN,
	    "kiosk", "aal3" },
	/* No profile at all: every registration refused. */
	{ "no profiles: refused", POL_NONE, "admins", 0, 0, YUBIKEY, TR, 1, REG,
	    NULL, "no_profile" },
	{ "no profiles: refused at sign-in", POL_NONE, "", 1, 1, GPM, NO, 1, SIGNIN,
	    NULL, "no_profile" },
};

static size_t
split_groups(const char *s, char *buf, size_t len, char **groups, size_t max)
{
	char	*p, *next;
	size_t	 n = 0;

	snprintf(buf, len, "%s", s);
	for (p = buf; p != NULL && *p != '\0' && n < max; p = next) {
		if ((next = strchr(p, ',')) != NULL)
			*next++ = '\0';
		groups[n++] = p;
	}
	return n;
}

/* Words a person should not have to know. */
static void
assert_plain(const char *msg)
{
	static const char *const jargon[] = { "AAGUID", "aaguid", "attestation", "BE=",
	    "backup", "device-bound", "deviceBound", "profile", "UV", "FIDO" };
	size_t	 i;

	assert_true(strlen(msg) > 20);
	for (i = 0; i < sizeof(jargon) / sizeof(jargon[0]); i++) {
		if (strstr(msg, jargon[i]) != NULL)
			fail_msg("jargon \"%s\" in \"%s\"", jargon[i], msg);
	}
	assert_non_null(strchr(msg, ':'));	/* what is wrong: what to do */
}

static void
test_table(void **state)
{
	struct policy		*pols[NPOL];
	struct policy_refusal	 r;
	struct passkey		 pk;
	const struct row	*row;
	const char		*profile;
	char			 err[512], buf[256], *groups[8];
	size_t			 i, ngroups;
	int			 rc;

	(void)state;
	assert_true(sizeof(rows) / sizeof(rows[0]) >= 30);
	for (i = 0; i < NPOL; i++) {
		pols[i] = policy_parse(policy_texts[i], err, sizeof(err));
		if (pols[i] == NULL)
			fail_msg("policy %zu: %s", i, err);
	}
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		row = &rows[i];
		ngroups = split_groups(row->groups, buf, sizeof(buf), groups, 8);
		memset(&pk, 0, sizeof(pk));
		pk.be = row->be;
		pk.bs = row->bs;
		pk.trust = row->trust;
		pk.uv = row->uv;
		assert_int_equal(passkey_aaguid_parse(row->aaguid, pk.aaguid), 0);
		profile = "unset";
		memset(&r, 0, sizeof(r));
		if (row->when == REG)
			rc = policy_check_registration(pols[row->pol], groups, ngroups, &pk,
			    &profile, &r);
		else
			rc = policy_check_signin(pols[row->pol], groups, ngroups, &pk,
			    &profile, &r);
		if (row->profile != NULL) {
			if (rc != 0)
				fail_msg("row \"%s\": refused (%s: %s)", row->what, r.code,
				    r.message);
			if (profile == NULL || strcmp(profile, row->profile) != 0)
				fail_msg("row \"%s\": admitted by %s, not %s", row->what,
				    profile != NULL ? profile : "(null)", row->profile);
			if (strcmp(policy_assurance(&pk, pk.uv), row->result) != 0)
				fail_msg("row \"%s\": assurance %s, not %s", row->what,
				    policy_assurance(&pk, pk.uv), row->result);
		} else {
			if (rc != -1)
				fail_msg("row \"%s\": admitted by %s", row->what, profile);
			assert_null(profile);
			if (r.code == NULL || strcmp(r.code, row->result) != 0)
				fail_msg("row \"%s\": refused with %s, not %s", row->what,
				    r.code != NULL ? r.code : "(null)", row->result);
			assert_plain(r.message);
		}
	}
	for (i = 0; i < NPOL; i++)
		policy_free(pols[i]);
}

/* The sentences a refused user reads say what to do, in plain words. */
static void
test_messages(void **state)
{
	struct policy		*pol;
	struct policy_refusal	 r;
	struct passkey		 pk;
	char			 err[256], *admins[] = { "admins" };

	(void)state;
	pol = policy_parse(policy_texts[POL_ADMINS], err, sizeof(err));
	assert_non_null(pol);
	memset(&pk, 0, sizeof(pk));
	pk.be = pk.bs = pk.uv = 1;
	assert_int_equal(policy_check_registration(pol, admins, 1, &pk, NULL, &r), -1);
	assert_string_equal(r.message, "Your organisation requires a security key for your "
	    "account: use a security key or this device's built-in lock, not a passkey synced "
	    "to a password manager.");
	assert_int_equal(policy_check_signin(pol, admins, 1, &pk, NULL, &r), -1);
	assert_non_null(strstr(r.message, "temporary access pass"));
	assert_non_null(strstr(r.message, "security key"));
	policy_free(pol);

	pol = policy_parse(policy_texts[POL_TIGHT_TYPES], err, sizeof(err));
	assert_non_null(pol);
	pk.be = 1;
	assert_int_equal(policy_check_signin(pol, NULL, 0, &pk, NULL, &r), -1);
	assert_string_equal(r.code, "passkey_type");
	assert_non_null(strstr(r.message, "now requires a security key"));
	/* NULL out-parameters are allowed; a missing policy admits nothing. */
	pk.be = 0;
	assert_int_equal(policy_check_signin(pol, NULL, 0, &pk, NULL, NULL), 0);
	policy_free(pol);
	assert_int_equal(policy_check_registration(NULL, NULL, 0, &pk, NULL, &r), -1);
	assert_string_equal(r.code, "no_profile");
}

static void
test_targets(void **state)
{
	char	*inc[] = { "Admins", "Helpdesk" }, *exc[] = { "suspended" };
	char	*g1[] = { "staff", "admins" }, *g2[] = { "admins", "SUSPENDED" };
	char	*g3[] = { "staff" };

	(void)state;
	assert_int_equal(policy_targets(inc, 2, exc, 1, g1, 2), 1);
	assert_int_equal(policy_targets(inc, 2, exc, 1, g2, 2), 0);	/* exclusion wins */
	assert_int_equal(policy_targets(inc, 2, exc, 1, g3, 1), 0);
	assert_int_equal(policy_targets(inc, 2, NULL, 0, NULL, 0), 0);
	assert_int_equal(policy_targets(NULL, 0, NULL, 0, NULL, 0), 1);	/* everyone */
	assert_int_equal(policy_targets(NULL, 0, exc, 1, g3, 1), 1);
	assert_int_equal(policy_targets(NULL, 0, exc, 1, g2, 2), 0);
}

/* "direct" attestation and UV, asked for whom. */
static void
test_wants(void **state)
{
	struct policy	*pol;
	char		 err[256], *admins[] = { "admins" }, *staff[] = { "staff" };
	char		*eng[] = { "engineers" };

	(void)state;
	pol = policy_parse(policy_texts[POL_ADMINS], err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(policy_wants_attestation(pol, admins, 1), 1);
	assert_int_equal(policy_wants_attestation(pol, staff, 1), 0);
	assert_int_equal(policy_requires_uv(pol, staff, 1), 1);
	policy_free(pol);
	pol = policy_parse(policy_texts[POL_MULTI], err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(policy_wants_attestation(pol, eng, 1), 1);	/* key restrictions */
	assert_int_equal(policy_wants_attestation(pol, staff, 1), 0);
	assert_int_equal(policy_requires_uv(pol, staff, 1), 0);		/* targeted by none */
	policy_free(pol);
	pol = policy_parse(policy_texts[POL_UV_PREFERRED], err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(policy_requires_uv(pol, staff, 1), 0);
	assert_int_equal(policy_wants_attestation(pol, staff, 1), 0);
	policy_free(pol);
}

static void
test_assurance(void **state)
{
	struct passkey	 pk;

	(void)state;
	memset(&pk, 0, sizeof(pk));
	pk.trust = PASSKEY_TRUST_TRUSTED;
	assert_string_equal(policy_assurance(&pk, 1), "aal3");
	assert_string_equal(policy_assurance(&pk, 0), "aal2");
	pk.be = 1;
	assert_string_equal(policy_assurance(&pk, 1), "aal2");
	pk.be = 0;
	pk.trust = PASSKEY_TRUST_UNTRUSTED;
	assert_string_equal(policy_assurance(&pk, 1), "aal2");
	pk.trust = PASSKEY_TRUST_SELF;
	assert_string_equal(policy_assurance(&pk, 1), "aal2");
	assert_string_equal(policy_assurance(NULL, 1), "aal2");
}

static void
test_default(void **state)
{
	struct policy	*pol;

	(void)state;
	pol = policy_default();
	assert_int_equal(pol->nprofiles, 1);
	assert_string_equal(pol->profiles[0].name, "default");
	assert_int_equal(pol->profiles[0].types, POLICY_TYPE_DEVICE_BOUND | POLICY_TYPE_SYNCED);
	assert_int_equal(pol->profiles[0].attestation, POLICY_ATTEST_DISABLED);
	assert_int_equal(pol->profiles[0].keys, POLICY_KEYS_OFF);
	assert_int_equal(pol->profiles[0].require_uv, 1);
	assert_int_equal(pol->profiles[0].ninclude, 0);
	assert_int_equal(pol->tap.min_lifetime, 3600);
	assert_int_equal(pol->tap.max_lifetime, 28800);
	assert_int_equal(pol->tap.default_lifetime, 3600);
	assert_int_equal(pol->tap.default_length, 8);
	assert_int_equal(pol->tap.one_time, 1);
	assert_int_equal(pol->campaign.enabled, 0);
	assert_int_equal(pol->campaign.snooze_days, 1);
	assert_int_equal(pol->campaign.snooze_limit, 3);
	policy_free(pol);
	policy_free(NULL);
}

/* Everything an admin can write comes back as written. */
static void
test_decode_good(void **state)
{
	struct policy	*pol;
	char		 err[256], aaguid[37];

	(void)state;
	pol = policy_parse(
	    "dn: cn=zeta,ou=latchkey\n" OC_PROFILE "cn: zeta\n"
	    "latchkeyPasskeyType: synced\nlatchkeyUserVerification: PREFERRED\n"
	    "description: ignored\n"
	    "\n"
	    "dn: cn=admins,ou=latchkey\n"
	    "objectclass: LATCHKEYPASSKEYPROFILE\ncn: admins\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyAttestationEnforcement: registrationOnly\n"
	    "latchkeyKeyRestriction: Allow\nlatchkeyAaguid: CB69481E-8FF7-4039-93EC-0A2729A154A8\n"
	    "latchkeyAaguid: " ICLOUD "\n"
	    "latchkeyIncludeGroup: admins\nlatchkeyIncludeGroup: break-glass\n"
	    "latchkeyExcludeGroup: suspended\n"
	    "\n"
	    "dn: uid=alice,ou=people\nobjectClass: inetOrgPerson\ncn: admins\n"
	    "\n"
	    "dn: cn=tap-policy,ou=latchkey\nobjectClass: latchkeyTapPolicy\ncn: tap-policy\n"
	    "latchkeyTapMinLifetime: 600\nlatchkeyTapMaxLifetime: 2592000\n"
	    "latchkeyTapDefaultLifetime: 7200\nlatchkeyTapDefaultLength: 48\n"
	    "latchkeyTapOneTime: FALSE\nlatchkeyIncludeGroup: new-hires\n"
	    "\n"
	    "dn: cn=campaign,ou=latchkey\nobjectClass: latchkeyCampaignPolicy\ncn: campaign\n"
	    "latchkeyCampaignState: Enabled\nlatchkeySnoozeDays: 14\nlatchkeySnoozeLimit: 0\n"
	    "latchkeyExcludeGroup: service-accounts\n",
	    err, sizeof(err));
	if (pol == NULL)
		fail_msg("%s", err);
	assert_int_equal(pol->nprofiles, 2);	/* the user entry is not policy */
	assert_string_equal(pol->profiles[0].name, "admins");	/* name order */
	assert_int_equal(pol->profiles[0].types, POLICY_TYPE_DEVICE_BOUND);
	assert_int_equal(pol->profiles[0].attestation, POLICY_ATTEST_REGISTRATION_ONLY);
	assert_int_equal(pol->profiles[0].keys, POLICY_KEYS_ALLOW);
	assert_int_equal(pol->profiles[0].naaguids, 2);
	passkey_aaguid_fmt(pol->profiles[0].aaguids[0], aaguid);
	assert_string_equal(aaguid, YUBIKEY);
	passkey_aaguid_fmt(pol->profiles[0].aaguids[1], aaguid);
	assert_string_equal(aaguid, ICLOUD);
	assert_int_equal(pol->profiles[0].require_uv, 1);
	assert_int_equal(pol->profiles[0].ninclude, 2);
	assert_string_equal(pol->profiles[0].include[1], "break-glass");
	assert_int_equal(pol->profiles[0].nexclude, 1);
	assert_string_equal(pol->profiles[1].name, "zeta");
	assert_int_equal(pol->profiles[1].types, POLICY_TYPE_SYNCED);
	assert_int_equal(pol->profiles[1].require_uv, 0);
	assert_int_equal(pol->profiles[1].keys, POLICY_KEYS_OFF);
	assert_int_equal(pol->tap.min_lifetime, 600);
	assert_int_equal(pol->tap.max_lifetime, 2592000);
	assert_int_equal(pol->tap.default_lifetime, 7200);
	assert_int_equal(pol->tap.default_length, 48);
	assert_int_equal(pol->tap.one_time, 0);
	assert_int_equal(pol->tap.ninclude, 1);
	assert_string_equal(pol->tap.include[0], "new-hires");
	assert_int_equal(pol->campaign.enabled, 1);
	assert_int_equal(pol->campaign.snooze_days, 14);
	assert_int_equal(pol->campaign.snooze_limit, 0);
	assert_int_equal(pol->campaign.nexclude, 1);
	policy_free(pol);

	/* No TAP or campaign entry: the defaults; no profile entry: no profiles. */
	pol = policy_parse("dn: cn=x,ou=latchkey\nobjectClass: organizationalRole\ncn: x\n",
	    err, sizeof(err));
	assert_non_null(pol);
	assert_int_equal(pol->nprofiles, 0);
	assert_int_equal(pol->tap.max_lifetime, 28800);
	assert_int_equal(pol->tap.one_time, 1);
	assert_int_equal(pol->campaign.snooze_limit, 3);
	policy_free(pol);
	assert_non_null(pol = policy_from_entries(NULL, 0, err, sizeof(err)));
	assert_int_equal(pol->nprofiles, 0);
	policy_free(pol);
}

/* Each bad value, alone in an otherwise good entry, refused with DN and attribute. */
#define P	"dn: cn=p,ou=latchkey\n" OC_PROFILE "cn: p\nlatchkeyPasskeyType: synced\n"
#define T	"dn: cn=tap-policy,ou=latchkey\nobjectClass: latchkeyTapPolicy\n"
#define C	"dn: cn=campaign,ou=latchkey\nobjectClass: latchkeyCampaignPolicy\n"

static const struct {
	const char	*text;
	const char	*err;		/* the start of the message */
	const char	*detail;	/* and a part of the rest */
} bad[] = {
	{ P "latchkeyPasskeyType: roaming\n", "cn=p,ou=latchkey: latchkeyPasskeyType: ",
	    "allowed values: deviceBound, synced" },
	{ "dn: cn=p,ou=latchkey\n" OC_PROFILE "cn: p\n", "cn=p,ou=latchkey: latchkeyPasskeyType: ",
	    "missing" },
	{ "dn: cn=p,ou=latchkey\n" OC_PROFILE "latchkeyPasskeyType: synced\n",
	    "cn=p,ou=latchkey: cn: ", "missing" },
	{ "dn: cn=p,ou=latchkey\n" OC_PROFILE "cn: p\ncn: q\nlatchkeyPasskeyType: synced\n",
	    "cn=p,ou=latchkey: cn: ", "2 values; one is allowed" },
	{ P "latchkeyAttestationEnforcement: always\n",
	    "cn=p,ou=latchkey: latchkeyAttestationEnforcement: ",
	    "allowed values: disabled, registrationOnly" },
	{ P "latchkeyAttestationEnforcement: disabled\nlatchkeyAttestationEnforcement: disabled\n",
	    "cn=p,ou=latchkey: latchkeyAttestationEnforcement: ", "one is allowed" },
	{ P "latchkeyKeyRestriction: deny\n", "cn=p,ou=latchkey: latchkeyKeyRestriction: ",
	    "allowed values: off, allow, block" },
	{ P "latchkeyKeyRestriction: allow\n", "cn=p,ou=latchkey: latchkeyAaguid: ",
	    "at least one" },
	{ P "latchkeyAaguid: cb69481e8ff7403993ec0a2729a154a8\n",
	    "cn=p,ou=latchkey: latchkeyAaguid: ", "8-4-4-4-12" },
	{ P "latchkeyAaguid: cb69481e-8ff7-4039-93ec-0a2729a154ag\n",
	    "cn=p,ou=latchkey: latchkeyAaguid: ", "is not an AAGUID" },
	{ P "latchkeyUserVerification: sometimes\n",
	    "cn=p,ou=latchkey: latchkeyUserVerification: ",
	    "allowed values: required, preferred, discouraged" },
	{ P "latchkeyIncludeGroup: \n", "cn=p,ou=latchkey: latchkeyIncludeGroup: ",
	    "empty group name" },
	{ P "latchkeyExcludeGroup: a\tb\n", "cn=p,ou=latchkey: latchkeyExcludeGroup: ",
	    "control character" },
	{ P "\ndn: cn=P,ou=other\n" OC_PROFILE "cn: P\nlatchkeyPasskeyType: synced\n",
	    "cn=P,ou=other: cn: ", "another passkey profile is named \"p\"" },
	{ T "latchkeyTapMinLifetime: 599\n", "cn=tap-policy,ou=latchkey: latchkeyTapMinLifetime: ",
	    "allowed values: 600 to 2592000" },
	{ T "latchkeyTapMaxLifetime: 2592001\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapMaxLifetime: ", "600 to 2592000" },
	{ T "latchkeyTapDefaultLifetime: 1h\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapDefaultLifetime: ", "\"1h\" is not allowed" },
	{ T "latchkeyTapDefaultLifetime: 99999999999999999999999\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapDefaultLifetime: ", "600 to 2592000" },
	{ T "latchkeyTapMinLifetime: 7200\nlatchkeyTapMaxLifetime: 3600\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapMinLifetime: ", "longer than the maximum" },
	{ T "latchkeyTapDefaultLifetime: 30000\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapDefaultLifetime: ",
	    "30000 s is not within the minimum and maximum lifetimes (3600 to 28800 s)" },
	{ T "latchkeyTapDefaultLength: 7\n", "cn=tap-policy,ou=latchkey: latchkeyTapDefaultLength: ",
	    "8 to 48" },
	{ T "latchkeyTapDefaultLength: 49\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapDefaultLength: ", "8 to 48" },
	{ T "latchkeyTapDefaultLength:  8\n",
	    "cn=tap-policy,ou=latchkey: latchkeyTapDefaultLength: ", "8 to 48" },
	{ T "latchkeyTapOneTime: yes\n", "cn=tap-policy,ou=latchkey: latchkeyTapOneTime: ",
	    "allowed values: FALSE, TRUE" },
	{ T "\n" T, "cn=tap-policy,ou=latchkey: objectClass: ", "a second TAP policy" },
	{ C "latchkeyCampaignState: default\n", "cn=campaign,ou=latchkey: latchkeyCampaignState: ",
	    "allowed values: disabled, enabled" },
	{ C "latchkeySnoozeDays: 15\n", "cn=campaign,ou=latchkey: latchkeySnoozeDays: ",
	    "0 to 14" },
	{ C "latchkeySnoozeDays: -1\n", "cn=campaign,ou=latchkey: latchkeySnoozeDays: ",
	    "0 to 14" },
	{ C "latchkeySnoozeLimit: 101\n", "cn=campaign,ou=latchkey: latchkeySnoozeLimit: ",
	    "0 to 100" },
	{ C "\n" C, "cn=campaign,ou=latchkey: objectClass: ", "a second campaign policy" },
};

static void
test_decode_bad(void **state)
{
	struct policy	*pol;
	char		 err[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if ((pol = policy_parse(bad[i].text, err, sizeof(err))) != NULL) {
			policy_free(pol);
			fail_msg("bad[%zu] accepted: %s", i, bad[i].text);
		}
		if (strncmp(err, bad[i].err, strlen(bad[i].err)) != 0 ||
		    strstr(err, bad[i].detail) == NULL)
			fail_msg("bad[%zu]: \"%s\", wanted \"%s...%s\"", i, err, bad[i].err,
			    bad[i].detail);
	}
}

/* Counts and sizes from the directory are bounded. */
static void
test_decode_limits(void **state)
{
	struct store_entry	 e;
	struct store_attr	 attrs[4];
	struct store_val	 oc = { "latchkeyPasskeyProfile", 22 }, cn = { "big", 3 };
	struct store_val	 type = { "synced", 6 }, *many;
	struct policy		*pol;
	char			 err[256], *long_name, nul[] = "adm\0ins";
	size_t			 i;

	(void)state;
	many = xcalloc(1001, sizeof(*many));
	for (i = 0; i < 1001; i++)
		many[i] = (struct store_val){ YUBIKEY, strlen(YUBIKEY) };
	attrs[0] = (struct store_attr){ "objectClass", &oc, 1 };
	attrs[1] = (struct store_attr){ "cn", &cn, 1 };
	attrs[2] = (struct store_attr){ "latchkeyPasskeyType", &type, 1 };
	attrs[3] = (struct store_attr){ "latchkeyAaguid", many, 1000 };
	e = (struct store_entry){ "cn=big,ou=latchkey", attrs, 4 };
	assert_non_null(pol = policy_from_entries(&e, 1, err, sizeof(err)));
	assert_int_equal(pol->profiles[0].naaguids, 1000);
	policy_free(pol);
	attrs[3].nvals = 1001;
	assert_null(policy_from_entries(&e, 1, err, sizeof(err)));
	assert_string_equal(err, "cn=big,ou=latchkey: latchkeyAaguid: 1001 values; at most "
	    "1000 are allowed");
	attrs[3] = (struct store_attr){ "latchkeyIncludeGroup", many, 1001 };
	assert_null(policy_from_entries(&e, 1, err, sizeof(err)));
	assert_string_equal(err, "cn=big,ou=latchkey: latchkeyIncludeGroup: 1001 groups; at "
	    "most 1000 are allowed");
	long_name = xcalloc(1, 300);
	memset(long_name, 'g', 299);
	many[0] = (struct store_val){ long_name, 299 };
	attrs[3].nvals = 1;
	assert_null(policy_from_entries(&e, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "latchkeyIncludeGroup: a value of 299 bytes"));
	many[0] = (struct store_val){ nul, sizeof(nul) - 1 };
	assert_null(policy_from_entries(&e, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "latchkeyIncludeGroup: a value holds a control character"));
	free(long_name);
	free(many);
}

/* At most 1000 profiles. */
static void
test_decode_many_profiles(void **state)
{
	struct store_entry	*es;
	struct store_attr	*attrs;
	struct store_val	 oc = { "latchkeyPasskeyProfile", 22 }, type = { "synced", 6 };
	struct store_val	*cns;
	struct policy		*pol;
	char			 err[256], (*names)[16];
	size_t			 i;

	(void)state;
	es = xcalloc(1001, sizeof(*es));
	attrs = xcalloc(1001 * 3, sizeof(*attrs));
	cns = xcalloc(1001, sizeof(*cns));
	names = xcalloc(1001, sizeof(*names));
	for (i = 0; i < 1001; i++) {
		snprintf(names[i], sizeof(names[i]), "p%04zu", 1000 - i);
		cns[i] = (struct store_val){ names[i], strlen(names[i]) };
		attrs[3 * i] = (struct store_attr){ "objectClass", &oc, 1 };
		attrs[3 * i + 1] = (struct store_attr){ "cn", &cns[i], 1 };
		attrs[3 * i + 2] = (struct store_attr){ "latchkeyPasskeyType", &type, 1 };
		es[i] = (struct store_entry){ names[i], &attrs[3 * i], 3 };
	}
	assert_non_null(pol = policy_from_entries(es, 1000, err, sizeof(err)));
	assert_int_equal(pol->nprofiles, 1000);
	assert_string_equal(pol->profiles[0].name, "p0001");
	assert_string_equal(pol->profiles[999].name, "p1000");
	policy_free(pol);
	assert_null(policy_from_entries(es, 1001, err, sizeof(err)));
	assert_string_equal(err, "p0000: objectClass: more than 1000 passkey profiles");
	free(names);
	free(cns);
	free(attrs);
	free(es);
}

/*
 * schema/sample-dit.ldif, what set-up writes plus an admins profile, read
 * as the daemon reads it: alice (staff) registers a synced passkey, bob
 * (admins) is held to the two security key models the profile allows.
 */
static void
test_sample_dit(void **state)
{
	struct policy		*pol;
	struct policy_refusal	 r;
	struct passkey		 pk;
	const char		*top = getenv("top_srcdir"), *profile;
	char			 path[PATH_MAX], err[256], *text, *p, *q;
	char			*alice[] = { "staff" }, *bob[] = { "staff", "admins" };
	size_t			 len;
	FILE			*f;

	(void)state;
	snprintf(path, sizeof(path), "%s/schema/sample-dit.ldif", top != NULL ? top : ".");
	assert_non_null(f = fopen(path, "r"));
	text = xcalloc(1, 65536);
	len = fread(text, 1, 65535, f);
	fclose(f);
	assert_true(len > 0 && len < 65535);
	/* RFC 2849: a line starting with a space continues the one before. */
	for (p = q = text; *p != '\0'; p++) {
		if (p[0] == '\n' && p[1] == ' ')
			p += 1;
		else
			*q++ = *p;
	}
	*q = '\0';
	pol = policy_parse(text, err, sizeof(err));
	free(text);
	if (pol == NULL)
		fail_msg("%s", err);
	assert_int_equal(pol->nprofiles, 2);
	assert_string_equal(pol->profiles[0].name, "admins");
	assert_int_equal(pol->profiles[0].keys, POLICY_KEYS_ALLOW);
	assert_int_equal(pol->profiles[0].naaguids, 2);
	assert_string_equal(pol->profiles[1].name, "default");
	assert_int_equal(pol->tap.default_lifetime, 3600);
	assert_int_equal(pol->tap.one_time, 1);
	assert_int_equal(pol->campaign.enabled, 1);
	assert_string_equal(pol->campaign.include[0], "staff");
	assert_string_equal(pol->campaign.exclude[0], "admins");

	memset(&pk, 0, sizeof(pk));
	pk.be = pk.bs = pk.uv = 1;
	assert_int_equal(passkey_aaguid_parse(GPM, pk.aaguid), 0);
	assert_int_equal(policy_check_registration(pol, alice, 1, &pk, &profile, &r), 0);
	assert_string_equal(profile, "default");
	/* bob is in admins, which default excludes: his synced passkey is refused. */
	assert_int_equal(policy_check_registration(pol, bob, 2, &pk, &profile, &r), -1);
	assert_string_equal(r.code, "passkey_type");
	pk.be = pk.bs = 0;
	pk.trust = PASSKEY_TRUST_TRUSTED;
	assert_int_equal(passkey_aaguid_parse("ee882879-721c-4913-9775-3dfcce97072a",
	    pk.aaguid), 0);
	assert_int_equal(policy_check_registration(pol, bob, 2, &pk, &profile, &r), 0);
	assert_string_equal(profile, "admins");
	assert_string_equal(policy_assurance(&pk, 1), "aal3");
	assert_int_equal(policy_wants_attestation(pol, bob, 2), 1);
	assert_int_equal(policy_wants_attestation(pol, alice, 1), 0);
	policy_free(pol);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_wants),
		cmocka_unit_test(test_assurance),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_decode_limits),
		cmocka_unit_test(test_decode_many_profiles),
		cmocka_unit_test(test_sample_dit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
