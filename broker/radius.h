/*
 * radius.h: the RADIUS authentication listener (UDP, IPv4 and IPv6) in the
 * event loop.  It knows the clients of the configuration (address or
 * prefix, shared secret read as root, mode, hold timeout, legacy passwords,
 * Message-Authenticator required or not), drops what RFC 2865/3579 say to
 * drop (unknown clients, bad packets: counted), drops retransmissions of a
 * request still in progress and answers those of a finished one from a
 * reply cache (RFC 5080 §2.2.2, kept at least 10 s), and hands every new
 * Access-Request to one handler (authreq.c).  Entry-point layer.
 */
#ifndef LATCHKEY_RADIUS_H
#define LATCHKEY_RADIUS_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "radius_pkt.h"

struct event_base;
struct radius;
struct radius_req;

/*
 * Called once per new Access-Request.  The request stays valid until it is
 * answered or dropped, or until it expires (its client's hold timeout, or
 * RADIUS_REQ_MAX_MS): a handler that waits across the loop keeps the id and
 * looks the request up again with radius_req_find (STYLE 6).
 */
typedef void (*radius_handler)(struct radius_req *, void *arg);

#define RADIUS_REQ_MAX_MS	30000	/* longest a request may wait (hold mode) */
#define RADIUS_CACHE_MS		10000	/* replies kept for retransmissions (RFC 5080) */

/*
 * Binds the listener of conf (radius-listen) and reads every client's
 * secret; done as root before the privilege drop.  Returns NULL with a
 * reason in err; when !radius_wanted(conf), NULL and err "".  With rest
 * clients alone it binds no socket.
 */
struct radius	*radius_new(struct event_base *, const struct conf *, char *err, size_t errlen);
void		 radius_set_handler(struct radius *, radius_handler, void *arg);
/* Takes new clients and secrets (SIGHUP); the sockets stay. 0 or -1 with err. */
int		 radius_reconf(struct radius *, const struct conf *, char *err, size_t errlen);
void		 radius_free(struct radius *);

uint64_t	 radius_req_id(const struct radius_req *);
struct radius_req *radius_req_find(struct radius *, uint64_t id);
const struct radius_pkt *radius_req_pkt(const struct radius_req *);
/* The client's name (as configured) and the peer's address ("192.0.2.1:41000"). */
const char	*radius_req_client(const struct radius_req *);
const char	*radius_req_peer(const struct radius_req *);
enum conf_radius_mode radius_req_mode(const struct radius_req *);
int		 radius_req_legacy(const struct radius_req *);	/* PAP passwords allowed */
uint64_t	 radius_req_hold_ms(const struct radius_req *);	/* hold mode: answer within */
/* Encodes, signs, sends and caches the reply; ends the request. */
void		 radius_req_answer(struct radius_req *, const struct radius_reply *);
/* Discards the request silently (counted by reason); ends it. */
void		 radius_req_drop(struct radius_req *, const char *reason);

/*
 * Requests that come over HTTP from a FreeRADIUS in front (radius_rest.c)
 * instead of a socket.  Their answer goes to an answer function in place of
 * a datagram: the reply, or NULL and the drop reason; the request ends
 * after the call.
 */
typedef void (*radius_answer_fn)(struct radius_req *, const struct radius_reply *,
		    const char *reason, void *arg);

/* A radius-listen, or a radius-client marked rest: radius_new has work to do. */
int		 radius_wanted(const struct conf *);
/*
 * A new request from peer: a radius-client marked rest holds its address
 * (the most specific one) and secret is that client's shared secret
 * (compared in constant time, never logged).  The rate limits apply, the
 * RFC 5080 reply cache does not.  Takes pkt.  0 with *idp set before the
 * handler runs (it may answer at once, calling fn before this returns);
 * -1 with *why "forbidden", "rate_limited" or "overloaded".
 */
int		 radius_req_inject(struct radius *, const struct sockaddr *peer,
		    const char *secret, size_t secretlen, struct radius_pkt *,
		    radius_answer_fn, void *arg, uint64_t *idp, const char **why);
/* An injected request whose caller went away: ended, fn not called. */
void		 radius_req_cancel(struct radius_req *);

#endif
