/*
 * radius_rest.c: POST /api/v1/radius/authorize for a FreeRADIUS in front
 * (plugins/freeradius: rlm_rest in the authorize section, body = 'json',
 * auth = 'basic').  The caller is a radius-client marked rest, matched by
 * its address, with its shared secret as the Basic password; the body is
 * decoded into an Access-Request and injected into radius.c, so the one
 * handler (authreq.c) answers it as it answers a datagram.  The answer is
 * written as rlm_rest reads it (research/radius.md §5):
 *
 *	Access-Challenge  200 {"control:Response-Packet-Type":
 *			  "Access-Challenge", "reply:State": "0x..", ...}
 *	Access-Accept	  200 {"reply:Class": "0x..", ...}
 *	Access-Reject	  401 {"reply:Reply-Message": ".."}
 *	dropped		  503 (rlm_rest: fail)
 *
 * A request in hold mode simply waits, parked (http_park): the rlm_rest
 * timeout must exceed the client's hold-timeout.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "radius.h"
#include "radius_pkt.h"
#include "radius_rest.h"
#include "xmalloc.h"

#define REST_AUTH_MAX		512	/* octets of an Authorization header */
#define REST_STR_MAX		RADIUS_PKT_ATTR_MAX

enum rest_outcome {
	REST_ACCEPT, REST_REJECT, REST_CHALLENGE, REST_UNAVAILABLE,
	REST_BAD_REQUEST, REST_FORBIDDEN, REST_RATE_LIMITED, REST_GONE,
	REST_NOUTCOMES
};

static const char *const rest_outcome_names[REST_NOUTCOMES] = {
	"accept", "reject", "challenge", "unavailable", "bad_request",
	"forbidden", "rate_limited", "gone",
};

struct radius_rest {
	struct http	*http;
	struct radius	*radius;
	uint64_t	 n[REST_NOUTCOMES];
};

/* One parked HTTP request waiting for its RADIUS answer. */
struct rest_call {
	struct radius_rest	*rr;
	struct evhttp_request	*req;
	uint64_t		 id;	/* the RADIUS request (STYLE 6) */
};

static void	rest_authorize(struct evhttp_request *, void *);
static void	rest_answer(struct radius_req *, const struct radius_reply *,
		    const char *, void *);
static void	rest_gone(void *);
static size_t	rest_basic_password(struct evhttp_request *, char *, size_t);
static int	rest_value(json_t *, const char *, const char **, size_t *,
		    char *, size_t);
static int	rest_string(json_t *, const char *, size_t, const char **,
		    size_t *, char *, size_t);
static void	rest_set_octets(json_t *, const char *, const unsigned char *, size_t);
static void	rest_set_message(json_t *, const char *);
static void	rest_collect(struct evbuffer *, void *);

static const struct http_route rest_routes[] = {
	{ .method = "POST", .path = "/api/v1/radius/authorize", .handler = rest_authorize },
};

struct radius_rest *
radius_rest_new(struct http *http, struct radius *radius)
{
	struct radius_rest	*rr = xcalloc(1, sizeof(*rr));

	rr->http = http;
	rr->radius = radius;
	http_add_routes(http, rest_routes, sizeof(rest_routes) / sizeof(rest_routes[0]), rr);
	metrics_register(rest_collect, rr);
	return rr;
}

void
radius_rest_free(struct radius_rest *rr)
{
	if (rr == NULL)
		return;
	metrics_unregister(rest_collect, rr);
	free(rr);
}

/*
 * Every attribute latchkey reads, each with one value: the attribute list
 * of a request holds each of these once (radius_pkt.c drops a datagram
 * with two).  A value is never copied into a message: it may be a password.
 */
