/*
 * authreq_pap.c: legacy passwords during the migration (issue 6), and the
 * Access-Accept attributes of the user's groups.
 *
 * A request with a User-Password (RFC 2865 §5.2) and no State, from a
 * client marked legacy, is looked up; a member of a radius-legacy-group
 * has the password checked by a simple bind as the user on a connection of
 * its own (store_check_password), then gets Access-Accept with Class
 * "latchkey:password", its groups' radius-reply attributes, and, when the
 * registration campaign targets the user, a Reply-Message asking for a
 * passkey.  Anyone else, known or not, goes to the challenge flow: a
 * password is never a way in for them, and the answer does not tell who
 * exists.  The password is never logged; the request keeps it only until
 * the bind has it (radius_pkt wipes it with the packet).
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "audit.h"
#include "authreq.h"
#include "authreq_priv.h"
#include "conf.h"
#include "log.h"
#include "policy.h"
#include "radius.h"
#include "store.h"
#include "xmalloc.h"

#define PAP_MSG_MAX	512

/* The entries the policy is made of, under latchkey_base (as webflow.c). */
static const char pap_pol_filter[] = "(|(objectClass=latchkeyPasskeyProfile)"
    "(objectClass=latchkeyTapPolicy)(objectClass=latchkeyCampaignPolicy))";

enum pap_state { PAP_USER, PAP_BIND, PAP_POLICY };

struct pap_req {
	struct ar_pap		*pap;
	uint64_t		 rid;
	enum pap_state		 state;
	uint64_t		 op;		/* store operation in flight */
	struct store_bind	*bind;		/* the password check in flight */
	char			*user;
	char			*client;
	char			*peer;
	char		       **groups;
	size_t			 ngroups;
	size_t			 npasskeys;
	TAILQ_ENTRY(pap_req)	 entry;
};

struct ar_pap {
	struct radius		*radius;
	struct store		*store;
	const struct conf	*conf;
	ar_pap_decline_cb	 decline;
	void			*arg;
	TAILQ_HEAD(, pap_req)	 reqs;
};

static void	 pap_on_user(enum store_err, const struct store_user *, void *);
static void	 pap_on_bind(enum store_err, void *);
static void	 pap_on_policy(enum store_err, const struct store_entry *, size_t, void *);
static struct radius_req *pap_arrived(struct pap_req *);
static void	 pap_accept(struct pap_req *, struct radius_req *, int);
static void	 pap_reject(struct pap_req *, struct radius_req *, const char *);
static void	 pap_req_free(struct pap_req *);
static int	 pap_in_group(const struct conf *, char *const *, size_t);

struct ar_pap *
ar_pap_new(struct radius *radius, struct store *store, const struct conf *conf,
    ar_pap_decline_cb decline, void *arg)
{
	struct ar_pap	*pap;

	pap = xcalloc(1, sizeof(*pap));
	pap->radius = radius;
	pap->store = store;
	pap->conf = conf;
	pap->decline = decline;
	pap->arg = arg;
	TAILQ_INIT(&pap->reqs);
	return pap;
}

void
ar_pap_reconf(struct ar_pap *pap, const struct conf *conf)
{
	pap->conf = conf;
}

void
ar_pap_free(struct ar_pap *pap)
{
	struct pap_req	*p;

	if (pap == NULL)
		return;
	while ((p = TAILQ_FIRST(&pap->reqs)) != NULL) {
		if (p->op != 0)
			store_cancel(pap->store, p->op);
		store_check_password_cancel(p->bind);
		pap_req_free(p);
	}
	free(pap);
}

int
ar_pap_take(struct ar_pap *pap, struct radius_req *req)
{
	const struct radius_pkt	*pkt = radius_req_pkt(req);
	struct pap_req		*p;

	if (pkt->password == NULL || pkt->state.buf != NULL ||
	    !radius_req_legacy(req) || pap->conf->nradius_legacy_groups == 0)
		return 0;
	p = xcalloc(1, sizeof(*p));
	p->pap = pap;
	p->rid = radius_req_id(req);
	p->user = xstrdup(pkt->user_name);
	p->client = xstrdup(radius_req_client(req));
	p->peer = xstrdup(radius_req_peer(req));
	p->state = PAP_USER;
	TAILQ_INSERT_TAIL(&pap->reqs, p, entry);
	p->op = store_user_by_name(pap->store, p->user, pap_on_user, p);
	return 1;
}

