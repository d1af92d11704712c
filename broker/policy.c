/*
 * policy.c: passkey profiles, the TAP policy and the registration campaign
 * (research/entra-semantics.md b1-b3, issue 5).  Two halves, both without
 * I/O: decoding the directory's policy entries, which anyone with write
 * access to them may have filled with anything, so every count and value is
 * bounded and checked and a bad one is named; and evaluating a passkey
 * against the profiles that target a user.
 *
 * "Device-bound" means BE=0 and, where the profile enforces attestation,
 * also a trusted attestation: without attestation the backup flag is only
 * the authenticator's word (b3: "can't guarantee any attribute about a
 * passkey, including if it's synced or device-bound").
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "passkey.h"
#include "policy.h"
#include "store.h"
#include "xmalloc.h"

#define POLICY_MAX_PROFILES	1000
#define POLICY_MAX_AAGUIDS	1000	/* per profile */
#define POLICY_MAX_GROUPS	1000	/* per include or exclude list */
#define POLICY_VALUE_MAX	256	/* bytes of a name, keyword or number */
#define POLICY_LIFETIME_MIN	600	/* b1: 10 minutes */
#define POLICY_LIFETIME_MAX	2592000	/* b1: 30 days */
#define POLICY_LENGTH_MIN	8	/* b1: TAP length 8-48 */
#define POLICY_LENGTH_MAX	48
#define POLICY_SNOOZE_DAYS_MAX	14	/* b2: 0-14 days */
#define POLICY_SNOOZE_LIMIT_MAX	100

/* One entry being decoded: where errors go and what they name. */
struct policy_ctx {
	const char	*dn;
	char		*err;
	size_t		 errlen;
};

struct policy_keyword {
	const char	*word;
	int		 value;
};

/* An attribute of a policy class: how to read it and where it goes. */
enum policy_kind { F_NAME, F_TYPES, F_WORD, F_AAGUIDS, F_GROUPS, F_INT, F_TIME };
struct policy_field {
	const char			*name;
	enum policy_kind		 kind;
	size_t				 off;	/* of the member in the class's struct */
	size_t				 off_n;	/* of its count, for lists */
	const struct policy_keyword	*words;	/* F_TYPES, F_WORD */
	size_t				 nwords;
	long long			 lo, hi;	/* F_INT, F_TIME */
};

enum policy_reason {
	POLICY_R_NEED_DEVICE_BOUND = 0,
	POLICY_R_NEED_SYNCED,
	POLICY_R_NO_TYPE,
	POLICY_R_ATTESTATION,
	POLICY_R_NOT_ALLOWED,
	POLICY_R_BLOCKED,
	POLICY_R_UV,
	POLICY_R_NO_PROFILE,
	POLICY_R_NONE,		/* satisfied */
};

/*
 * Refusals for people: what is wrong in their words and what to do, at
 * registration and at sign-in (where a passkey admitted before the policy
 * was tightened no longer fits, and a new one needs a temporary access pass).
 */