struct radius_pkt *
radius_rest_parse(const void *buf, size_t len, const char **code, char *msg,
    size_t msglen)
{
	struct radius_pkt	 t, *p = NULL;
	json_t			*root;
	json_error_t		 jerr;
	const char		*s;
	unsigned char		*state = NULL;
	size_t			 n;
	long			 statelen = 0;
	unsigned char		 addr[16];
	int			 rv;

	*code = "json_malformed";
	if (len > RADIUS_REST_BODY_MAX) {
		*code = "body_too_large";
		snprintf(msg, msglen, "The request is larger than %d bytes.",
		    RADIUS_REST_BODY_MAX);
		return NULL;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		snprintf(msg, msglen, "The request is not a JSON object of "
		    "RADIUS attributes.");
		json_decref(root);
		return NULL;
	}
	*code = "attribute_invalid";
	memset(&t, 0, sizeof(t));
	t.code = RADIUS_CODE_ACCESS_REQUEST;
	if ((rv = rest_string(root, "User-Name", REST_STR_MAX, &t.user_name, &n,
	    msg, msglen)) == -1)
		goto done;
	if (rv == 0 || n == 0) {
		*code = "attribute_missing";
		snprintf(msg, msglen, "User-Name is required.");
		goto done;
	}
	if (rest_string(root, "User-Password", RADIUS_REST_PASSWORD_MAX,
	    (const char **)&t.password, &t.password_len, msg, msglen) == -1 ||
	    rest_string(root, "Calling-Station-Id", REST_STR_MAX,
	    &t.calling_station_id, &n, msg, msglen) == -1 ||
	    rest_string(root, "NAS-Identifier", REST_STR_MAX, &t.nas_identifier,
	    &n, msg, msglen) == -1)
		goto done;
	/* Octets come as "0x" and hex digits (FreeRADIUS's printing of octets). */
	if ((rv = rest_value(root, "State", &s, &n, msg, msglen)) == -1)
		goto done;
	if (rv == 1) {
		if (n < 4 || n > 2 + 2 * RADIUS_PKT_ATTR_MAX || n % 2 != 0 ||
		    strncasecmp(s, "0x", 2) != 0 ||
		    strspn(s + 2, "0123456789abcdefABCDEF") != n - 2 ||
		    (state = OPENSSL_hexstr2buf(s + 2, &statelen)) == NULL ||
		    statelen < 1 || statelen > RADIUS_PKT_ATTR_MAX) {
			snprintf(msg, msglen, "State is not 1 to %d octets written "
			    "0x and hex digits.", RADIUS_PKT_ATTR_MAX);
			goto done;
		}
		t.state.buf = state;
		t.state.len = (size_t)statelen;
	}
	if ((rv = rest_string(root, "NAS-IP-Address", 15, &s, &n, msg, msglen)) == -1)
		goto done;
	if (rv == 0 && (rv = rest_string(root, "NAS-IPv6-Address", 45, &s, &n,
	    msg, msglen)) == -1)
		goto done;
	if (rv == 1) {
		if (inet_pton(AF_INET, s, addr) != 1 && inet_pton(AF_INET6, s, addr) != 1) {
			snprintf(msg, msglen, "NAS-IP-Address is not an IP address.");
			goto done;
		}
		snprintf(t.nas_ip, sizeof(t.nas_ip), "%s", s);
	}
	/* Not supported, as over UDP: the handler refuses them by these flags. */
	t.has_chap = json_object_get(root, "CHAP-Password") != NULL;
	t.has_eap = json_object_get(root, "EAP-Message") != NULL;
	p = radius_pkt_new(&t);
	*code = NULL;
done:
	OPENSSL_free(state);
	/* jansson's copy of the password is wiped before jansson frees it. */
	if (t.password != NULL)
		OPENSSL_cleanse(t.password, t.password_len);
	json_decref(root);
	return p;
}

/*
 * The one value of an attribute as a string: {"type": T, "value": [V]}.
 * 1 and the string, 0 when absent, -1 with a message.
 */