static void
pap_on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct pap_req		*p = arg;
	struct ar_pap		*pap = p->pap;
	struct radius_req	*req;
	const struct radius_pkt	*pkt;
	size_t			 i;

	if ((req = pap_arrived(p)) == NULL)
		return;
	if (err == STORE_UNAVAILABLE || err == STORE_TIMEOUT) {
		log_warnx("authreq: %s: password: user lookup: %s (client %s, %s)",
		    p->user, store_strerror(err), p->client, p->peer);
		radius_req_drop(req, "directory_unavailable");
		pap_req_free(p);
		return;
	}
	/* Unknown, or in no legacy group: the passkey flow, as for anyone. */
	if (err != STORE_OK || !pap_in_group(pap->conf, u->groups, u->ngroups)) {
		log_info("authreq: %s: password not allowed: the passkey flow "
		    "(client %s, %s)", p->user, p->client, p->peer);
		pap_req_free(p);
		pap->decline(req, pap->arg);
		return;
	}
	p->groups = xcalloc(u->ngroups + 1, sizeof(*p->groups));
	for (i = 0; i < u->ngroups; i++)
		p->groups[i] = xstrdup(u->groups[i]);
	p->ngroups = u->ngroups;
	p->npasskeys = u->npasskeys;
	pkt = radius_req_pkt(req);
	p->state = PAP_BIND;
	p->bind = store_check_password(pap->store, u->dn, pkt->password,
	    pkt->password_len, pap_on_bind, p);
}

static void
pap_on_bind(enum store_err err, void *arg)
{
	struct pap_req		*p = arg;
	struct radius_req	*req;

	p->bind = NULL;
	if ((req = pap_arrived(p)) == NULL)
		return;
	if (err == STORE_UNAVAILABLE || err == STORE_TIMEOUT) {
		log_warnx("authreq: %s: password check: %s (client %s, %s)", p->user,
		    store_strerror(err), p->client, p->peer);
		radius_req_drop(req, "directory_unavailable");
		pap_req_free(p);
		return;
	}
	if (err != STORE_OK) {
		pap_reject(p, req, "wrong_password");
		return;
	}
	/* The campaign's nudge needs the policy; the answer does not wait on it failing. */
	p->state = PAP_POLICY;
	p->op = store_search(p->pap->store, p->pap->conf->latchkey_base,
	    pap_pol_filter, NULL, pap_on_policy, p);
}

static void
pap_on_policy(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct pap_req		*p = arg;
	struct radius_req	*req;
	struct policy		*pol = NULL;
	const struct policy_campaign *c;
	char			 why[256];
	int			 nudge = 0;

	if ((req = pap_arrived(p)) == NULL)
		return;
	if (err == STORE_NOTFOUND) {
		e = NULL;
		n = 0;
		err = STORE_OK;
	}
	if (err == STORE_OK && (pol = policy_from_entries(e, n, why, sizeof(why))) == NULL)
		log_warnx("authreq: the policy cannot be used: %s", why);
	else if (err != STORE_OK)
		log_warnx("authreq: %s: reading the policy: %s", p->user,
		    store_strerror(err));
	if (pol != NULL) {
		/* As /api/v1/me: enabled, targets the user's groups, no passkey yet. */
		c = &pol->campaign;
		nudge = c->enabled && p->npasskeys == 0 && policy_targets(c->include,
		    c->ninclude, c->exclude, c->nexclude, p->groups, p->ngroups);
		policy_free(pol);
	}
	pap_accept(p, req, nudge);
}

