/*
 * authreq.c: the answer to each RADIUS Access-Request, in challenge mode
 * (ARCHITECTURE §4, research/radius.md §3):
 *
 * - no State: an approval id, a code from TAP_ALPHABET and an expiry (5
 *   minutes) sealed into the State (vpnstate.h), and an Access-Challenge
 *   carrying it, a Reply-Message with the /vpn address and the code, and
 *   Session-Timeout, the prompt's time (RFC 2865 §5.27).  While the
 *   directory keeps up (fewer than AUTHREQ_WAIT_MAX challenges waiting),
 *   the reply waits for the pending approval (the code as a keyed hash) to
 *   be written, so the code works the moment the person reads it.  Past
 *   that the reply goes at once and the approval is written in the
 *   background, at most AUTHREQ_PUBLISH_MAX at a time; past that too a
 *   challenge still goes out but is counted unpublished (its code cannot
 *   be approved), so a flood of requests is answered at packet speed and
 *   never queues writes in front of the directory.  With the directory down, requests are dropped, so that the
 *   client tries its next server.  The user is not looked up: an unknown
 *   user gets the same challenge, which no sign-in can ever approve (no
 *   user enumeration).
 * - the State back (RFC 2865 §5.24, copied unmodified): forged, altered,
 *   brought back with another User-Name, or expired -> Access-Reject
 *   without a directory read.  Then its approval decides: approved -> used
 *   (one modify: single use, whichever node makes it first) and
 *   Access-Accept with Class "latchkey:aal2|aal3"; pending or not
 *   published (yet) -> another Access-Challenge with the same State; used
 *   or denied (too many wrong codes) -> Access-Reject.
 *
 * Hold mode (a client whose VPN cannot show a challenge, research/radius.md
 * §4): the Access-Request itself waits.  A pending approval without a code
 * is added (the client attribute says "NAME from ADDRESS", the address
 * being the Calling-Station-Id or the NAS's), the user's signed-in portal
 * lists it (GET /api/v1/vpn/pending) and approves it by id; meanwhile a
 * timer reads the approval every AUTHREQ_POLL_MS, since any node may
 * approve it (approvals live in the directory).  Approved -> consumed and
 * Access-Accept with Class as above; still pending AUTHREQ_MARGIN_MS
 * before the client's hold timeout -> Access-Reject "Not approved in
 * time", so that the answer arrives before the client gives up.  An
 * unknown user's request waits the same way and is never approved.  The
 * client's retransmissions meanwhile are dropped by radius.c (RFC 5080
 * §2.2.2).  The approval is deleted whenever the request ends.
 *
 * A User-Password without State from a client marked legacy goes to
 * authreq_pap.c first, which answers members of a radius-legacy-group and
 * hands everyone else back here: for them a password is never a way in.
 * Every Access-Accept carries the radius-reply attributes of the user's
 * groups, read before the approval is consumed.
 *
 * The request is kept across the directory's answer by its id only
 * (radius_req_find, STYLE 6): it may have expired or been dropped meanwhile.
 * A directory that cannot be reached gets the request dropped, not
 * rejected, so that the client tries its next server (ARCHITECTURE §6).
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>
#include <jansson.h>

#include "approval.h"
#include "audit.h"
#include "authreq.h"
#include "authreq_priv.h"
#include "conf.h"
#include "log.h"
#include "metrics.h"
#include "radius.h"
#include "store.h"
#include "util.h"
#include "vpnstate.h"
#include "xmalloc.h"

#define AUTHREQ_MSG_MAX		1024	/* a Reply-Message we write */
#define AUTHREQ_CLASS_MAX	32
#define AUTHREQ_POLL_MS		500	/* hold mode: how often the approval is read */
#define AUTHREQ_MARGIN_MS	1000	/* hold mode: answer this long before the client gives up */
#define AUTHREQ_WAIT_MAX	8	/* challenges waiting for their approval's write */
#define AUTHREQ_PUBLISH_MAX	64	/* approvals written in the background at a time */

/* Why an Access-Reject went out, for /metrics; anything else counts as "other". */
static const char *const ar_reject_reasons[] = {
	"no_user_name", "no_key", "state_unknown", "expired", "user_mismatch",
	"state_used", "too_many_codes", "not_approved", "user_unknown", "directory_error",
	"other",
};
#define AR_REJECT_REASONS	(sizeof(ar_reject_reasons) / sizeof(ar_reject_reasons[0]))

enum ar_state {
	AR_NEW = 0,	/* arrived */
	AR_CREATE,	/* adding the approval */
	AR_LOOKUP,	/* reading the approval of the State */
	AR_CONSUME,	/* deleting an approved approval */
	AR_GROUPS,	/* the user's groups, for the reply attributes */
	AR_HOLD,	/* hold mode: waiting for the next read of the approval */
	AR_POLL,	/* hold mode: reading the approval */
	AR_DONE,	/* answered, dropped, or the request went away */
};