static const struct {
	const char	*code;
	const char	*registration;
	const char	*signin;
} policy_reasons[] = {
	[POLICY_R_NEED_DEVICE_BOUND] = { "passkey_type",
	    "Your organisation requires a security key for your account: use a security key "
	    "or this device's built-in lock, not a passkey synced to a password manager.",
	    "Your organisation now requires a security key for your account, and this passkey "
	    "is synced to a password manager: ask your help desk for a temporary access pass, "
	    "then set up a security key or this device's built-in lock." },
	[POLICY_R_NEED_SYNCED] = { "passkey_type",
	    "Your organisation requires a passkey kept in a password manager for your account: "
	    "save it to your password manager (on your phone or computer), not to a security key.",
	    "Your organisation now requires a passkey kept in a password manager for your "
	    "account: ask your help desk for a temporary access pass, then save a new passkey "
	    "to your password manager." },
	[POLICY_R_NO_TYPE] = { "passkey_type",
	    "Your organisation does not allow this kind of passkey for your account: ask your "
	    "help desk which kind to use.",
	    "Your organisation no longer allows this kind of passkey for your account: ask your "
	    "help desk which kind to use." },
	[POLICY_R_ATTESTATION] = { "attestation_required",
	    "Your organisation accepts only passkeys whose make it can confirm, and this one's "
	    "could not be confirmed: use a security key your organisation has approved, or ask "
	    "your help desk which to use.",
	    "Your organisation now accepts only passkeys whose make was confirmed when they were "
	    "set up, and this one's was not: ask your help desk for a temporary access pass, then "
	    "set up a security key your organisation has approved." },
	[POLICY_R_NOT_ALLOWED] = { "aaguid_not_allowed",
	    "Your organisation accepts only certain makes of security key or password manager "
	    "for your account, and this one is not among them: use one it has approved, or ask "
	    "your help desk which.",
	    "Your organisation no longer accepts this make of security key or password manager "
	    "for your account: ask your help desk for a temporary access pass, then set up a "
	    "passkey with one it has approved." },
	[POLICY_R_BLOCKED] = { "aaguid_blocked",
	    "Your organisation does not accept this make of security key or password manager: "
	    "use a different one, or ask your help desk which are approved.",
	    "Your organisation no longer accepts this make of security key or password manager: "
	    "ask your help desk for a temporary access pass, then set up a passkey with a "
	    "different one." },
	[POLICY_R_UV] = { "uv_required",
	    "Your account requires unlocking your passkey with a PIN, fingerprint or face: set "
	    "one up on your security key or device, then try again.",
	    "Your account requires unlocking your passkey with a PIN, fingerprint or face, and "
	    "this one was set up without: ask your help desk for a temporary access pass, then "
	    "set up a passkey with a PIN or fingerprint." },
	[POLICY_R_NO_PROFILE] = { "no_profile",
	    "Your organisation has not allowed passkeys for your account: ask your help desk.",
	    "Your organisation has not allowed passkeys for your account: ask your help desk." },
};

