/*
 * policy.h: passkey profiles, the TAP policy and the registration campaign
 * (research/entra-semantics.md b1-b3), read from the directory's policy
 * entries and evaluated without I/O.  A user in several profiles may
 * register or use a passkey that fully satisfies any one of them; exclusion
 * wins over inclusion; an empty include list targets everyone.
 */
#ifndef LATCHKEY_POLICY_H
#define LATCHKEY_POLICY_H

#include <stddef.h>
#include <time.h>

#include "passkey.h"

struct store_entry;

#define POLICY_TYPE_DEVICE_BOUND	0x1
#define POLICY_TYPE_SYNCED		0x2

enum policy_attestation { POLICY_ATTEST_DISABLED = 0, POLICY_ATTEST_REGISTRATION_ONLY };
enum policy_keys { POLICY_KEYS_OFF = 0, POLICY_KEYS_ALLOW, POLICY_KEYS_BLOCK };

struct policy_profile {
	char			*name;		/* cn */
	unsigned int		 types;		/* POLICY_TYPE_* bits */
	enum policy_attestation	 attestation;
	enum policy_keys	 keys;
	unsigned char		(*aaguids)[16];
	size_t			 naaguids;
	int			 require_uv;
	char		       **include;	/* group names; none: everyone */
	size_t			 ninclude;
	char		       **exclude;
	size_t			 nexclude;
};

struct policy_tap {
	time_t			 min_lifetime;	/* seconds */
	time_t			 max_lifetime;
	time_t			 default_lifetime;
	int			 default_length;
	int			 one_time;	/* every pass one-time */
	char		       **include;	/* who may redeem; none: everyone */
	size_t			 ninclude;
	char		       **exclude;
	size_t			 nexclude;
};

struct policy_campaign {
	int			 enabled;
	int			 snooze_days;	/* 0-14 */
	int			 snooze_limit;	/* snoozes before registration is required */
	char		       **include;
	size_t			 ninclude;
	char		       **exclude;
	size_t			 nexclude;
};

struct policy {
	struct policy_profile	*profiles;
	size_t			 nprofiles;
	struct policy_tap	 tap;
	struct policy_campaign	 campaign;
};

/* Entra's defaults: a default profile for everyone, TAP 1 h/8 h/1 h, length 8, campaign off. */
struct policy	*policy_default(void);
/*
 * Builds the policy from the entries under latchkey_base (profiles, TAP
 * policy, campaign policy; other entries ignored).  Values are untrusted:
 * bounded and validated; NULL with a reason naming the entry and attribute.
 */
struct policy	*policy_from_entries(const struct store_entry *, size_t n, char *err, size_t errlen);
void		 policy_free(struct policy *);

/* 1 if the include/exclude lists target a member of groups (exclusion wins). */
int		 policy_targets(char *const *include, size_t ninclude, char *const *exclude,
		    size_t nexclude, char *const *groups, size_t ngroups);

/* Why a passkey is refused: a stable code and a sentence for people. */
struct policy_refusal {
	const char	*code;		/* "passkey_type", "attestation_required", "aaguid_not_allowed",
					   "aaguid_blocked", "uv_required", "no_profile" */
	char		 message[256];
};

/*
 * Registration (§ attestation checked here only): 0 and the name of the
 * first profile targeting the user that the new passkey fully satisfies in
 * *profile, or -1 with the refusal of the closest profile.
 */
int		 policy_check_registration(const struct policy *, char *const *groups, size_t ngroups,
		    const struct passkey *, const char **profile, struct policy_refusal *);
/* Sign-in: passkey types and key restrictions again, attestation as recorded. 0 or -1. */
int		 policy_check_signin(const struct policy *, char *const *groups, size_t ngroups,
		    const struct passkey *, const char **profile, struct policy_refusal *);
/* "aal3" for an attested device-bound passkey used with user verification, else "aal2". */
const char	*policy_assurance(const struct passkey *, int uv);
/* 1 if a profile targeting the user enforces attestation or key restrictions ("direct"). */
int		 policy_wants_attestation(const struct policy *, char *const *groups, size_t ngroups);
/* 1 if any profile targeting the user requires user verification. */
int		 policy_requires_uv(const struct policy *, char *const *groups, size_t ngroups);

#endif