static void
pap_accept(struct pap_req *p, struct radius_req *req, int nudge)
{
	static const char	 class_[] = "latchkey:password";
	struct radius_reply	 rep;
	struct ar_attrs		 attrs;
	const char		*u = p->pap->conf->public_url != NULL ?
				    p->pap->conf->public_url : "";
	char			 msg[PAP_MSG_MAX];
	size_t			 len = strlen(u);

	while (len > 0 && u[len - 1] == '/')
		len--;
	if (nudge)
		snprintf(msg, sizeof(msg), "Set up a passkey at %.*s/setup: passwords "
		    "for the VPN will end", (int)len, u);
	else
		snprintf(msg, sizeof(msg), "Signed in with your password.");
	ar_attrs_of(p->pap->conf, p->groups, p->ngroups, &attrs);
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_ACCEPT;
	rep.message = msg;
	rep.class_ = (const unsigned char *)class_;
	rep.class_len = strlen(class_);
	rep.attrs = attrs.v;
	rep.nattrs = attrs.n;
	audit_event("vpn.password", "success", p->user, p->user, p->peer,
	    json_pack("{s:s, s:b}", "radiusClient", p->client, "nudged", nudge));
	log_info("authreq: %s: Access-Accept with a legacy password%s (client %s, %s)",
	    p->user, nudge ? ", campaign nudge" : "", p->client, p->peer);
	radius_req_answer(req, &rep);
	ar_attrs_clear(&attrs);
	pap_req_free(p);
}

static void
pap_reject(struct pap_req *p, struct radius_req *req, const char *why)
{
	struct radius_reply	 rep;

	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_REJECT;
	rep.message = "The user name or password is wrong.";
	audit_event("vpn.password", why, p->user, p->user, p->peer,
	    json_pack("{s:s}", "radiusClient", p->client));
	log_info("authreq: %s: Access-Reject: %s (client %s, %s)", p->user, why,
	    p->client, p->peer);
	radius_req_answer(req, &rep);
	pap_req_free(p);
}

/* The request, if it is still there (STYLE 6). */
static struct radius_req *
pap_arrived(struct pap_req *p)
{
	struct radius_req	*req;

	p->op = 0;
	if ((req = radius_req_find(p->pap->radius, p->rid)) == NULL) {
		log_debug("authreq: request %llu of %s ended meanwhile",
		    (unsigned long long)p->rid, p->user);
		pap_req_free(p);
	}
	return req;
}

static void
pap_req_free(struct pap_req *p)
{
	size_t	 i;

	TAILQ_REMOVE(&p->pap->reqs, p, entry);
	for (i = 0; i < p->ngroups; i++)
		free(p->groups[i]);
	free(p->groups);
	free(p->user);
	free(p->client);
	free(p->peer);
	free(p);
}

/* Is one of groups a radius-legacy-group?  Names compare without case, as cn. */
static int
pap_in_group(const struct conf *conf, char *const *groups, size_t ngroups)
{
	size_t	 i, j;

	for (i = 0; i < conf->nradius_legacy_groups; i++)
		for (j = 0; j < ngroups; j++)
			if (strcasecmp(conf->radius_legacy_groups[i], groups[j]) == 0)
				return 1;
	return 0;
}

void
ar_attrs_of(const struct conf *conf, char *const *groups, size_t ngroups,
    struct ar_attrs *a)
{
	size_t	 i, j;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < conf->nradius_replies; i++)
		for (j = 0; j < ngroups; j++) {
			if (strcasecmp(conf->radius_replies[i].group, groups[j]) != 0)
				continue;
			a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
			a->v[a->n].name = xstrdup(conf->radius_replies[i].attr);
			a->v[a->n].value = xstrdup(conf->radius_replies[i].value);
			a->n++;
			break;
		}
}

void
ar_attrs_clear(struct ar_attrs *a)
{
	size_t	 i;

	for (i = 0; i < a->n; i++) {
		free((char *)a->v[i].name);
		free((char *)a->v[i].value);
	}
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

/*
 * The radius-reply lines against the dictionary (radius_pkt_init ran):
 * at start and before a reload is taken.  Class and State are latchkey's.
 */
int
authreq_conf_check(const struct conf *conf, char *err, size_t errlen)
{
	const struct conf_radius_reply	*r;
	char				 why[256];
	size_t				 i;

	for (i = 0; i < conf->nradius_replies; i++) {
		r = &conf->radius_replies[i];
		if (strcasecmp(r->attr, "Class") == 0 || strcasecmp(r->attr, "State") == 0)
			snprintf(why, sizeof(why), "%s: set by latchkey itself", r->attr);
		else if (radius_pkt_attr_check(r->attr, r->value, why, sizeof(why)) == 0)
			continue;
		snprintf(err, errlen, "%s:%zu: radius-reply: %s", conf->file != NULL ?
		    conf->file : "latchkey.conf", r->line, why);
		return -1;
	}
	return 0;
}