static const struct policy_keyword policy_types[] = {
	{ "deviceBound", POLICY_TYPE_DEVICE_BOUND },
	{ "synced", POLICY_TYPE_SYNCED },
};
static const struct policy_keyword policy_attestations[] = {
	{ "disabled", POLICY_ATTEST_DISABLED },
	{ "registrationOnly", POLICY_ATTEST_REGISTRATION_ONLY },
};
static const struct policy_keyword policy_keys[] = {
	{ "off", POLICY_KEYS_OFF },
	{ "allow", POLICY_KEYS_ALLOW },
	{ "block", POLICY_KEYS_BLOCK },
};
static const struct policy_keyword policy_uvs[] = {
	{ "required", 1 },
	{ "preferred", 0 },
	{ "discouraged", 0 },
};
static const struct policy_keyword policy_states[] = {
	{ "disabled", 0 },
	{ "enabled", 1 },
};
static const struct policy_keyword policy_booleans[] = {
	{ "FALSE", 0 },
	{ "TRUE", 1 },
};
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static int	policy_fail(struct policy_ctx *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	policy_show(const struct store_val *, char *, size_t);
static const char *policy_value(struct policy_ctx *, const struct store_attr *, size_t);
static int	policy_single(struct policy_ctx *, const struct store_attr *, const char **);
static int	policy_keyword(struct policy_ctx *, const struct store_attr *, const char *,
		    const struct policy_keyword *, size_t, int *);
static int	policy_integer(struct policy_ctx *, const struct store_attr *, long long,
		    long long, long long *);
static int	policy_groups(struct policy_ctx *, const struct store_attr *, char ***, size_t *);
static int	policy_decode(struct policy_ctx *, const struct store_entry *,
		    const struct policy_field *, size_t, void *);
static int	policy_set(struct policy_ctx *, const struct policy_field *,
		    const struct store_attr *, char *);
static int	policy_aaguids(struct policy_ctx *, const struct store_attr *,
		    unsigned char (**)[16], size_t *);
static int	policy_profile_decode(struct policy_ctx *, const struct store_entry *,
		    struct policy_profile *);
static int	policy_tap_decode(struct policy_ctx *, const struct store_entry *,
		    struct policy_tap *);
static int	policy_campaign_decode(struct policy_ctx *, const struct store_entry *,
		    struct policy_campaign *);
static int	policy_class(const struct store_entry *);
static int	policy_profile_cmp(const void *, const void *);
static void	policy_profile_clear(struct policy_profile *);
static void	policy_list_free(char **, size_t);
static int	policy_has_aaguid(const struct policy_profile *, const unsigned char[16]);
static enum policy_reason policy_eval(const struct policy_profile *, const struct passkey *,
		    int);
static int	policy_check(const struct policy *, char *const *, size_t,
		    const struct passkey *, int, const char **, struct policy_refusal *);

#define WORDS(w)	(w), NITEMS(w)
#define PF(m)		offsetof(struct policy_profile, m)
#define TF(m)		offsetof(struct policy_tap, m)
#define CF(m)		offsetof(struct policy_campaign, m)
static const struct policy_field policy_profile_fields[] = {
	{ "cn", F_NAME, PF(name), 0, NULL, 0, 0, 0 },
	{ "latchkeyPasskeyType", F_TYPES, PF(types), 0, WORDS(policy_types), 0, 0 },
	{ "latchkeyAttestationEnforcement", F_WORD, PF(attestation), 0,
	    WORDS(policy_attestations), 0, 0 },
	{ "latchkeyKeyRestriction", F_WORD, PF(keys), 0, WORDS(policy_keys), 0, 0 },
	{ "latchkeyAaguid", F_AAGUIDS, PF(aaguids), PF(naaguids), NULL, 0, 0, 0 },
	{ "latchkeyUserVerification", F_WORD, PF(require_uv), 0, WORDS(policy_uvs), 0, 0 },
	{ "latchkeyIncludeGroup", F_GROUPS, PF(include), PF(ninclude), NULL, 0, 0, 0 },
	{ "latchkeyExcludeGroup", F_GROUPS, PF(exclude), PF(nexclude), NULL, 0, 0, 0 },
};
static const struct policy_field policy_tap_fields[] = {
	{ "latchkeyTapMinLifetime", F_TIME, TF(min_lifetime), 0, NULL, 0,
	    POLICY_LIFETIME_MIN, POLICY_LIFETIME_MAX },
	{ "latchkeyTapMaxLifetime", F_TIME, TF(max_lifetime), 0, NULL, 0,
	    POLICY_LIFETIME_MIN, POLICY_LIFETIME_MAX },
	{ "latchkeyTapDefaultLifetime", F_TIME, TF(default_lifetime), 0, NULL, 0,
	    POLICY_LIFETIME_MIN, POLICY_LIFETIME_MAX },
	{ "latchkeyTapDefaultLength", F_INT, TF(default_length), 0, NULL, 0,
	    POLICY_LENGTH_MIN, POLICY_LENGTH_MAX },
	{ "latchkeyTapOneTime", F_WORD, TF(one_time), 0, WORDS(policy_booleans), 0, 0 },
	{ "latchkeyIncludeGroup", F_GROUPS, TF(include), TF(ninclude), NULL, 0, 0, 0 },
	{ "latchkeyExcludeGroup", F_GROUPS, TF(exclude), TF(nexclude), NULL, 0, 0, 0 },
};
static const struct policy_field policy_campaign_fields[] = {
	{ "latchkeyCampaignState", F_WORD, CF(enabled), 0, WORDS(policy_states), 0, 0 },
	{ "latchkeySnoozeDays", F_INT, CF(snooze_days), 0, NULL, 0, 0, POLICY_SNOOZE_DAYS_MAX },
	{ "latchkeySnoozeLimit", F_INT, CF(snooze_limit), 0, NULL, 0, 0,
	    POLICY_SNOOZE_LIMIT_MAX },
	{ "latchkeyIncludeGroup", F_GROUPS, CF(include), CF(ninclude), NULL, 0, 0, 0 },
	{ "latchkeyExcludeGroup", F_GROUPS, CF(exclude), CF(nexclude), NULL, 0, 0, 0 },
};
/* F_WORD stores through an int: the enums it fills must be int-sized. */
_Static_assert(sizeof(enum policy_attestation) == sizeof(int), "enum size");
_Static_assert(sizeof(enum policy_keys) == sizeof(int), "enum size");

enum { POLICY_CLASS_NONE = 0, POLICY_CLASS_PROFILE, POLICY_CLASS_TAP, POLICY_CLASS_CAMPAIGN };

/* The defaults of research/entra-semantics.md b1-b3, as set-up writes them. */
struct policy *
policy_default(void)
{
	struct policy	*pol;

	pol = xcalloc(1, sizeof(*pol));
	pol->profiles = xcalloc(1, sizeof(*pol->profiles));
	pol->nprofiles = 1;
	pol->profiles[0].name = xstrdup("default");
	pol->profiles[0].types = POLICY_TYPE_DEVICE_BOUND | POLICY_TYPE_SYNCED;
	pol->profiles[0].attestation = POLICY_ATTEST_DISABLED;
	pol->profiles[0].keys = POLICY_KEYS_OFF;
	pol->profiles[0].require_uv = 1;
	pol->tap.min_lifetime = 3600;
	pol->tap.max_lifetime = 8 * 3600;
	pol->tap.default_lifetime = 3600;
	pol->tap.default_length = 8;
	pol->tap.one_time = 1;
	pol->campaign.enabled = 0;
	pol->campaign.snooze_days = 1;
	pol->campaign.snooze_limit = 3;
	return pol;
}

/*
 * Entries are recognised by objectClass; a missing TAP or campaign entry
 * leaves the defaults, but no profile entry means no profiles: set-up
 * writes cn=default, so its absence is the admin's choice, and every
 * registration is then refused ("no_profile").  Profiles are kept in name
 * order so that "the first satisfied profile" does not depend on the order
 * the directory returned them in.
 */
struct policy *
policy_from_entries(const struct store_entry *e, size_t n, char *err, size_t errlen)
{
	struct policy		*pol, *def;
	struct policy_ctx	 ctx = { .err = err, .errlen = errlen };
	const char		*tap_dn = NULL, *campaign_dn = NULL;
	size_t			 i, j;

	pol = xcalloc(1, sizeof(*pol));
	def = policy_default();
	pol->tap = def->tap;
	pol->campaign = def->campaign;
	policy_free(def);
	for (i = 0; i < n; i++) {
		ctx.dn = e[i].dn != NULL ? e[i].dn : "(no DN)";
		switch (policy_class(&e[i])) {
		case POLICY_CLASS_PROFILE:
			if (pol->nprofiles == POLICY_MAX_PROFILES) {
				policy_fail(&ctx, "objectClass", "more than %d passkey profiles",
				    POLICY_MAX_PROFILES);
				goto fail;
			}
			pol->profiles = xreallocarray(pol->profiles, pol->nprofiles + 1,
			    sizeof(*pol->profiles));
			memset(&pol->profiles[pol->nprofiles], 0, sizeof(*pol->profiles));
			pol->nprofiles++;
			if (policy_profile_decode(&ctx, &e[i],
			    &pol->profiles[pol->nprofiles - 1]) == -1)
				goto fail;
			/* Names are compared as the directory compares cn: in any case. */
			for (j = 0; j + 1 < pol->nprofiles; j++) {
				if (strcasecmp(pol->profiles[j].name,
				    pol->profiles[pol->nprofiles - 1].name) == 0) {
					policy_fail(&ctx, "cn", "another passkey profile is "
					    "named \"%s\"", pol->profiles[j].name);
					goto fail;
				}
			}
			break;
		case POLICY_CLASS_TAP:
			if (tap_dn != NULL) {
				policy_fail(&ctx, "objectClass", "a second TAP policy (the first "
				    "is %.200s)", tap_dn);
				goto fail;
			}
			tap_dn = ctx.dn;
			if (policy_tap_decode(&ctx, &e[i], &pol->tap) == -1)
				goto fail;
			break;
		case POLICY_CLASS_CAMPAIGN:
			if (campaign_dn != NULL) {
				policy_fail(&ctx, "objectClass", "a second campaign policy (the "
				    "first is %.200s)", campaign_dn);
				goto fail;
			}
			campaign_dn = ctx.dn;
			if (policy_campaign_decode(&ctx, &e[i], &pol->campaign) == -1)
				goto fail;
			break;
		default:
			break;
		}
	}
	if (pol->nprofiles > 1)
		qsort(pol->profiles, pol->nprofiles, sizeof(*pol->profiles), policy_profile_cmp);
	return pol;

fail:
	policy_free(pol);
	return NULL;
}

void
policy_free(struct policy *pol)
{
	size_t	 i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->nprofiles; i++)
		policy_profile_clear(&pol->profiles[i]);
	free(pol->profiles);
	policy_list_free(pol->tap.include, pol->tap.ninclude);
	policy_list_free(pol->tap.exclude, pol->tap.nexclude);
	policy_list_free(pol->campaign.include, pol->campaign.ninclude);
	policy_list_free(pol->campaign.exclude, pol->campaign.nexclude);
	free(pol);
}

