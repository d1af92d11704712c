/*
 * ctl_policy.h: private to latchkeyctl's policy commands (ctl_policy.c,
 * ctl_policy_entry.c, ctl_campaign.c): the policy entries under
 * latchkey-base as the CLI reads, edits and shows them.
 */
#ifndef LATCHKEY_CTL_POLICY_H
#define LATCHKEY_CTL_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

struct ctl;

#define STR2(x)		#x
#define STR(x)		STR2(x)
#define ATTR_INCLUDE	"latchkeyIncludeGroup"
#define ATTR_EXCLUDE	"latchkeyExcludeGroup"

/* The three kinds of policy entry. */
enum pol_kind { K_PROFILE = 0, K_TAP, K_CAMPAIGN, K_OTHER };

/* How an entry is shown: JSON key, attribute, type, and the value when it is absent. */
enum pfield_type { F_ONE, F_LIST, F_SECS, F_NUM, F_BOOL };
struct pfield {
	const char		*key;
	const char		*attr;
	enum pfield_type	 type;
	const char		*dflt;		/* F_LIST: comma-separated */
};

struct pkind {
	const char		*oc;
	const char		*cn;		/* fixed name; NULL: named by the admin */
	const struct pfield	*fields;
	const char		*changed;	/* audit event of a change */
};
extern const struct pkind	pkinds[];
extern const struct pfield	profile_fields[], tap_fields[], campaign_fields[];

struct slist {
	char	**v;
	size_t	  n;
};

/* A policy entry as read, and as the change would leave it. */
struct pattr {
	char		*name;
	struct slist	 vals;
	struct slist	 orig;		/* as read: deltas for ADD/DELETE */
	int		 mode;		/* 0 untouched, 'r' replace, 'd' add/delete */
};
struct pent {
	char		*dn;
	char		*cn;
	enum pol_kind	 kind;
	int		 isnew;
	struct pattr	*a;
	size_t		 na;
};
struct pset {
	struct pent	*e;
	size_t		 n;
};

/* What a directory operation hands back across the event loop. */
struct pres {
	struct ctl	*ctl;
	enum store_err	 err;
	struct pset	*set;		/* policy entries */
	struct slist	*names;		/* values of one attribute (group names) */
	const char	*attr;
	json_t		*users;		/* campaign status: [ {dn, groups, passkeys} ] */
};

/* Reads every policy entry under latchkey-base (one search); -1: reported. */
int		 pol_read(struct ctl *, struct pset *);
/* The entry of kind (cn NULL, or a fixed-name kind: the first). */
struct pent	*pol_find(struct pset *, enum pol_kind, const char *cn);
/* A new entry of kind in set, with the defaults set-up writes. */
struct pent	*pol_new(struct ctl *, struct pset *, enum pol_kind, const char *cn);
json_t		*pol_json(const struct pent *);
long long	 pol_num(const struct pent *, const char *, long long);
const char	*pol_first(const struct pent *, const char *);
void		 pol_fmt_dur(long long, char *, size_t);
void		 pol_on_done(enum store_err, void *);
void		 profile_print(json_t *);
void		 profile_list_print(json_t *);
void		 tap_policy_print(json_t *);
void		 campaign_print(json_t *);
struct pattr	*pent_attr(struct pent *, const char *, int create);
const struct pattr *pent_get(const struct pent *, const char *);
void		 pset_clear(struct pset *);
int		 slist_has(const struct slist *, const char *);
void		 slist_add(struct slist *, const char *);
void		 slist_del(struct slist *, const char *);
void		 slist_copy(struct slist *, const struct slist *);
void		 slist_clear(struct slist *);
json_t		*slist_json(const struct slist *);

#endif