static int
rest_value(json_t *root, const char *name, const char **out, size_t *lenp,
    char *msg, size_t msglen)
{
	json_t	*a = json_object_get(root, name), *v, *s;

	*out = NULL;
	*lenp = 0;
	if (a == NULL)
		return 0;
	if (!json_is_object(a) || !json_is_array(v = json_object_get(a, "value")) ||
	    json_array_size(v) != 1 || !json_is_string(s = json_array_get(v, 0))) {
		snprintf(msg, msglen, "%s is not {\"type\": ..., \"value\": "
		    "[one string]}.", name);
		return -1;
	}
	*out = json_string_value(s);
	*lenp = json_string_length(s);
	return 1;
}

/* A text attribute: at most max bytes, no NUL. */
static int
rest_string(json_t *root, const char *name, size_t max, const char **out,
    size_t *lenp, char *msg, size_t msglen)
{
	int	 rv;

	if ((rv = rest_value(root, name, out, lenp, msg, msglen)) != 1)
		return rv;
	if (*lenp > max || strlen(*out) != *lenp) {
		snprintf(msg, msglen, "%s is longer than %zu bytes or holds a "
		    "NUL byte.", name, max);
		*out = NULL;
		return -1;
	}
	return 1;
}

json_t *
radius_rest_reply(const struct radius_reply *rep, int *status)
{
	json_t		*o = json_object(), *vals;
	char		 key[300];
	size_t		 i, j, n;

	*status = rep->code == RADIUS_CODE_ACCESS_REJECT ? 401 : 200;
	/* FreeRADIUS keeps a State it is given (main/state.c): ours goes back as is. */
	if (rep->code == RADIUS_CODE_ACCESS_CHALLENGE)
		json_object_set_new(o, "control:Response-Packet-Type",
		    json_string("Access-Challenge"));
	if (rep->message != NULL && rep->message[0] != '\0')
		rest_set_message(o, rep->message);
	if (rep->state != NULL && rep->state_len > 0)
		rest_set_octets(o, "reply:State", rep->state, rep->state_len);
	if (rep->class_ != NULL && rep->class_len > 0)
		rest_set_octets(o, "reply:Class", rep->class_, rep->class_len);
	if (rep->session_timeout > 0)
		json_object_set_new(o, "reply:Session-Timeout",
		    json_integer((json_int_t)rep->session_timeout));
	/* Several values of one name (a VLAN's Tunnel-*, two Filter-Id) go as one list. */
	for (i = 0; i < rep->nattrs; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(rep->attrs[j].name, rep->attrs[i].name) == 0)
				break;
		if (j < i)
			continue;
		for (n = 0, j = i; j < rep->nattrs; j++)
			n += strcmp(rep->attrs[j].name, rep->attrs[i].name) == 0;
		snprintf(key, sizeof(key), "reply:%s", rep->attrs[i].name);
		if (n == 1) {
			json_object_set_new(o, key, json_string(rep->attrs[i].value));
			continue;
		}
		vals = json_array();
		for (j = i; j < rep->nattrs; j++)
			if (strcmp(rep->attrs[j].name, rep->attrs[i].name) == 0)
				json_array_append_new(vals, json_string(rep->attrs[j].value));
		json_object_set_new(o, key, json_pack("{s:s, s:o}", "op", "+=",
		    "value", vals));
	}
	return o;
}

/* FreeRADIUS reads octets written 0x and hex digits. */
static void
rest_set_octets(json_t *o, const char *key, const unsigned char *buf, size_t len)
{
	char	*hex;
	size_t	 n;

	hex = xcalloc(1, 2 * len + 3);
	memcpy(hex, "0x", 2);
	if (OPENSSL_buf2hexstr_ex(hex + 2, 2 * len + 1, &n, buf, (long)len, '\0') != 1)
		fatalx("%s: OPENSSL_buf2hexstr_ex failed", __func__);
	json_object_set_new(o, key, json_string(hex));
	free(hex);
}