/* b2/b3: exclusion wins over inclusion; no include group means everyone. */
int
policy_targets(char *const *include, size_t ninclude, char *const *exclude, size_t nexclude,
    char *const *groups, size_t ngroups)
{
	size_t	 i, j;
	int	 included = ninclude == 0;

	for (i = 0; i < ngroups; i++) {
		if (groups[i] == NULL)
			continue;
		for (j = 0; j < nexclude; j++)
			if (strcasecmp(groups[i], exclude[j]) == 0)
				return 0;
		for (j = 0; j < ninclude && !included; j++)
			if (strcasecmp(groups[i], include[j]) == 0)
				included = 1;
	}
	return included;
}

/* Attestation enforcement is checked here, and only here (b3). */
int
policy_check_registration(const struct policy *pol, char *const *groups, size_t ngroups,
    const struct passkey *pk, const char **profile, struct policy_refusal *r)
{
	return policy_check(pol, groups, ngroups, pk, 1, profile, r);
}

/*
 * Types and key restrictions apply at every sign-in (b3), so tightening a
 * profile takes effect at once; attestation is the trust recorded at
 * registration, which still decides whether a BE=0 passkey counts as
 * device-bound under a profile that enforces attestation.
 */
int
policy_check_signin(const struct policy *pol, char *const *groups, size_t ngroups,
    const struct passkey *pk, const char **profile, struct policy_refusal *r)
{
	return policy_check(pol, groups, ngroups, pk, 0, profile, r);
}