/* One Access-Request while it waits on the directory. */
struct ar_req {
	struct authreq		*ar;
	uint64_t		 rid;		/* radius_req_id */
	uint64_t		 op;		/* store operation in flight; 0: none */
	enum ar_state		 state;
	char			*user;		/* User-Name as sent */
	char			*client;	/* the RADIUS client's name */
	char			*peer;
	unsigned char		 st[VPNSTATE_LEN];	/* the State (hold mode: the id) */
	size_t			 stlen;
	char			 id[APPROVAL_ID_LEN + 1];
	char			 code[APPROVAL_CODE_LEN + 1];	/* wiped on free */
	time_t			 expiry;
	char			 assurance[8];
	int			 orphan;	/* authreq freed; its callback frees it */
	struct ar_attrs		 attrs;		/* radius-reply of the user's groups */
	int			 hold;		/* hold mode */
	int			 held;		/* hold mode: the approval exists; delete it at the end */
	int			 waiting;	/* counted in nwaiting (ar_challenge_new) */
	uint64_t		 deadline_ms;	/* hold mode: answer by (util_now_ms) */
	struct event		*timer;		/* hold mode: the next read */
	TAILQ_ENTRY(ar_req)	 entry;
};
TAILQ_HEAD(ar_req_list, ar_req);

/* A pending approval being written in the background. */
struct ar_pub {
	struct authreq		*ar;
	uint64_t		 op;
	int			 orphan;	/* authreq freed; its callback frees it */
	TAILQ_ENTRY(ar_pub)	 entry;
};
TAILQ_HEAD(ar_pub_list, ar_pub);

struct authreq {
	struct event_base	*base;
	struct radius		*radius;
	struct store		*store;
	const struct conf	*conf;
	unsigned char		 key[TAP_KEY_LEN];
	int			 has_key;
	struct vpnstate_ctx	*vs;		/* seals the State; NULL without a key */
	struct ar_req_list	 reqs;
	struct ar_pub_list	 pubs;
	size_t			 npubs;
	size_t			 nwaiting;	/* challenges waiting for their write */
	uint64_t		 challenges;	/* new challenges sent */
	uint64_t		 unpublished;	/* ... whose approval was not written */
	uint64_t		 publish_failed;	/* ... the directory refused */
	uint64_t		 unpublished_logged;	/* util_now_ms of the last warning */
	uint64_t		 rejects[AR_REJECT_REASONS];	/* by ar_reject_reasons */
	struct ar_pap		*pap;		/* legacy passwords (authreq_pap.c) */
};

static const char *const ar_state_names[] = {
	[AR_NEW] = "new", [AR_CREATE] = "create", [AR_LOOKUP] = "lookup",
	[AR_CONSUME] = "consume", [AR_GROUPS] = "groups", [AR_HOLD] = "hold", [AR_POLL] = "poll",
	[AR_DONE] = "done",
};

static struct ar_req *ar_req_new(struct authreq *, struct radius_req *);
static void	 ar_req_free(struct ar_req *);
static void	 ar_enter_state(struct ar_req *, enum ar_state);
static struct radius_req *ar_arrived(struct ar_req *);
static void	 ar_challenge_new(struct ar_req *, struct radius_req *);
static void	 ar_lookup(struct ar_req *, struct radius_req *, const struct radius_octets *);
static void	 ar_on_created(enum store_err, void *);
static void	 ar_on_lookup(enum store_err, const struct store_entry *, size_t, void *);
static void	 ar_on_consumed(enum store_err, void *);
static void	 ar_on_groups(enum store_err, const struct store_user *, void *);
static void	 ar_consume(struct ar_req *);
static void	 ar_start(struct authreq *, struct radius_req *, int);
static void	 ar_on_pap_declined(struct radius_req *, void *);
static void	 ar_challenge(struct ar_req *, struct radius_req *, const char *);
static void	 ar_not_yet(struct ar_req *, struct radius_req *);
static void	 ar_reject(struct ar_req *, struct radius_req *, const char *, const char *);
static void	 ar_store_failed(struct ar_req *, struct radius_req *, enum store_err,
		    const char *);
static void	 ar_url(const struct authreq *, char *, size_t);
static void	 ar_hold_new(struct ar_req *, struct radius_req *);
static void	 ar_hold_wait(struct ar_req *, struct radius_req *);
static void	 ar_on_tick(evutil_socket_t, short, void *);
static void	 ar_on_poll(enum store_err, const struct store_entry *, size_t, void *);
static void	 ar_on_forgotten(enum store_err, void *);
static void	 ar_publish(struct authreq *, const struct approval *);
static void	 ar_on_challenge_written(enum store_err, void *);
static void	 ar_challenge_sent(struct ar_req *, struct radius_req *);
static void	 ar_on_published(enum store_err, void *);
static void	 ar_metrics(struct evbuffer *, void *);

