/*
 * authreq_priv.h: private to authreq.c and authreq_pap.c (legacy PAP
 * passwords during the migration, and the reply attributes of the user's
 * groups).  Callers include authreq.h only.
 */
#ifndef LATCHKEY_AUTHREQ_PRIV_H
#define LATCHKEY_AUTHREQ_PRIV_H

#include <stddef.h>

#include "radius_pkt.h"

struct conf;
struct radius;
struct radius_req;
struct store;
struct ar_pap;

/* The challenge flow, for a request the password path declined. */
typedef void (*ar_pap_decline_cb)(struct radius_req *, void *arg);

struct ar_pap	*ar_pap_new(struct radius *, struct store *, const struct conf *,
		    ar_pap_decline_cb, void *arg);
void		 ar_pap_reconf(struct ar_pap *, const struct conf *);
void		 ar_pap_free(struct ar_pap *);	/* NULL-safe */
/*
 * 1 if the password path takes the request: a User-Password, no State, a
 * client marked legacy, and radius-legacy-group configured.  It then
 * answers, drops, or hands the request back through the decline callback
 * (the user is unknown or in no legacy group: a password is never a way in).
 */
int		 ar_pap_take(struct ar_pap *, struct radius_req *);

/* The radius-reply attributes of every group in groups (pointers into conf). */
struct ar_attrs {
	struct radius_attr	*v;
	size_t			 n;
};
void		 ar_attrs_of(const struct conf *, char *const *groups, size_t ngroups,
		    struct ar_attrs *);
void		 ar_attrs_clear(struct ar_attrs *);

#endif