/*
 * NIST SP 800-63B §4.3: AAL3 needs a hardware-bound, verifier-impersonation
 * resistant authenticator with user verification; only a device-bound
 * passkey whose attestation chained to a trusted root shows that it is one.
 */
const char *
policy_assurance(const struct passkey *pk, int uv)
{
	if (pk != NULL && pk->be == 0 && pk->trust == PASSKEY_TRUST_TRUSTED && uv)
		return "aal3";
	return "aal2";
}

/* Attestation enforced or key restrictions on: ask for "direct" attestation. */
int
policy_wants_attestation(const struct policy *pol, char *const *groups, size_t ngroups)
{
	const struct policy_profile	*p;
	size_t				 i;

	for (i = 0; pol != NULL && i < pol->nprofiles; i++) {
		p = &pol->profiles[i];
		if (!policy_targets(p->include, p->ninclude, p->exclude, p->nexclude,
		    groups, ngroups))
			continue;
		if (p->attestation != POLICY_ATTEST_DISABLED || p->keys != POLICY_KEYS_OFF)
			return 1;
	}
	return 0;
}

int
policy_requires_uv(const struct policy *pol, char *const *groups, size_t ngroups)
{
	const struct policy_profile	*p;
	size_t				 i;

	for (i = 0; pol != NULL && i < pol->nprofiles; i++) {
		p = &pol->profiles[i];
		if (p->require_uv && policy_targets(p->include, p->ninclude, p->exclude,
		    p->nexclude, groups, ngroups))
			return 1;
	}
	return 0;
}

/*
 * b3: a passkey is accepted if it fully satisfies any one profile that
 * targets the user; the first such profile by name admits it.  Refused, the
 * reason given is that of the first targeting profile.
 */
static int
policy_check(const struct policy *pol, char *const *groups, size_t ngroups,
    const struct passkey *pk, int registration, const char **profile,
    struct policy_refusal *r)
{
	const struct policy_profile	*p;
	enum policy_reason		 why, first = POLICY_R_NO_PROFILE;
	size_t				 i;

	if (profile != NULL)
		*profile = NULL;
	for (i = 0; pol != NULL && i < pol->nprofiles; i++) {
		p = &pol->profiles[i];
		if (!policy_targets(p->include, p->ninclude, p->exclude, p->nexclude,
		    groups, ngroups))
			continue;
		if ((why = policy_eval(p, pk, registration)) == POLICY_R_NONE) {
			if (profile != NULL)
				*profile = p->name;
			if (r != NULL) {
				r->code = NULL;
				r->message[0] = '\0';
			}
			return 0;
		}
		if (first == POLICY_R_NO_PROFILE)
			first = why;
	}
	if (r != NULL) {
		r->code = policy_reasons[first].code;
		snprintf(r->message, sizeof(r->message), "%s", registration ?
		    policy_reasons[first].registration : policy_reasons[first].signin);
	}
	return -1;
}