struct authreq *
authreq_new(struct event_base *base, struct radius *radius, struct store *store,
    const struct conf *conf, const unsigned char tap_key[TAP_KEY_LEN])
{
	struct authreq	*ar;

	ar = xcalloc(1, sizeof(*ar));
	ar->base = base;
	ar->radius = radius;
	ar->store = store;
	ar->conf = conf;
	TAILQ_INIT(&ar->reqs);
	TAILQ_INIT(&ar->pubs);
	ar->pap = ar_pap_new(radius, store, conf, ar_on_pap_declined, ar);
	if (tap_key != NULL) {
		memcpy(ar->key, tap_key, TAP_KEY_LEN);
		ar->has_key = 1;
		ar->vs = vpnstate_new(tap_key);
	}
	metrics_register(ar_metrics, ar);
	return (ar);
}

void
authreq_reconf(struct authreq *ar, const struct conf *conf)
{
	ar->conf = conf;
	ar_pap_reconf(ar->pap, conf);
}

void
authreq_free(struct authreq *ar)
{
	struct ar_req	*r;
	struct ar_pub	*p;

	if (ar == NULL)
		return;
	metrics_unregister(ar_metrics, ar);
	ar_pap_free(ar->pap);
	while ((p = TAILQ_FIRST(&ar->pubs)) != NULL) {
		TAILQ_REMOVE(&ar->pubs, p, entry);
		if (p->op != 0) {
			store_cancel(ar->store, p->op);
			free(p);
		} else
			p->orphan = 1;	/* it calls back later (store.h) */
	}
	while ((r = TAILQ_FIRST(&ar->reqs)) != NULL) {
		if (r->op != 0 || r->state == AR_NEW || r->state == AR_HOLD) {
			if (r->op != 0)
				store_cancel(ar->store, r->op);
			ar_req_free(r);
			continue;
		}
		/* An operation that could not start still calls back, later (store.h). */
		TAILQ_REMOVE(&ar->reqs, r, entry);
		r->orphan = 1;
	}
	explicit_bzero(ar->key, sizeof(ar->key));
	vpnstate_free(ar->vs);
	free(ar);
}

/* One new Access-Request (radius.c has bounded and authenticated it). */
void
authreq_on_request(struct radius_req *req, void *arg)
{
	ar_start(arg, req, 1);
}

/* A password the legacy path would not take: the challenge flow, as for anyone. */
static void
ar_on_pap_declined(struct radius_req *req, void *arg)
{
	ar_start(arg, req, 0);
}

static void
ar_start(struct authreq *ar, struct radius_req *req, int pap)
{
	const struct radius_pkt	*pkt = radius_req_pkt(req);
	struct ar_req		*r;

	/* A legacy password, where policy allows it (authreq_pap.c). */
	if (pap && pkt->user_name != NULL && *pkt->user_name != '\0' &&
	    ar_pap_take(ar->pap, req))
		return;
	r = ar_req_new(ar, req);
	if (pkt->user_name == NULL || *pkt->user_name == '\0') {
		ar_reject(r, req, "no_user_name", "A user name is required.");
		return;
	}
	/* Hold mode shows no code, so it needs no TAP key. */
	if (radius_req_mode(req) == CONF_RADIUS_HOLD) {
		ar_hold_new(r, req);
		return;
	}
	if (!ar->has_key) {
		log_warnx("authreq: no TAP key: VPN approvals cannot be made (%s)", r->peer);
		ar_reject(r, req, "no_key", "Passkey sign-in for the VPN is not available "
		    "right now. Ask the helpdesk.");
		return;
	}
	if (pkt->state.buf == NULL) {
		/* Nothing could approve it, and another server may be fine (ARCHITECTURE §6). */
		if (store_state(ar->store) != STORE_UP) {
			log_warnx("authreq: %s: the directory is down: request dropped "
			    "(client %s, %s)", r->user, r->client, r->peer);
			radius_req_drop(req, "directory_unavailable");
			ar_enter_state(r, AR_DONE);
			return;
		}
		ar_challenge_new(r, req);
	} else
		ar_lookup(r, req, &pkt->state);
}

