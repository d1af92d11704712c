/*
 * authreq.h: what latchkey answers a RADIUS Access-Request: the one place
 * that joins the RADIUS side (radius.h) and the web side, through pending
 * approvals in the directory (approval.h).  Challenge mode (ARCHITECTURE
 * §4): a request without State gets an Access-Challenge with a new State
 * and the approval address and code; the request that brings the State
 * back gets Access-Accept once a passkey sign-in approved it on /vpn,
 * another Access-Challenge before, Access-Reject when it expired, was used
 * or never existed.  Hold mode: the request waits (a timer in base) for
 * an approval the user makes on the signed-in portal.  Entry-point layer.
 */
#ifndef LATCHKEY_AUTHREQ_H
#define LATCHKEY_AUTHREQ_H

#include "tap.h"

struct authreq;
struct conf;
struct event_base;
struct radius;
struct radius_req;
struct store;

/*
 * The handler's state; main.c then calls radius_set_handler(radius,
 * authreq_on_request, ar).  tap_key NULL: no code can be hashed, and every
 * request is rejected with a reason in the log.
 */
struct authreq	*authreq_new(struct event_base *, struct radius *, struct store *,
		    const struct conf *, const unsigned char tap_key[TAP_KEY_LEN]);
/*
 * Checks conf's radius-reply attributes against the dictionary (loaded by
 * radius_pkt_init): at start and before a reload is taken.  -1 with
 * "FILE:LINE: radius-reply: reason" in err.
 */
int		 authreq_conf_check(const struct conf *, char *err, size_t errlen);
/* The configuration main.c swapped in (the public URL, the latchkey base). */
void		 authreq_reconf(struct authreq *, const struct conf *);
/* Cancels what waits on the directory; before radius_free and store_free.  NULL-safe. */
void		 authreq_free(struct authreq *);
/* The radius_handler: one new Access-Request. */
void		 authreq_on_request(struct radius_req *, void *arg);

#endif