/* One profile's requirements in turn: kind, attestation, key restrictions, UV. */
static enum policy_reason
policy_eval(const struct policy_profile *p, const struct passkey *pk, int registration)
{
	int	 attest = p->attestation != POLICY_ATTEST_DISABLED;
	int	 trusted = pk->trust == PASSKEY_TRUST_TRUSTED;

	if (pk->be) {
		if (!(p->types & POLICY_TYPE_SYNCED))
			return p->types & POLICY_TYPE_DEVICE_BOUND ?
			    POLICY_R_NEED_DEVICE_BOUND : POLICY_R_NO_TYPE;
		if (registration && attest && !trusted)
			return POLICY_R_ATTESTATION;
	} else {
		if (!(p->types & POLICY_TYPE_DEVICE_BOUND))
			return p->types & POLICY_TYPE_SYNCED ?
			    POLICY_R_NEED_SYNCED : POLICY_R_NO_TYPE;
		/* Unattested, BE=0 proves nothing: not device-bound for this profile. */
		if (attest && !trusted)
			return POLICY_R_ATTESTATION;
	}
	if (p->keys == POLICY_KEYS_ALLOW && !policy_has_aaguid(p, pk->aaguid))
		return POLICY_R_NOT_ALLOWED;
	if (p->keys == POLICY_KEYS_BLOCK && policy_has_aaguid(p, pk->aaguid))
		return POLICY_R_BLOCKED;
	if (p->require_uv && !pk->uv)
		return POLICY_R_UV;
	return POLICY_R_NONE;
}

static int
policy_has_aaguid(const struct policy_profile *p, const unsigned char aaguid[16])
{
	size_t	 i;

	for (i = 0; i < p->naaguids; i++)
		if (memcmp(p->aaguids[i], aaguid, 16) == 0)
			return 1;
	return 0;
}

/* Which policy class an entry has, by its objectClass values (any case). */
static int
policy_class(const struct store_entry *e)
{
	const struct store_attr	*a;
	size_t			 i, j;

	for (i = 0; i < e->nattrs; i++) {
		a = &e->attrs[i];
		if (a->name == NULL || strcasecmp(a->name, "objectClass") != 0)
			continue;
		for (j = 0; j < a->nvals; j++) {
			if (a->vals[j].data == NULL)
				continue;
			if (strcasecmp(a->vals[j].data, "latchkeyPasskeyProfile") == 0)
				return POLICY_CLASS_PROFILE;
			if (strcasecmp(a->vals[j].data, "latchkeyTapPolicy") == 0)
				return POLICY_CLASS_TAP;
			if (strcasecmp(a->vals[j].data, "latchkeyCampaignPolicy") == 0)
				return POLICY_CLASS_CAMPAIGN;
		}
	}
	return POLICY_CLASS_NONE;
}

static int
policy_profile_decode(struct policy_ctx *ctx, const struct store_entry *e,
    struct policy_profile *p)
{
	p->types = 0;
	p->attestation = POLICY_ATTEST_DISABLED;
	p->keys = POLICY_KEYS_OFF;
	p->require_uv = 1;
	if (policy_decode(ctx, e, policy_profile_fields, NITEMS(policy_profile_fields), p) == -1)
		return -1;
	if (p->name == NULL)
		return policy_fail(ctx, "cn", "missing: a profile needs a name");
	/* A profile that names no type would admit nothing: say so rather than guess. */
	if (p->types == 0)
		return policy_fail(ctx, "latchkeyPasskeyType", "missing; allowed values: "
		    "deviceBound, synced (one or both)");
	if (p->keys == POLICY_KEYS_ALLOW && p->naaguids == 0)
		return policy_fail(ctx, "latchkeyAaguid", "an allow list needs at least one "
		    "AAGUID (8-4-4-4-12 hex)");
	return 0;
}

static int
policy_tap_decode(struct policy_ctx *ctx, const struct store_entry *e, struct policy_tap *t)
{
	if (policy_decode(ctx, e, policy_tap_fields, NITEMS(policy_tap_fields), t) == -1)
		return -1;
	if (t->min_lifetime > t->max_lifetime)
		return policy_fail(ctx, "latchkeyTapMinLifetime", "%lld s is longer than the "
		    "maximum lifetime (%lld s)", (long long)t->min_lifetime,
		    (long long)t->max_lifetime);
	if (t->default_lifetime < t->min_lifetime || t->default_lifetime > t->max_lifetime)
		return policy_fail(ctx, "latchkeyTapDefaultLifetime", "%lld s is not within "
		    "the minimum and maximum lifetimes (%lld to %lld s)",
		    (long long)t->default_lifetime, (long long)t->min_lifetime,
		    (long long)t->max_lifetime);
	return 0;
}

static int
policy_campaign_decode(struct policy_ctx *ctx, const struct store_entry *e,
    struct policy_campaign *c)
{
	return policy_decode(ctx, e, policy_campaign_fields, NITEMS(policy_campaign_fields), c);
}