/*
 * One Reply-Message holds 253 octets (RFC 2865 §5.18); a longer message
 * goes as several, as radius_pkt.c splits it on the wire.  A split never
 * cuts a UTF-8 sequence, so every piece stays a JSON string.
 */
static void
rest_set_message(json_t *o, const char *msg)
{
	json_t	*vals;
	size_t	 len = strlen(msg), n;
	char	 piece[RADIUS_PKT_ATTR_MAX + 1];

	if (len <= RADIUS_PKT_ATTR_MAX) {
		json_object_set_new(o, "reply:Reply-Message", json_string(msg));
		return;
	}
	vals = json_array();
	while (len > 0) {
		n = len > RADIUS_PKT_ATTR_MAX ? RADIUS_PKT_ATTR_MAX : len;
		while (n < len && n > 1 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
		memcpy(piece, msg, n);
		piece[n] = '\0';
		json_array_append_new(vals, json_string(piece));
		msg += n;
		len -= n;
	}
	json_object_set_new(o, "reply:Reply-Message", json_pack("{s:s, s:o}",
	    "op", "+=", "value", vals));
}

/*
 * The Basic password (RFC 7617): the client's shared secret.  The user
 * name is not used; the address and the secret name the client.  Returns
 * the password's length, 0 when there is none (buf then holds "").
 */
static size_t
rest_basic_password(struct evhttp_request *req, char *buf, size_t buflen)
{
	const char	*h, *colon;
	unsigned char	 dec[REST_AUTH_MAX];
	size_t		 n, len, pad = 0;
	int		 d;

	buf[0] = '\0';
	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (h == NULL || strncasecmp(h, "Basic ", 6) != 0)
		return 0;
	for (h += 6; *h == ' '; h++)
		;
	n = strlen(h);
	if (n == 0 || n % 4 != 0 || n > REST_AUTH_MAX / 4 * 3 ||
	    strspn(h, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/=") != n)
		return 0;
	pad = (h[n - 1] == '=') + (h[n - 2] == '=');
	if ((d = EVP_DecodeBlock(dec, (const unsigned char *)h, (int)n)) < 0 ||
	    (size_t)d < pad)
		return 0;
	len = (size_t)d - pad;
	if ((colon = memchr(dec, ':', len)) == NULL ||
	    len - (size_t)(colon - (char *)dec) - 1 >= buflen) {
		OPENSSL_cleanse(dec, sizeof(dec));
		return 0;
	}
	n = len - (size_t)(colon - (char *)dec) - 1;
	memcpy(buf, colon + 1, n);
	buf[n] = '\0';
	OPENSSL_cleanse(dec, sizeof(dec));
	return n;
}

/*
 * The endpoint: media type, body, caller, then the request goes in.  The
 * HTTP request is parked first: the handler may answer at once, from
 * inside radius_req_inject, and rest_answer then replies and frees call.
 */
static void
rest_authorize(struct evhttp_request *req, void *arg)
{
	struct radius_rest		*rr = arg;
	struct evbuffer			*in = evhttp_request_get_input_buffer(req);
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	const struct sockaddr		*sa;
	struct radius_pkt		*pkt;
	struct rest_call		*call;
	const char			*ctype, *code, *why;
	char				 msg[160], secret[REST_AUTH_MAX];
	size_t				 len = evbuffer_get_length(in), slen;
	unsigned char			*body;

	ctype = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] != '\0' && ctype[16] != ';' && ctype[16] != ' ')) {
		rr->n[REST_BAD_REQUEST]++;
		http_reply_error(req, 415, "unsupported_media_type",
		    "Send the attributes as application/json (rlm_rest body = 'json').");
		return;
	}
	if (len > RADIUS_REST_BODY_MAX) {
		rr->n[REST_BAD_REQUEST]++;
		http_reply_error(req, 413, "body_too_large", "The request is too large.");
		return;
	}
	if ((body = evbuffer_pullup(in, -1)) == NULL && len > 0)
		fatalx("%s: evbuffer_pullup", __func__);
	pkt = radius_rest_parse(body, len, &code, msg, sizeof(msg));
	/* The body may hold a User-Password: wiped once read. */
	if (body != NULL)
		OPENSSL_cleanse(body, len);
	if (pkt == NULL) {
		rr->n[REST_BAD_REQUEST]++;
		http_reply_error(req, 400, code, msg);
		return;
	}
	if (evcon == NULL || (sa = evhttp_connection_get_addr(evcon)) == NULL) {
		radius_pkt_free(pkt);
		rr->n[REST_FORBIDDEN]++;
		http_reply_error(req, 403, "forbidden", "Unknown caller.");
		return;
	}
	slen = rest_basic_password(req, secret, sizeof(secret));
	call = xcalloc(1, sizeof(*call));
	call->rr = rr;
	call->req = req;
	http_park(req, rest_gone, call);
	if (radius_req_inject(rr->radius, sa, slen > 0 ? secret : NULL, slen, pkt,
	    rest_answer, call, &call->id, &why) == 0) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return;		/* call may be gone already: answered at once */
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	free(call);
	if (strcmp(why, "rate_limited") == 0) {
		rr->n[REST_RATE_LIMITED]++;
		http_reply_error(req, 429, "rate_limited", "Too many requests from "
		    "this client or for this user; try again later.");
	} else if (strcmp(why, "overloaded") == 0) {
		rr->n[REST_UNAVAILABLE]++;
		http_reply_error(req, 503, "overloaded", "Too many requests in flight.");
	} else {
		rr->n[REST_FORBIDDEN]++;
		http_reply_error(req, 403, "forbidden", "This address is not a "
		    "radius-client marked rest, or the shared secret is wrong.");
	}
}