static struct ar_req *
ar_req_new(struct authreq *ar, struct radius_req *req)
{
	const struct radius_pkt	*pkt = radius_req_pkt(req);
	struct ar_req		*r;

	r = xcalloc(1, sizeof(*r));
	r->ar = ar;
	r->rid = radius_req_id(req);
	r->user = xstrdup(pkt->user_name != NULL ? pkt->user_name : "");
	r->client = xstrdup(radius_req_client(req));
	r->peer = xstrdup(radius_req_peer(req));
	TAILQ_INSERT_TAIL(&ar->reqs, r, entry);
	return (r);
}

static void
ar_req_free(struct ar_req *r)
{
	if (r == NULL)
		return;
	if (!r->orphan)
		TAILQ_REMOVE(&r->ar->reqs, r, entry);
	free(r->user);
	free(r->client);
	free(r->peer);
	if (r->timer != NULL)
		event_free(r->timer);
	explicit_bzero(r->code, sizeof(r->code));
	ar_attrs_clear(&r->attrs);
	free(r);
}

/* The only place a request's state changes (STYLE 5). */
static void
ar_enter_state(struct ar_req *r, enum ar_state s)
{
	log_debug("authreq: %s (%s) request %llu: %s -> %s", r->user, r->peer,
	    (unsigned long long)r->rid, ar_state_names[r->state], ar_state_names[s]);
	r->state = s;
	if (s == AR_DONE) {
		/* A hold request's approval goes with it (unless consumed already). */
		if (r->held && !r->orphan)
			approval_delete(r->ar->store, r->ar->conf->latchkey_base, r->id,
			    ar_on_forgotten, NULL);
		ar_req_free(r);
	}
}

/* The directory answered: the request, if it is still there (STYLE 6). */
static struct radius_req *
ar_arrived(struct ar_req *r)
{
	struct radius_req	*req;

	r->op = 0;
	if (r->orphan) {
		ar_req_free(r);
		return (NULL);
	}
	if ((req = radius_req_find(r->ar->radius, r->rid)) == NULL) {
		log_debug("authreq: request %llu of %s (%s) ended while the directory "
		    "answered", (unsigned long long)r->rid, r->user, r->peer);
		ar_enter_state(r, AR_DONE);
	}
	return (req);
}

/*
 * A new challenge: the State seals a random approval id, the code and the
 * expiry (RFC 5080 §2.1.1: the server links rounds with it; unguessable,
 * single use, expiring); the approval is published in the background.
 */
static void
ar_challenge_new(struct ar_req *r, struct radius_req *req)
{
	struct authreq	*ar = r->ar;
	struct vpnstate	 vs;
	struct approval	 a;
	/* One draw from the CSPRNG: the id, the nonce, octets for the code. */
	unsigned char	 rnd[APPROVAL_STATE_LEN + VPNSTATE_NONCE_LEN + 24];

	util_random(rnd, sizeof(rnd));
	memcpy(vs.id, rnd, sizeof(vs.id));
	approval_id_of(vs.id, sizeof(vs.id), r->id);
	if (approval_code_from(rnd + sizeof(vs.id) + VPNSTATE_NONCE_LEN,
	    sizeof(rnd) - sizeof(vs.id) - VPNSTATE_NONCE_LEN, vs.code) == -1)
		approval_code_new(vs.code);
	vs.expiry = r->expiry = util_now() + APPROVAL_LIFETIME;
	vpnstate_seal(ar->vs, r->user, &vs, rnd + sizeof(vs.id), r->st);
	explicit_bzero(rnd, sizeof(rnd));
	r->stlen = VPNSTATE_LEN;
	memcpy(r->code, vs.code, sizeof(r->code));
	explicit_bzero(&vs, sizeof(vs));
	memset(&a, 0, sizeof(a));
	memcpy(a.id, r->id, sizeof(a.id));
	a.user = r->user;
	a.client = r->client;
	a.expiry = r->expiry;
	if (approval_code_hash(ar->key, r->code, a.code_hash) == -1)
		fatalx("authreq: a new code does not hash");
	ar->challenges++;
	/*
	 * While the directory keeps up, the challenge waits for its approval:
	 * the code works the moment the person reads it.  Past
	 * AUTHREQ_WAIT_MAX waiting, the reply goes at once and the approval
	 * is written in the background (ar_publish).
	 */
	if (ar->nwaiting < AUTHREQ_WAIT_MAX) {
		ar->nwaiting++;
		r->waiting = 1;
		ar_enter_state(r, AR_CREATE);
		r->op = approval_create(ar->store, ar->conf->latchkey_base, &a,
		    ar_on_challenge_written, r);
		return;
	}
	ar_publish(ar, &a);
	ar_challenge_sent(r, req);
}

/* The approval of a waiting challenge is in the directory (or not). */
static void
ar_on_challenge_written(enum store_err err, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;

	if (r->waiting && !r->orphan) {
		r->waiting = 0;
		r->ar->nwaiting--;
	}
	if ((req = ar_arrived(r)) == NULL)
		return;
	if (err != STORE_OK) {
		ar_store_failed(r, req, err, "adding the approval");
		return;
	}
	ar_challenge_sent(r, req);
}