/* Hands each attribute the class knows to policy_set; others are not policy. */
static int
policy_decode(struct policy_ctx *ctx, const struct store_entry *e,
    const struct policy_field *fields, size_t nfields, void *out)
{
	const struct store_attr	*a;
	size_t			 i, j;

	for (i = 0; i < e->nattrs; i++) {
		a = &e->attrs[i];
		if (a->name == NULL || a->nvals == 0)
			continue;
		for (j = 0; j < nfields; j++)
			if (strcasecmp(a->name, fields[j].name) == 0)
				break;
		if (j < nfields && policy_set(ctx, &fields[j], a, out) == -1)
			return -1;
	}
	return 0;
}

/* Checks one attribute's values against its field and stores them at base + f->off. */
static int
policy_set(struct policy_ctx *ctx, const struct policy_field *f, const struct store_attr *a,
    char *base)
{
	const char	*v = NULL;
	long long	 x = 0;
	size_t		 i;
	int		 w = 0;

	switch (f->kind) {
	case F_NAME:
		if (policy_single(ctx, a, &v) == -1)
			return -1;
		if (*v == '\0')
			return policy_fail(ctx, a->name, "empty: a profile needs a name");
		free(*(char **)(base + f->off));
		*(char **)(base + f->off) = xstrdup(v);
		return 0;
	case F_TYPES:
		if (a->nvals > f->nwords)
			return policy_fail(ctx, a->name, "%zu values; allowed values: "
			    "deviceBound, synced", a->nvals);
		for (i = 0; i < a->nvals; i++) {
			if ((v = policy_value(ctx, a, i)) == NULL ||
			    policy_keyword(ctx, a, v, f->words, f->nwords, &w) == -1)
				return -1;
			*(unsigned int *)(base + f->off) |= (unsigned int)w;
		}
		return 0;
	case F_WORD:
		if (policy_single(ctx, a, &v) == -1 ||
		    policy_keyword(ctx, a, v, f->words, f->nwords, &w) == -1)
			return -1;
		*(int *)(base + f->off) = w;
		return 0;
	case F_AAGUIDS:
		return policy_aaguids(ctx, a, (unsigned char (**)[16])(void *)(base + f->off),
		    (size_t *)(void *)(base + f->off_n));
	case F_GROUPS:
		return policy_groups(ctx, a, (char ***)(void *)(base + f->off),
		    (size_t *)(void *)(base + f->off_n));
	case F_INT:
	case F_TIME:
		if (policy_integer(ctx, a, f->lo, f->hi, &x) == -1)
			return -1;
		if (f->kind == F_INT)
			*(int *)(base + f->off) = (int)x;
		else
			*(time_t *)(base + f->off) = (time_t)x;
		return 0;
	}
	return policy_fail(ctx, a->name, "no such field");
}

/* An AAGUID list: at most POLICY_MAX_AAGUIDS, each 8-4-4-4-12 hex in any case. */
static int
policy_aaguids(struct policy_ctx *ctx, const struct store_attr *a, unsigned char (**list)[16],
    size_t *n)
{
	const char	*v;
	char		 shown[80];
	size_t		 i;

	if (a->nvals > POLICY_MAX_AAGUIDS)
		return policy_fail(ctx, a->name, "%zu values; at most %d are allowed", a->nvals,
		    POLICY_MAX_AAGUIDS);
	free(*list);
	*list = xcalloc(a->nvals, sizeof(**list));
	*n = 0;
	for (i = 0; i < a->nvals; i++) {
		if ((v = policy_value(ctx, a, i)) == NULL)
			return -1;
		if (passkey_aaguid_parse(v, (*list)[*n]) == -1) {
			policy_show(&a->vals[i], shown, sizeof(shown));
			return policy_fail(ctx, a->name, "\"%s\" is not an AAGUID; allowed: "
			    "8-4-4-4-12 hex, as cb69481e-8ff7-4039-93ec-0a2729a154a8", shown);
		}
		(*n)++;
	}
	return 0;
}

