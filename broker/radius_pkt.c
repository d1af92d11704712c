/*
 * radius_pkt.c: Access-Request in, Access-Accept/Reject/Challenge out, over
 * libfreeradius-radius 3.2 (research/radius.md §1 has the call sequence
 * and the packaging pitfalls).  Built with FR_CPPFLAGS, which force-include
 * freeradius/build.h before anything else; no other file needs them.
 */

/*
 * FR_CPPFLAGS force-include FreeRADIUS's autoconf.h, whose PACKAGE_* are
 * FreeRADIUS's; ours follow from config.h.
 */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freeradius/libradius.h>
#include <talloc.h>

#include "log.h"
#include "radius_pkt.h"

#define RADIUS_PKT_DICTDIR	"/usr/share/freeradius"

/* The codec's packet behind a struct radius_pkt. */
struct radius_pkt_fr {
	RADIUS_PACKET	*rp;
};

static int	 radius_pkt_destructor(struct radius_pkt *);
static void	 radius_pkt_src(struct radius_pkt *, RADIUS_PACKET *,
		    const struct sockaddr *);
static int	 radius_pkt_decode_attrs(RADIUS_PACKET *, const char *);
static enum radius_pkt_err radius_pkt_fields(struct radius_pkt *,
		    RADIUS_PACKET *);
static enum radius_pkt_err radius_pkt_field(struct radius_pkt *, VALUE_PAIR *);
static int	 radius_pkt_text(struct radius_pkt *, VALUE_PAIR *,
		    const char **);
static VALUE_PAIR *radius_pkt_add(RADIUS_PACKET *, unsigned int,
		    const void *, size_t);