/* The Access-Challenge with the /vpn address and the code. */
static void
ar_challenge_sent(struct ar_req *r, struct radius_req *req)
{
	char		 url[512], shown[APPROVAL_CODE_LEN + 2];
	char		 msg[AUTHREQ_MSG_MAX];

	ar_url(r->ar, url, sizeof(url));
	approval_code_display(r->code, shown);
	snprintf(msg, sizeof(msg), "Unlock with your passkey at %s/vpn?code=%s, code %s, "
	    "then press Continue", url, r->code, shown);
	explicit_bzero(r->code, sizeof(r->code));
	explicit_bzero(shown, sizeof(shown));
	audit_event("vpn.challenged", "success", r->user, r->user, r->peer,
	    json_pack("{s:s, s:s}", "radiusClient", r->client, "approval", r->id));
	log_info("authreq: %s: challenge sent, approval %.8s (client %s, %s)", r->user,
	    r->id, r->client, r->peer);
	ar_challenge(r, req, msg);
	explicit_bzero(msg, sizeof(msg));
}

/* Writes a pending approval, unless AUTHREQ_PUBLISH_MAX are being written. */
static void
ar_publish(struct authreq *ar, const struct approval *a)
{
	struct ar_pub	*p;
	uint64_t	 now;

	if (ar->npubs >= AUTHREQ_PUBLISH_MAX) {
		ar->unpublished++;
		now = util_now_ms();
		if (now - ar->unpublished_logged >= 10000) {
			ar->unpublished_logged = now;
			log_warnx("authreq: %zu approvals being written: new challenges are "
			    "sent but cannot be approved (%llu so far)", ar->npubs,
			    (unsigned long long)ar->unpublished);
		}
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->ar = ar;
	TAILQ_INSERT_TAIL(&ar->pubs, p, entry);
	ar->npubs++;
	p->op = approval_create(ar->store, ar->conf->latchkey_base, a, ar_on_published, p);
}

static void
ar_on_published(enum store_err err, void *arg)
{
	struct ar_pub	*p = arg;
	struct authreq	*ar = p->ar;

	if (p->orphan) {
		free(p);
		return;
	}
	TAILQ_REMOVE(&ar->pubs, p, entry);
	ar->npubs--;
	free(p);
	if (err != STORE_OK) {
		ar->publish_failed++;
		log_warnx("authreq: writing a pending approval: %s (its code cannot be "
		    "approved)", store_strerror(err));
	}
}

/* Hold mode's approval is in the directory: the request waits for it. */
static void
ar_on_created(enum store_err err, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;

	if ((req = ar_arrived(r)) == NULL)
		return;
	if (err != STORE_OK) {
		ar_store_failed(r, req, err, "adding the approval");
		return;
	}
	r->held = 1;
	audit_event("vpn.held", "success", r->user, r->user, r->peer,
	    json_pack("{s:s, s:s}", "radiusClient", r->client, "approval", r->id));
	log_info("authreq: %s: request held for approval %.8s (client %s, %s)",
	    r->user, r->id, r->client, r->peer);
	ar_hold_wait(r, req);
}

/* The State back: it must open for this user and be in time; then its approval decides. */
static void
ar_lookup(struct ar_req *r, struct radius_req *req, const struct radius_octets *state)
{
	struct authreq	*ar = r->ar;
	struct vpnstate	 vs;
	enum vpnstate_err e;

	e = vpnstate_open(ar->vs, state->buf, state->len, r->user, util_now(), &vs);
	explicit_bzero(vs.code, sizeof(vs.code));
	if (e == VPNSTATE_FORGED) {
		ar_reject(r, req, "state_unknown", "This sign-in is unknown or over. "
		    "Start again.");
		return;
	}
	approval_id_of(vs.id, sizeof(vs.id), r->id);
	if (e == VPNSTATE_EXPIRED) {
		ar_reject(r, req, "expired", "The time to unlock ran out. Start again.");
		return;
	}
	memcpy(r->st, state->buf, state->len);
	r->stlen = state->len;
	r->expiry = vs.expiry;
	ar_enter_state(r, AR_LOOKUP);
	r->op = approval_get(ar->store, ar->conf->latchkey_base, r->id, ar_on_lookup, r);
}

static void
ar_on_lookup(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;
	struct approval		 a;

	if ((req = ar_arrived(r)) == NULL)
		return;
	if (err != STORE_OK && err != STORE_NOTFOUND) {
		ar_store_failed(r, req, err, "reading the approval");
		return;
	}
	/*
	 * A State that opened but has no approval: it is not written yet, or
	 * was not written (a flood); either way nobody approved it.
	 */
	if (n == 0) {
		ar_not_yet(r, req);
		return;
	}
	if (n != 1 || approval_read(r->ar->store, r->ar->conf->latchkey_base, &e[0],
	    &a) == -1) {
		ar_reject(r, req, "state_unknown", "This sign-in cannot be completed. "
		    "Start again.");
		return;
	}
	if (a.expired) {
		approval_clear(&a);
		ar_reject(r, req, "expired", "The time to unlock ran out. Start again.");
		return;
	}
	/* The State answers one user's request: another User-Name with it is forged. */
	if (strcasecmp(a.user, r->user) != 0) {
		approval_clear(&a);
		ar_reject(r, req, "user_mismatch", "This sign-in cannot be completed. "
		    "Start again.");
		return;
	}
	if (a.state == APPROVAL_USED || a.state == APPROVAL_DENIED) {
		ar_reject(r, req, a.state == APPROVAL_USED ? "state_used" : "too_many_codes",
		    a.state == APPROVAL_USED ? "This sign-in was already used. Start again." :
		    "Too many wrong codes were typed for this sign-in. Start again.");
		approval_clear(&a);
		return;
	}
	if (a.state == APPROVAL_PENDING) {
		approval_clear(&a);
		ar_not_yet(r, req);
		return;
	}
	snprintf(r->assurance, sizeof(r->assurance), "%s", a.assurance);
	approval_clear(&a);
	/* Single use: whichever request marks it used first gets in. */
	r->held = 0;
	ar_consume(r);
}

/*
 * Single use: whichever request marks the approval used first gets in.  The
 * groups' reply attributes are read before, so that an approval is not
 * spent when they cannot be.
 */
static void
ar_consume(struct ar_req *r)
{
	if (r->ar->conf->nradius_replies > 0 && r->state != AR_GROUPS) {
		ar_enter_state(r, AR_GROUPS);
		r->op = store_user_by_name(r->ar->store, r->user, ar_on_groups, r);
		return;
	}
	ar_enter_state(r, AR_CONSUME);
	r->op = approval_use(r->ar->store, r->ar->conf->latchkey_base, r->id,
	    ar_on_consumed, r);
}

static void
ar_on_groups(enum store_err err, const struct store_user *u, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;

	if ((req = ar_arrived(r)) == NULL)
		return;
	if (err == STORE_NOTFOUND) {
		ar_reject(r, req, "user_unknown", "This sign-in cannot be completed.");
		return;
	}
	if (err != STORE_OK) {
		ar_store_failed(r, req, err, "reading the user's groups");
		return;
	}
	ar_attrs_of(r->ar->conf, u->groups, u->ngroups, &r->attrs);
	ar_consume(r);
}

static void
ar_on_consumed(enum store_err err, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;
	struct radius_reply	 rep;
	char			 class_[AUTHREQ_CLASS_MAX];

	if ((req = ar_arrived(r)) == NULL)
		return;
	if (err == STORE_NOTFOUND || err == STORE_CONFLICT) {
		ar_reject(r, req, "state_used", "This sign-in was already used. Start again.");
		return;
	}
	if (err != STORE_OK) {
		ar_store_failed(r, req, err, "consuming the approval");
		return;
	}
	snprintf(class_, sizeof(class_), "latchkey:%s", r->assurance);
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_ACCEPT;
	rep.message = "Signed in with your passkey.";
	rep.class_ = (const unsigned char *)class_;
	rep.class_len = strlen(class_);
	rep.attrs = r->attrs.v;
	rep.nattrs = r->attrs.n;
	audit_event("vpn.login", "success", r->user, r->user, r->peer,
	    json_pack("{s:s, s:s, s:s}", "radiusClient", r->client, "approval", r->id,
	    "assurance", r->assurance));
	log_info("authreq: %s: Access-Accept at %s, approval %.8s (client %s, %s)",
	    r->user, r->assurance, r->id, r->client, r->peer);
	radius_req_answer(req, &rep);
	ar_enter_state(r, AR_DONE);
}

/* Access-Challenge with the State and the time left as the prompt's timeout. */
static void
ar_challenge(struct ar_req *r, struct radius_req *req, const char *msg)
{
	struct radius_reply	 rep;
	time_t			 left = r->expiry - util_now();

	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_CHALLENGE;
	rep.message = msg;
	rep.state = r->st;
	rep.state_len = r->stlen;
	rep.session_timeout = left > 0 ? (uint32_t)left : 1;
	radius_req_answer(req, &rep);
	ar_enter_state(r, AR_DONE);
}

/* The same State again, with words for a person who has not unlocked yet. */
static void
ar_not_yet(struct ar_req *r, struct radius_req *req)
{
	char	 url[512], msg[AUTHREQ_MSG_MAX];

	ar_url(r->ar, url, sizeof(url));
	snprintf(msg, sizeof(msg), "Not approved yet: unlock with your passkey at "
	    "%s/vpn with the code you were given, then press Continue", url);
	log_info("authreq: %s: approval %.8s not approved yet (client %s, %s)",
	    r->user, r->id, r->client, r->peer);
	ar_challenge(r, req, msg);
}

static void
ar_reject(struct ar_req *r, struct radius_req *req, const char *why, const char *msg)
{
	struct radius_reply	 rep;
	size_t			 i;

	for (i = 0; i < AR_REJECT_REASONS - 1; i++)
		if (strcmp(ar_reject_reasons[i], why) == 0)
			break;
	r->ar->rejects[i]++;
	memset(&rep, 0, sizeof(rep));
	rep.code = RADIUS_CODE_ACCESS_REJECT;
	rep.message = msg;
	audit_event("vpn.login", why, r->user, r->user, r->peer,
	    json_pack("{s:s, s:s?}", "radiusClient", r->client, "approval",
	    r->id[0] != '\0' ? r->id : NULL));
	log_info("authreq: %s: Access-Reject: %s (client %s, %s)", r->user, why,
	    r->client, r->peer);
	radius_req_answer(req, &rep);
	ar_enter_state(r, AR_DONE);
}

/*
 * The directory is out of reach: dropped, so the client tries its next
 * server; a refusal by the directory (schema, a User-Name that is not
 * UTF-8) is an Access-Reject.
 */
static void
ar_store_failed(struct ar_req *r, struct radius_req *req, enum store_err err,
    const char *what)
{
	log_warnx("authreq: %s: %s: %s (client %s, %s)", r->user, what,
	    store_strerror(err), r->client, r->peer);
	if (err == STORE_UNAVAILABLE || err == STORE_TIMEOUT) {
		radius_req_drop(req, "directory_unavailable");
		ar_enter_state(r, AR_DONE);
		return;
	}
	ar_reject(r, req, "directory_error", "The sign-in service cannot complete this "
	    "sign-in right now. Try again later.");
}

/* The public URL without a trailing slash. */
static void
ar_url(const struct authreq *ar, char *buf, size_t len)
{
	const char	*u = ar->conf->public_url != NULL ? ar->conf->public_url : "";
	size_t		 n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	snprintf(buf, len, "%.*s", (int)n, u);
}

/*
 * Hold mode: a new approval without a code, named by a random id that is
 * never sent (no State goes to a client that cannot show a challenge).
 * The answer is due AUTHREQ_MARGIN_MS before the client's hold timeout
 * (half of it for a timeout under twice the margin).
 */
static void
ar_hold_new(struct ar_req *r, struct radius_req *req)
{
	struct authreq		*ar = r->ar;
	const struct radius_pkt	*pkt = radius_req_pkt(req);
	struct approval		 a;
	uint64_t		 hold = radius_req_hold_ms(req);
	char			 from[256], *client;
	size_t			 n;

	r->hold = 1;
	r->deadline_ms = util_now_ms() + (hold >= 2 * AUTHREQ_MARGIN_MS ?
	    hold - AUTHREQ_MARGIN_MS : hold / 2);
	if ((r->timer = evtimer_new(ar->base, ar_on_tick, r)) == NULL)
		fatalx("authreq: evtimer_new failed");
	/* Where the person is: the Calling-Station-Id, else the NAS (RFC 2865 §5.31). */
	if (pkt->calling_station_id != NULL && *pkt->calling_station_id != '\0')
		snprintf(from, sizeof(from), "%s", pkt->calling_station_id);
	else if (pkt->nas_ip[0] != '\0')
		snprintf(from, sizeof(from), "%s", pkt->nas_ip);
	else {
		snprintf(from, sizeof(from), "%s", r->peer);
		/* "192.0.2.1:41000", "[2001:db8::1]:41000": the address alone. */
		if ((n = strcspn(from, "]")) < strlen(from))
			from[n + 1] = '\0';
		else if (strchr(from, ':') == strrchr(from, ':') && strchr(from, ':') != NULL)
			*strchr(from, ':') = '\0';
	}
	util_random(r->st, APPROVAL_STATE_LEN);
	approval_id_of(r->st, APPROVAL_STATE_LEN, r->id);
	r->expiry = util_now() + (time_t)((hold + 999) / 1000);
	xasprintf(&client, "%s from %s", r->client, from);
	memset(&a, 0, sizeof(a));
	memcpy(a.id, r->id, sizeof(a.id));
	a.user = r->user;
	a.client = client;
	a.expiry = r->expiry;
	ar_enter_state(r, AR_CREATE);
	r->op = approval_create(ar->store, ar->conf->latchkey_base, &a, ar_on_created, r);
	free(client);
}

/* The next read of the approval, or Access-Reject when the time is up. */
static void
ar_hold_wait(struct ar_req *r, struct radius_req *req)
{
	uint64_t	 now = util_now_ms(), wait;
	struct timeval	 tv;

	if (now >= r->deadline_ms) {
		ar_reject(r, req, "not_approved", "Not approved in time. Unlock with your "
		    "passkey on the sign-in page when your VPN asks, then try again.");
		return;
	}
	wait = r->deadline_ms - now;
	if (wait > AUTHREQ_POLL_MS)
		wait = AUTHREQ_POLL_MS;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	ar_enter_state(r, AR_HOLD);
	evtimer_add(r->timer, &tv);
}

static void
ar_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;

	(void)fd;
	(void)what;
	if ((req = radius_req_find(r->ar->radius, r->rid)) == NULL) {
		log_debug("authreq: held request %llu of %s (%s) ended",
		    (unsigned long long)r->rid, r->user, r->peer);
		ar_enter_state(r, AR_DONE);
		return;
	}
	if (util_now_ms() >= r->deadline_ms) {
		ar_hold_wait(r, req);
		return;
	}
	ar_enter_state(r, AR_POLL);
	r->op = approval_get(r->ar->store, r->ar->conf->latchkey_base, r->id, ar_on_poll, r);
}