/* A group list: bounded in count and in each name's length; names kept as given. */
static int
policy_groups(struct policy_ctx *ctx, const struct store_attr *a, char ***list, size_t *n)
{
	const char	*v = NULL;
	size_t		 i;

	if (a->nvals > POLICY_MAX_GROUPS)
		return policy_fail(ctx, a->name, "%zu groups; at most %d are allowed", a->nvals,
		    POLICY_MAX_GROUPS);
	policy_list_free(*list, *n);
	*list = xcalloc(a->nvals, sizeof(**list));
	*n = 0;
	for (i = 0; i < a->nvals; i++) {
		if ((v = policy_value(ctx, a, i)) == NULL)
			return -1;
		if (*v == '\0')
			return policy_fail(ctx, a->name, "an empty group name");
		(*list)[(*n)++] = xstrdup(v);
	}
	return 0;
}

/* The one value of a single-valued attribute. */
static int
policy_single(struct policy_ctx *ctx, const struct store_attr *a, const char **v)
{
	if (a->nvals != 1)
		return policy_fail(ctx, a->name, "%zu values; one is allowed", a->nvals);
	if ((*v = policy_value(ctx, a, 0)) == NULL)
		return -1;
	return 0;
}

/* Value i as a string: bounded, no NUL inside, no control characters. */
static const char *
policy_value(struct policy_ctx *ctx, const struct store_attr *a, size_t i)
{
	const struct store_val	*v = &a->vals[i];
	size_t			 j;

	if (v->data == NULL) {
		policy_fail(ctx, a->name, "a value is missing");
		return NULL;
	}
	if (v->len > POLICY_VALUE_MAX) {
		policy_fail(ctx, a->name, "a value of %zu bytes; at most %d are allowed", v->len,
		    POLICY_VALUE_MAX);
		return NULL;
	}
	for (j = 0; j < v->len; j++) {
		if (v->data[j] == '\0' || iscntrl((unsigned char)v->data[j])) {
			policy_fail(ctx, a->name, "a value holds a control character");
			return NULL;
		}
	}
	return v->data;
}

/* A keyword from a table, in any case; refused with the allowed values. */
static int
policy_keyword(struct policy_ctx *ctx, const struct store_attr *a, const char *v,
    const struct policy_keyword *words, size_t nwords, int *out)
{
	char	 allowed[256];
	size_t	 i, off;

	for (i = 0; i < nwords; i++) {
		if (strcasecmp(v, words[i].word) == 0) {
			*out = words[i].value;
			return 0;
		}
	}
	allowed[0] = '\0';
	for (i = 0, off = 0; i < nwords && off < sizeof(allowed); i++)
		off += (size_t)snprintf(allowed + off, sizeof(allowed) - off, "%s%s",
		    i > 0 ? ", " : "", words[i].word);
	return policy_fail(ctx, a->name, "\"%.60s\" is not allowed; allowed values: %s", v,
	    allowed);
}

/* A decimal integer within lo..hi; refused with the range. */
static int
policy_integer(struct policy_ctx *ctx, const struct store_attr *a, long long lo, long long hi,
    long long *out)
{
	const char	*v = NULL;
	char		*end;
	long long	 x;

	if (policy_single(ctx, a, &v) == -1)
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*v == '\0' || isspace((unsigned char)*v) || *end != '\0' || errno == ERANGE ||
	    x < lo || x > hi)
		return policy_fail(ctx, a->name, "\"%.40s\" is not allowed; allowed values: "
		    "%lld to %lld", v, lo, hi);
	*out = x;
	return 0;
}

/* A value for an error message: truncated, non-printable bytes as '?'. */
static void
policy_show(const struct store_val *v, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; v->data != NULL && i < v->len && i + 1 < len && i < 60; i++)
		buf[i] = isprint((unsigned char)v->data[i]) ? v->data[i] : '?';
	buf[i] = '\0';
}

/* "DN: attribute: reason", and -1 for the caller to return. */
static int
policy_fail(struct policy_ctx *ctx, const char *attr, const char *fmt, ...)
{
	char	 reason[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(ctx->err, ctx->errlen, "%s: %s: %s", ctx->dn, attr, reason);
	return -1;
}

static int
policy_profile_cmp(const void *a, const void *b)
{
	const struct policy_profile	*pa = a, *pb = b;

	if (pa->name == NULL || pb->name == NULL)
		return (pa->name == NULL) - (pb->name == NULL);
	return strcasecmp(pa->name, pb->name);
}

static void
policy_profile_clear(struct policy_profile *p)
{
	free(p->name);
	free(p->aaguids);
	policy_list_free(p->include, p->ninclude);
	policy_list_free(p->exclude, p->nexclude);
}

static void
policy_list_free(char **list, size_t n)
{
	size_t	 i;

	for (i = 0; list != NULL && i < n; i++)
		free(list[i]);
	free(list);
}