/* The handler's answer (rep), or a drop (rep NULL, reason): the HTTP reply. */
static void
rest_answer(struct radius_req *rreq, const struct radius_reply *rep,
    const char *reason, void *arg)
{
	struct rest_call	*call = arg;
	struct radius_rest	*rr = call->rr;
	json_t			*body;
	int			 status;

	(void)rreq;
	if (rep == NULL) {
		rr->n[REST_UNAVAILABLE]++;
		log_debug("RADIUS over HTTP: request %llu dropped (%s): 503",
		    (unsigned long long)call->id, reason);
		http_reply_error(call->req, 503, "unavailable", "The request could "
		    "not be answered now (the directory may be unreachable).");
	} else {
		rr->n[rep->code == RADIUS_CODE_ACCESS_ACCEPT ? REST_ACCEPT :
		    rep->code == RADIUS_CODE_ACCESS_REJECT ? REST_REJECT :
		    REST_CHALLENGE]++;
		body = radius_rest_reply(rep, &status);
		http_reply_json(call->req, status, body);
	}
	free(call);
}

/* The FreeRADIUS side went away (its rest timeout): the request ends with it. */
static void
rest_gone(void *arg)
{
	struct rest_call	*call = arg;
	struct radius_req	*rreq;

	call->rr->n[REST_GONE]++;
	if ((rreq = radius_req_find(call->rr->radius, call->id)) != NULL)
		radius_req_cancel(rreq);
	free(call);
}

static void
rest_collect(struct evbuffer *out, void *arg)
{
	struct radius_rest	*rr = arg;
	char			 labels[64];
	size_t			 i;

	metrics_family(out, "latchkey_radius_rest_requests_total", "counter",
	    "POST /api/v1/radius/authorize calls, by outcome.");
	for (i = 0; i < REST_NOUTCOMES; i++) {
		snprintf(labels, sizeof(labels), "outcome=\"%s\"", rest_outcome_names[i]);
		metrics_sample(out, "latchkey_radius_rest_requests_total", labels,
		    (double)rr->n[i]);
	}
}