static void
ar_on_poll(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct ar_req		*r = arg;
	struct radius_req	*req;
	struct approval		 a;

	if ((req = ar_arrived(r)) == NULL)
		return;
	if (err == STORE_NOTFOUND || (err == STORE_OK && n == 0)) {
		r->held = 0;
		ar_reject(r, req, "state_unknown", "This sign-in was removed. Try again.");
		return;
	}
	if (err != STORE_OK) {
		/* Another read may reach the directory before the deadline. */
		log_warnx("authreq: %s: reading held approval %.8s: %s (client %s, %s)",
		    r->user, r->id, store_strerror(err), r->client, r->peer);
		ar_hold_wait(r, req);
		return;
	}
	if (n != 1 || approval_read(r->ar->store, r->ar->conf->latchkey_base, &e[0],
	    &a) == -1) {
		ar_reject(r, req, "state_unknown", "This sign-in cannot be completed. "
		    "Try again.");
		return;
	}
	if (a.state != APPROVAL_APPROVED || a.expired) {
		approval_clear(&a);
		ar_hold_wait(r, req);
		return;
	}
	snprintf(r->assurance, sizeof(r->assurance), "%s", a.assurance);
	approval_clear(&a);
	r->held = 0;
	ar_consume(r);
}

/* A held approval deleted after its request ended: nothing waits on it. */
static void
ar_on_forgotten(enum store_err err, void *arg)
{
	(void)arg;
	if (err != STORE_OK && err != STORE_NOTFOUND)
		log_warnx("authreq: deleting a held approval: %s (it expires on its own)",
		    store_strerror(err));
}