static void	 radius_pkt_add_message(RADIUS_PACKET *, const char *);
static size_t	 radius_pkt_wire_len(const VALUE_PAIR *);
static void	 radius_pkt_seterr(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static int	 radius_pkt_ready;

static const char *const radius_pkt_err_names[RADIUS_PKT_ERR_MAX] = {
	[RADIUS_PKT_OK] = "ok",
	[RADIUS_PKT_TRUNCATED] = "truncated",
	[RADIUS_PKT_OVERSIZED] = "oversized",
	[RADIUS_PKT_BAD_LENGTH] = "bad_length",
	[RADIUS_PKT_BAD_ATTRIBUTE] = "bad_attribute",
	[RADIUS_PKT_DUPLICATE_ATTRIBUTE] = "duplicate_attribute",
	[RADIUS_PKT_NOT_ACCESS_REQUEST] = "not_access_request",
	[RADIUS_PKT_MA_MISSING] = "ma_missing",
	[RADIUS_PKT_MA_INVALID] = "ma_invalid",
	[RADIUS_PKT_PROXY_STATE_WITHOUT_MA] = "proxy_state_without_ma",
	[RADIUS_PKT_DECODE_FAILED] = "decode_failed",
};

/*
 * rad_packet_ok()'s reasons to ours.  It fills fr_strerror() only at debug
 * level (research/radius.md §1, pitfall 6), so the code is all we get.
 */
static const enum radius_pkt_err radius_pkt_fail_map[DECODE_FAIL_MAX] = {
	[DECODE_FAIL_NONE] = RADIUS_PKT_OK,
	[DECODE_FAIL_MIN_LENGTH_PACKET] = RADIUS_PKT_TRUNCATED,
	[DECODE_FAIL_MIN_LENGTH_FIELD] = RADIUS_PKT_BAD_LENGTH,
	[DECODE_FAIL_MIN_LENGTH_MISMATCH] = RADIUS_PKT_BAD_LENGTH,
	[DECODE_FAIL_HEADER_OVERFLOW] = RADIUS_PKT_BAD_ATTRIBUTE,
	[DECODE_FAIL_UNKNOWN_PACKET_CODE] = RADIUS_PKT_NOT_ACCESS_REQUEST,
	[DECODE_FAIL_INVALID_ATTRIBUTE] = RADIUS_PKT_BAD_ATTRIBUTE,
	[DECODE_FAIL_ATTRIBUTE_TOO_SHORT] = RADIUS_PKT_BAD_ATTRIBUTE,
	[DECODE_FAIL_ATTRIBUTE_OVERFLOW] = RADIUS_PKT_BAD_ATTRIBUTE,
	[DECODE_FAIL_MA_INVALID_LENGTH] = RADIUS_PKT_MA_INVALID,
	[DECODE_FAIL_ATTRIBUTE_UNDERFLOW] = RADIUS_PKT_BAD_ATTRIBUTE,
	[DECODE_FAIL_TOO_MANY_ATTRIBUTES] = RADIUS_PKT_BAD_ATTRIBUTE,
	[DECODE_FAIL_MA_MISSING] = RADIUS_PKT_MA_MISSING,
	[DECODE_FAIL_TOO_MANY_AUTH] = RADIUS_PKT_BAD_ATTRIBUTE,
};

/*
 * The library's magic number encodes its version: RADIUS_PACKET changed
 * between 3.2.1 and 3.2.5, so a library other than the one we were built
 * against must stop the daemon at start-up, not corrupt memory later.
 */
int
radius_pkt_init(const char *dictdir, char *err, size_t errlen)
{
	if (radius_pkt_ready)
		return 0;
	if (fr_check_lib_magic(RADIUSD_MAGIC_NUMBER) != 0) {
		radius_pkt_seterr(err, errlen, "libfreeradius-radius does not "
		    "match the headers latchkey was built with: %s",
		    fr_strerror());
		return -1;
	}
	fr_debug_lvl = 0;
	if (dictdir == NULL)
		dictdir = RADIUS_PKT_DICTDIR;
	if (dict_init(dictdir, "dictionary") != 0) {
		radius_pkt_seterr(err, errlen, "%s/%s: %s (install the Debian "
		    "package freeradius-common)", dictdir, "dictionary",
		    fr_strerror());
		return -1;
	}
	radius_pkt_ready = 1;
	return 0;
}

void
radius_pkt_cleanup(void)
{
	if (!radius_pkt_ready)
		return;
	dict_free();
	radius_pkt_ready = 0;
}

/*
 * The checks run in the order of RFC 2865 §3 (size, then Length), then
 * the codec's (attribute structure, Message-Authenticator: RFC 3579 §3.2),
 * then the BlastRADIUS rule.  The datagram is copied into talloc memory
 * the packet owns: rad_packet_ok() and rad_verify() write to it.
 */
struct radius_pkt *
radius_pkt_decode(const unsigned char *buf, size_t len,
    const struct sockaddr *src, const char *secret, int require_ma,
    enum radius_pkt_err *why)
{
	struct radius_pkt	*p;
	RADIUS_PACKET		*rp;
	decode_fail_t		 reason = DECODE_FAIL_NONE;
	size_t			 field;

	*why = RADIUS_PKT_OK;
	if (len < RADIUS_PKT_MIN_LEN) {
		*why = RADIUS_PKT_TRUNCATED;
		return NULL;
	}
	if (len > RADIUS_PKT_MAX_LEN) {
		*why = RADIUS_PKT_OVERSIZED;
		return NULL;
	}
	/* RFC 2865 §3: octets past Length are padding; fewer are a drop. */
	field = ((size_t)buf[2] << 8) | buf[3];
	if (field < RADIUS_PKT_MIN_LEN || field > len) {
		*why = RADIUS_PKT_BAD_LENGTH;
		return NULL;
	}
	if (buf[0] != PW_CODE_ACCESS_REQUEST) {
		*why = RADIUS_PKT_NOT_ACCESS_REQUEST;
		return NULL;
	}

	if ((p = talloc_zero(NULL, struct radius_pkt)) == NULL ||
	    (p->fr = talloc_zero(p, struct radius_pkt_fr)) == NULL ||
	    (rp = rad_alloc(p->fr, false)) == NULL ||
	    (rp->data = talloc_memdup(rp, buf, field)) == NULL)
		fatalx("%s: out of memory", __func__);
	talloc_set_destructor(p, radius_pkt_destructor);
	p->fr->rp = rp;
	rp->data_len = field;
	rp->sockfd = -1;	/* our own I/O: rad_send() is never called */
	radius_pkt_src(p, rp, src);

	if (!rad_packet_ok(rp, require_ma ? 1 : 0, &reason)) {
		*why = reason < DECODE_FAIL_MAX ? radius_pkt_fail_map[reason] :
		    RADIUS_PKT_BAD_ATTRIBUTE;
		if (*why == RADIUS_PKT_OK)
			*why = RADIUS_PKT_BAD_ATTRIBUTE;
		goto fail;
	}
	/* RFC 3579 §3.2: a wrong Message-Authenticator is a silent drop. */
	if (rad_verify(rp, NULL, secret) != 0) {
		*why = RADIUS_PKT_MA_INVALID;
		goto fail;
	}
	if (radius_pkt_decode_attrs(rp, secret) == -1) {
		*why = RADIUS_PKT_DECODE_FAILED;
		goto fail;
	}
	p->code = (int)rp->code;
	p->id = (uint8_t)rp->id;
	memcpy(p->authenticator, rp->vector, sizeof(p->authenticator));
	if ((*why = radius_pkt_fields(p, rp)) != RADIUS_PKT_OK)
		goto fail;

	/*
	 * BlastRADIUS (CVE-2024-3596): the forgery hides its collision in
	 * Proxy-State; a client that may omit Message-Authenticator may not
	 * send Proxy-State without it (FreeRADIUS's limit_proxy_state).
	 */
	if (!p->has_ma && p->nproxy_state > 0) {
		*why = RADIUS_PKT_PROXY_STATE_WITHOUT_MA;
		goto fail;
	}
	return p;

fail:
	radius_pkt_free(p);
	return NULL;
}

struct radius_pkt *
radius_pkt_new(const struct radius_pkt *t)
{
	struct radius_pkt	*p;

	if ((p = talloc_zero(NULL, struct radius_pkt)) == NULL)
		fatalx("%s: out of memory", __func__);
	talloc_set_destructor(p, radius_pkt_destructor);
	p->code = t->code;
	p->id = t->id;
	if (t->srclen > 0 && t->srclen <= sizeof(p->src)) {
		memcpy(&p->src, &t->src, t->srclen);
		p->srclen = t->srclen;
	}
	if ((t->user_name != NULL &&
	    (p->user_name = talloc_strdup(p, t->user_name)) == NULL) ||
	    (t->calling_station_id != NULL &&
	    (p->calling_station_id = talloc_strdup(p, t->calling_station_id)) == NULL) ||
	    (t->nas_identifier != NULL &&
	    (p->nas_identifier = talloc_strdup(p, t->nas_identifier)) == NULL))
		fatalx("%s: out of memory", __func__);
	if (t->password != NULL) {
		/* NUL-terminated, as the codec's; wiped by the destructor. */
		if ((p->password = talloc_zero_size(p, t->password_len + 1)) == NULL)
			fatalx("%s: out of memory", __func__);
		memcpy(p->password, t->password, t->password_len);
		p->password_len = t->password_len;
	}
	if (t->state.buf != NULL) {
		if ((p->state.buf = talloc_memdup(p, t->state.buf,
		    t->state.len > 0 ? t->state.len : 1)) == NULL)
			fatalx("%s: out of memory", __func__);
		p->state.len = t->state.len;
	}
	snprintf(p->nas_ip, sizeof(p->nas_ip), "%s", t->nas_ip);
	p->has_ma = t->has_ma;
	p->has_chap = t->has_chap;
	p->has_eap = t->has_eap;
	return p;
}

void
radius_pkt_free(struct radius_pkt *p)
{
	if (p != NULL)
		talloc_free(p);	/* radius_pkt_destructor wipes the password */
}

/*
 * Builds the reply in the codec's list, Message-Authenticator first (the
 * 3.2.1 encoder emits it only where the list has it; research §1), then
 * rad_encode() and rad_sign() with the request's authenticator.
 */
int
radius_pkt_reply(const struct radius_pkt *req, const char *secret,
    const struct radius_reply *r, unsigned char *out, size_t outsz,
    size_t *outlen, char *err, size_t errlen)
{
	TALLOC_CTX	*tmp;
	RADIUS_PACKET	*rp;
	VALUE_PAIR	*vp;
	size_t		 i, wire;
	uint32_t	 st;
	int		 rv = -1;

	*outlen = 0;
	if (req->fr == NULL || req->fr->rp == NULL) {
		radius_pkt_seterr(err, errlen, "the request did not come as "
		    "a datagram: no reply to encode");
		return -1;
	}
	if (r->code != PW_CODE_ACCESS_ACCEPT &&
	    r->code != PW_CODE_ACCESS_REJECT &&
	    r->code != PW_CODE_ACCESS_CHALLENGE) {
		radius_pkt_seterr(err, errlen, "reply code %d is not "
		    "Access-Accept, -Reject or -Challenge", r->code);
		return -1;
	}
	if ((r->state_len > RADIUS_PKT_ATTR_MAX) ||
	    (r->class_len > RADIUS_PKT_ATTR_MAX)) {
		radius_pkt_seterr(err, errlen, "State or Class longer than "
		    "%d octets", RADIUS_PKT_ATTR_MAX);
		return -1;
	}
	if ((tmp = talloc_new(NULL)) == NULL ||
	    (rp = rad_alloc_reply(tmp, req->fr->rp)) == NULL)
		fatalx("%s: out of memory", __func__);
	rp->code = (unsigned int)r->code;
	rp->sockfd = -1;

	/* Zero here; rad_sign() computes it (RFC 3579 §3.2). */
	radius_pkt_add(rp, PW_MESSAGE_AUTHENTICATOR, NULL, AUTH_VECTOR_LEN);
	if (r->message != NULL && r->message[0] != '\0')
		radius_pkt_add_message(rp, r->message);
	if (r->state != NULL && r->state_len > 0)
		radius_pkt_add(rp, PW_STATE, r->state, r->state_len);
	if (r->class_ != NULL && r->class_len > 0)
		radius_pkt_add(rp, PW_CLASS, r->class_, r->class_len);
	if (r->session_timeout > 0) {
		st = r->session_timeout;
		radius_pkt_add(rp, PW_SESSION_TIMEOUT, &st, sizeof(st));
	}
	for (i = 0; i < r->nattrs; i++) {
		vp = fr_pair_make(rp, &rp->vps, r->attrs[i].name,
		    r->attrs[i].value, T_OP_EQ);
		if (vp == NULL) {
			radius_pkt_seterr(err, errlen, "reply attribute %s: %s",
			    r->attrs[i].name, fr_strerror());
			goto done;
		}
		if (vp->da->vendor == 0 &&
		    (vp->da->attr == PW_MESSAGE_AUTHENTICATOR ||
		    vp->da->attr == PW_PROXY_STATE)) {
			radius_pkt_seterr(err, errlen, "reply attribute %s is "
			    "set by latchkey itself", r->attrs[i].name);
			goto done;
		}
	}
	/* RFC 2865 §5.33: Proxy-State copied unmodified, in order. */
	for (i = 0; i < req->nproxy_state; i++)
		radius_pkt_add(rp, PW_PROXY_STATE, req->proxy_state[i].buf,
		    req->proxy_state[i].len);

	/*
	 * The 3.2.1 encoder silently stops at 4096 octets or truncates a
	 * long value: bound the reply first, so it is whole or refused.
	 */
	for (wire = RADIUS_PKT_MIN_LEN, vp = rp->vps; vp != NULL; vp = vp->next)
		wire += radius_pkt_wire_len(vp);
	if (wire > RADIUS_PKT_MAX_LEN || wire > outsz) {
		radius_pkt_seterr(err, errlen, "reply of %zu octets exceeds "
		    "%zu", wire, outsz < RADIUS_PKT_MAX_LEN ? outsz :
		    (size_t)RADIUS_PKT_MAX_LEN);
		goto done;
	}
	for (vp = rp->vps; vp != NULL; vp = vp->next) {
		if ((vp->da->type == PW_TYPE_STRING ||
		    vp->da->type == PW_TYPE_OCTETS) &&
		    vp->vp_length > (vp->da->vendor ? 247 : RADIUS_PKT_ATTR_MAX)) {
			radius_pkt_seterr(err, errlen, "reply attribute %s: "
			    "value longer than one attribute holds",
			    vp->da->name);
			goto done;
		}
	}
	if (rad_encode(rp, req->fr->rp, secret) != 0 ||
	    rad_sign(rp, req->fr->rp, secret) != 0) {
		radius_pkt_seterr(err, errlen, "encoding the reply: %s",
		    fr_strerror());
		goto done;
	}
	if (rp->data_len > outsz || rp->data_len > RADIUS_PKT_MAX_LEN) {
		radius_pkt_seterr(err, errlen, "reply of %zu octets exceeds "
		    "%zu", rp->data_len, outsz);
		goto done;
	}
	memcpy(out, rp->data, rp->data_len);
	*outlen = rp->data_len;
	rv = 0;
done:
	talloc_free(tmp);
	return rv;
}

/* For the configuration: the attribute a group maps to must encode. */
int
radius_pkt_attr_check(const char *name, const char *value, char *err,
    size_t errlen)
{
	TALLOC_CTX	*tmp;
	VALUE_PAIR	*vps = NULL, *vp;
	int		 rv = -1;

	if ((tmp = talloc_new(NULL)) == NULL)
		fatalx("%s: out of memory", __func__);
	if ((vp = fr_pair_make(tmp, &vps, name, value, T_OP_EQ)) == NULL)
		radius_pkt_seterr(err, errlen, "%s: %s", name, fr_strerror());
	else if (vp->da->flags.is_unknown || (vp->da->vendor == 0 &&
	    vp->da->attr > 255))	/* raw, or internal to a server: never on the wire */
		radius_pkt_seterr(err, errlen, "%s: not a RADIUS attribute of the "
		    "dictionary", name);
	else if (vp->da->vendor == 0 &&
	    (vp->da->attr == PW_MESSAGE_AUTHENTICATOR ||
	    vp->da->attr == PW_PROXY_STATE))
		radius_pkt_seterr(err, errlen, "%s: set by latchkey itself",
		    name);
	else if (radius_pkt_wire_len(vp) > RADIUS_PKT_ATTR_MAX + 2)
		radius_pkt_seterr(err, errlen, "%s: value too long", name);
	else
		rv = 0;
	talloc_free(tmp);
	return rv;
}

const char *
radius_pkt_err_name(enum radius_pkt_err e)
{
	if ((int)e < 0 || e >= RADIUS_PKT_ERR_MAX)
		return "unknown";
	return radius_pkt_err_names[e];
}

const char *
radius_pkt_code_name(int code)
{
	if (!is_radius_code(code) || fr_packet_codes[code] == NULL ||
	    fr_packet_codes[code][0] == '\0')
		return "unknown";
	return fr_packet_codes[code];
}

/* The password never outlives the packet in readable form. */
static int
radius_pkt_destructor(struct radius_pkt *p)
{
	if (p->password != NULL)
		explicit_bzero(p->password, p->password_len);
	return 0;
}

static void
radius_pkt_src(struct radius_pkt *p, RADIUS_PACKET *rp,
    const struct sockaddr *src)
{
	if (src == NULL)
		return;
	if (src->sa_family == AF_INET)
		p->srclen = sizeof(struct sockaddr_in);
	else if (src->sa_family == AF_INET6)
		p->srclen = sizeof(struct sockaddr_in6);
	else
		return;
	memcpy(&p->src, src, p->srclen);
	(void)fr_sockaddr2ipaddr(&p->src, p->srclen, &rp->src_ipaddr,
	    &rp->src_port);
}

/*
 * The attributes latchkey reads, each decoded by the codec (rad_attr2vp:
 * User-Password decrypted, types checked); all others are skipped, never
 * decoded.  Not rad_decode(): latchkey uses no other attribute of a
 * request, and 3.2.1's rad_tunnel_pwdecode() leaks two MD5 contexts on a
 * malformed salt-encrypted attribute (Tunnel-Password, MS-MPPE-*-Key),
 * which a request could carry by the hundred.  rad_packet_ok() has checked
 * that the attribute lengths add up.
 */
static int
radius_pkt_decode_attrs(RADIUS_PACKET *rp, const char *secret)
{
	const uint8_t	*ptr = rp->data + RADIUS_PKT_MIN_LEN;
	const uint8_t	*end = rp->data + rp->data_len;
	VALUE_PAIR	*vp;
	ssize_t		 n;

	for (; end - ptr >= 2 && ptr[1] >= 2 && ptr[1] <= end - ptr;
	    ptr += ptr[1]) {
		switch (ptr[0]) {
		case PW_USER_NAME:
		case PW_USER_PASSWORD:
		case PW_CHAP_PASSWORD:
		case PW_NAS_IP_ADDRESS:
		case PW_STATE:
		case PW_CALLING_STATION_ID:
		case PW_NAS_IDENTIFIER:
		case PW_PROXY_STATE:
		case PW_EAP_MESSAGE:
		case PW_MESSAGE_AUTHENTICATOR:
		case PW_NAS_IPV6_ADDRESS:
			break;
		default:
			continue;
		}
		vp = NULL;
		n = rad_attr2vp(rp, rp, NULL, secret, ptr, ptr[1], &vp);
		if (n < 0)
			return -1;
		if (vp != NULL)
			fr_pair_add(&rp->vps, vp);
	}
	return 0;
}

/* Walks the decoded attributes once; RFC 2865 §5.44 gives the counts. */
static enum radius_pkt_err
radius_pkt_fields(struct radius_pkt *p, RADIUS_PACKET *rp)
{
	VALUE_PAIR		*vp;
	enum radius_pkt_err	 e;

	for (vp = rp->vps; vp != NULL; vp = vp->next) {
		if (vp->da->vendor != 0)
			continue;
		if ((e = radius_pkt_field(p, vp)) != RADIUS_PKT_OK)
			return e;
	}
	return RADIUS_PKT_OK;
}

static enum radius_pkt_err
radius_pkt_field(struct radius_pkt *p, VALUE_PAIR *vp)
{
	struct in_addr	in4;

	switch (vp->da->attr) {
	case PW_USER_NAME:
		if (p->user_name != NULL)
			return RADIUS_PKT_DUPLICATE_ATTRIBUTE;
		if (radius_pkt_text(p, vp, &p->user_name) == -1)
			return RADIUS_PKT_BAD_ATTRIBUTE;
		break;
	case PW_USER_PASSWORD:
		if (p->password != NULL)
			return RADIUS_PKT_DUPLICATE_ATTRIBUTE;
		/*
		 * Nobody types a NUL; the codec keeps one inside (only
		 * trailing padding goes), and "pw\0x" must not reach a
		 * bind as "pw".
		 */
		if (vp->da->type != PW_TYPE_STRING ||
		    memchr(vp->vp_strvalue, '\0', vp->vp_length) != NULL)
			return RADIUS_PKT_BAD_ATTRIBUTE;
		if ((p->password = talloc_array(p, char, vp->vp_length + 1)) == NULL)
			fatalx("%s: out of memory", __func__);
		memcpy(p->password, vp->vp_strvalue, vp->vp_length);
		p->password[vp->vp_length] = '\0';
		p->password_len = vp->vp_length;
		/* The codec's cleartext copy goes now. */
		explicit_bzero((char *)vp->vp_strvalue, vp->vp_length);
		break;
	case PW_CHAP_PASSWORD:
		p->has_chap = 1;
		break;
	case PW_EAP_MESSAGE:
		p->has_eap = 1;
		break;
	case PW_STATE:
		/* RFC 2865 §5.24: zero or one. */
		if (p->state.buf != NULL)
			return RADIUS_PKT_DUPLICATE_ATTRIBUTE;
		p->state.buf = vp->vp_octets;
		p->state.len = vp->vp_length;
		break;
	case PW_PROXY_STATE:
		p->proxy_state = talloc_realloc(p, p->proxy_state,
		    struct radius_octets, p->nproxy_state + 1);
		if (p->proxy_state == NULL)
			fatalx("%s: out of memory", __func__);
		p->proxy_state[p->nproxy_state].buf = vp->vp_octets;
		p->proxy_state[p->nproxy_state].len = vp->vp_length;
		p->nproxy_state++;
		break;
	case PW_MESSAGE_AUTHENTICATOR:
		/* Verified by rad_verify(); a second one is a forgery. */
		if (p->has_ma)
			return RADIUS_PKT_MA_INVALID;
		p->has_ma = 1;
		break;
	case PW_CALLING_STATION_ID:
		if (p->calling_station_id == NULL &&
		    radius_pkt_text(p, vp, &p->calling_station_id) == -1)
			return RADIUS_PKT_BAD_ATTRIBUTE;
		break;
	case PW_NAS_IDENTIFIER:
		if (p->nas_identifier == NULL &&
		    radius_pkt_text(p, vp, &p->nas_identifier) == -1)
			return RADIUS_PKT_BAD_ATTRIBUTE;
		break;
	case PW_NAS_IP_ADDRESS:
		if (vp->da->type == PW_TYPE_IPV4_ADDR) {
			in4.s_addr = vp->vp_ipaddr;
			inet_ntop(AF_INET, &in4, p->nas_ip, sizeof(p->nas_ip));
		}
		break;
	case PW_NAS_IPV6_ADDRESS:
		if (vp->da->type == PW_TYPE_IPV6_ADDR && p->nas_ip[0] == '\0')
			inet_ntop(AF_INET6, &vp->vp_ipv6addr, p->nas_ip,
			    sizeof(p->nas_ip));
		break;
	default:
		break;
	}
	return RADIUS_PKT_OK;
}

/*
 * A text attribute as a C string.  An embedded NUL would let "alice\0x"
 * pass as "alice" to whatever reads the string: the packet is dropped.
 */
static int
radius_pkt_text(struct radius_pkt *p, VALUE_PAIR *vp, const char **out)
{
	char	*s;

	if (vp->da->type != PW_TYPE_STRING ||
	    memchr(vp->vp_strvalue, '\0', vp->vp_length) != NULL)
		return -1;
	if ((s = talloc_strndup(p, vp->vp_strvalue, vp->vp_length)) == NULL)
		fatalx("%s: out of memory", __func__);
	*out = s;
	return 0;
}

/* Appends one standard attribute (value NULL: len zero octets). */
static VALUE_PAIR *
radius_pkt_add(RADIUS_PACKET *rp, unsigned int attr, const void *value,
    size_t len)
{
	VALUE_PAIR	*vp;
	uint8_t		 zero[AUTH_VECTOR_LEN];

	if ((vp = fr_pair_afrom_num(rp, attr, 0)) == NULL)
		fatalx("%s: attribute %u not in the dictionary", __func__, attr);
	switch (vp->da->type) {
	case PW_TYPE_STRING:
		fr_pair_value_bstrncpy(vp, value, len);
		break;
	case PW_TYPE_INTEGER:
		memcpy(&vp->vp_integer, value, sizeof(uint32_t));
		vp->vp_length = sizeof(uint32_t);
		break;
	default:
		if (value == NULL) {
			memset(zero, 0, sizeof(zero));
			value = zero;
			len = len < sizeof(zero) ? len : sizeof(zero);
		}
		fr_pair_value_memcpy(vp, value, len);
		break;
	}
	fr_pair_add(&rp->vps, vp);
	return vp;
}

/*
 * RFC 2865 §5.18: a Reply-Message past 253 octets goes in several
 * attributes, which the NAS shows in order.  Each piece ends on a UTF-8
 * character boundary, so no NAS shows half a character.
 */
static void
radius_pkt_add_message(RADIUS_PACKET *rp, const char *msg)
{
	size_t	 left = strlen(msg), n;

	while (left > 0) {
		n = left < RADIUS_PKT_ATTR_MAX ? left : RADIUS_PKT_ATTR_MAX;
		if (n < left) {
			while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
				n--;
			if (n == 0)	/* not UTF-8: cut anywhere */
				n = RADIUS_PKT_ATTR_MAX;
		}
		radius_pkt_add(rp, PW_REPLY_MESSAGE, msg, n);
		msg += n;
		left -= n;
	}
}

/*
 * An upper bound of what one pair takes on the wire: type and length,
 * plus the Vendor-Specific header (vendor id, vendor type and length) or
 * the extended type octet(s).
 */
static size_t
radius_pkt_wire_len(const VALUE_PAIR *vp)
{
	size_t	len = vp->vp_length;

	if (vp->da->vendor != 0)
		return 2 + 4 + 4 + len;
	if (vp->da->attr > 255)
		return 4 + len + 4 * (len / 240);	/* long extended */
	return 2 + len;
}

static void
radius_pkt_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
