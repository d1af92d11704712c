/*
 * radius_rest.h: POST /api/v1/radius/authorize, the HTTP endpoint a
 * FreeRADIUS kept in front of latchkey calls from its authorize section
 * (rlm_rest, body = 'json'; plugins/freeradius).  The request takes the
 * same path as a datagram (radius_req_inject: the same handler, mode, hold
 * timeout and rate limits); the answer is written in rlm_rest's reply form.
 * Entry-point layer.
 */
#ifndef LATCHKEY_RADIUS_REST_H
#define LATCHKEY_RADIUS_REST_H

#include <stddef.h>

#include <jansson.h>

struct http;
struct radius;
struct radius_pkt;
struct radius_reply;

#define RADIUS_REST_BODY_MAX	16384	/* octets of one request body */
#define RADIUS_REST_PASSWORD_MAX	128	/* User-Password, RFC 2865 §5.2 */

struct radius_rest;

/* Adds the route; radius is where requests go.  NULL-safe free. */
struct radius_rest *radius_rest_new(struct http *, struct radius *);
void		 radius_rest_free(struct radius_rest *);

/*
 * rlm_rest's body = 'json' ({"User-Name":{"type":"string","value":["alice"]},
 * "State":{"type":"octets","value":["0x..."]}, ...}) into an Access-Request.
 * Attributes latchkey does not read are ignored; every one it reads holds
 * one value, bounded (User-Name 253, State 253 octets, User-Password 128).
 * NULL with a stable code ("json_malformed", "attribute_invalid", ...) and
 * a message naming the attribute, never its value.
 */
struct radius_pkt *radius_rest_parse(const void *, size_t, const char **code,
		    char *msg, size_t msglen);
/*
 * The reply in rlm_rest's form ("reply:Attr": value, {"op":"+=","value":
 * [...]} for several values) and its HTTP status: 200 for Access-Accept and
 * Access-Challenge (with control:Response-Packet-Type), 401 for
 * Access-Reject.
 */
json_t		*radius_rest_reply(const struct radius_reply *, int *status);

#endif