static void
ar_metrics(struct evbuffer *b, void *arg)
{
	struct authreq	*ar = arg;
	char		 labels[64];
	size_t		 i;

	metrics_family(b, "latchkey_vpn_challenges_total", "counter",
	    "New VPN sign-ins answered with an Access-Challenge.");
	metrics_sample(b, "latchkey_vpn_challenges_total", NULL, (double)ar->challenges);
	metrics_family(b, "latchkey_vpn_approvals_unpublished_total", "counter",
	    "Challenges whose pending approval was not written (too many writes at a "
	    "time, or the directory refused it): their codes cannot be approved.");
	metrics_sample(b, "latchkey_vpn_approvals_unpublished_total", "reason=\"busy\"",
	    (double)ar->unpublished);
	metrics_sample(b, "latchkey_vpn_approvals_unpublished_total", "reason=\"refused\"",
	    (double)ar->publish_failed);
	metrics_family(b, "latchkey_vpn_rejects_total", "counter",
	    "VPN sign-ins answered with an Access-Reject, by reason (forged or unknown "
	    "State, expired, used, too many wrong codes, ...).");
	for (i = 0; i < AR_REJECT_REASONS; i++) {
		snprintf(labels, sizeof(labels), "reason=\"%s\"", ar_reject_reasons[i]);
		metrics_sample(b, "latchkey_vpn_rejects_total", labels, (double)ar->rejects[i]);
	}
	metrics_family(b, "latchkey_vpn_approvals_writing", "gauge",
	    "Pending approvals being written to the directory.");
	metrics_sample(b, "latchkey_vpn_approvals_writing", NULL,
	    (double)(ar->npubs + ar->nwaiting));
}
