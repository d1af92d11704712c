/*
 * radius_pkt.h: RADIUS packets in and out, a thin wrapper over
 * libfreeradius-radius (the packet codec; never a hand-written one).
 * Core logic, no I/O: the UDP listener (radius.c) hands a datagram and its
 * source to radius_pkt_decode() and sends the bytes radius_pkt_reply()
 * writes.  This header includes no FreeRADIUS header, so its callers build
 * with the ordinary flags; only radius_pkt.c needs FR_CPPFLAGS.
 *
 * What it enforces (RFC 2865, RFC 3579 §3.2, RFC 5080, and the BlastRADIUS
 * rules of research/radius.md §2):
 * - the datagram is 20..4096 octets and its Length field fits in it;
 *   octets past the Length field are padding and ignored (RFC 2865 §3);
 * - only Access-Request is accepted;
 * - Message-Authenticator is required when the client requires it, is
 *   verified whenever present, and may appear once;
 * - a client that does not require it may not send Proxy-State without it;
 * - every reply carries Message-Authenticator as its first attribute.
 */
#ifndef RADIUS_PKT_H
#define RADIUS_PKT_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define RADIUS_PKT_MIN_LEN	20	/* RFC 2865 §3: header alone */
#define RADIUS_PKT_MAX_LEN	4096	/* RFC 2865 §3 */
#define RADIUS_PKT_AUTH_LEN	16	/* Request Authenticator */
#define RADIUS_PKT_ATTR_MAX	253	/* value octets in one attribute */

/* Packet codes (RFC 2865 §3). */
#define RADIUS_CODE_ACCESS_REQUEST	1
#define RADIUS_CODE_ACCESS_ACCEPT	2
#define RADIUS_CODE_ACCESS_REJECT	3
#define RADIUS_CODE_ACCESS_CHALLENGE	11

/*
 * Why a datagram was dropped.  Every reason has a stable name
 * (radius_pkt_err_name) for metrics labels and log lines; RFC 2865 §3 and
 * RFC 3579 §3.2 say each of these is silently discarded, never answered.
 */
enum radius_pkt_err {
	RADIUS_PKT_OK = 0,
	RADIUS_PKT_TRUNCATED,		/* fewer than 20 octets */
	RADIUS_PKT_OVERSIZED,		/* more than 4096 octets */
	RADIUS_PKT_BAD_LENGTH,		/* Length field < 20, > 4096 or > datagram */
	RADIUS_PKT_BAD_ATTRIBUTE,	/* lengths do not add up, NUL in a string */
	RADIUS_PKT_DUPLICATE_ATTRIBUTE,	/* two User-Name, User-Password or State */
	RADIUS_PKT_NOT_ACCESS_REQUEST,	/* any other code */
	RADIUS_PKT_MA_MISSING,		/* required and absent */
	RADIUS_PKT_MA_INVALID,		/* wrong HMAC (wrong secret), bad size, twice */
	RADIUS_PKT_PROXY_STATE_WITHOUT_MA, /* BlastRADIUS, MA not required */
	RADIUS_PKT_DECODE_FAILED,	/* the codec refused the attributes */
	RADIUS_PKT_ERR_MAX
};

/* One octet string of a request (Proxy-State, State). */
struct radius_octets {
	const unsigned char	*buf;
	size_t			 len;
};

struct radius_pkt_fr;	/* the codec's packet, private to radius_pkt.c */

/*
 * A decoded Access-Request.  Every field is read-only and lives as long as
 * the packet; strings are NUL-terminated and NULL when the attribute is
 * absent.  The password is wiped when the packet is freed.
 */
struct radius_pkt {
	int			 code;
	uint8_t			 id;
	unsigned char		 authenticator[RADIUS_PKT_AUTH_LEN];
	struct sockaddr_storage	 src;		/* as given; zero if none */
	socklen_t		 srclen;

	const char		*user_name;
	char			*password;	/* PAP, decrypted (RFC 2865 §5.2) */
	size_t			 password_len;
	struct radius_octets	 state;		/* buf NULL if absent */
	struct radius_octets	*proxy_state;	/* in order, RFC 2865 §5.33 */
	size_t			 nproxy_state;
	const char		*calling_station_id;
	const char		*nas_identifier;
	char			 nas_ip[46];	/* NAS-IP(v6)-Address, "" if none */

	int			 has_ma;	/* Message-Authenticator verified */
	int			 has_chap;	/* CHAP-Password: not supported */
	int			 has_eap;	/* EAP-Message: not supported */

	struct radius_pkt_fr	*fr;
};

/* An extra reply attribute by dictionary name, e.g. "Filter-Id", "staff". */
struct radius_attr {
	const char	*name;
	const char	*value;
};

/*
 * What a reply says.  Every pointer may be NULL (length 0) for "none".
 * The reply carries, in this order: Message-Authenticator, Reply-Message
 * (split over several attributes past 253 octets, RFC 2865 §5.18), State,
 * Class, Session-Timeout (when non-zero), the extra attributes, then the
 * request's Proxy-State values in order (RFC 2865 §5.33).
 */
struct radius_reply {
	int				 code;	/* RADIUS_CODE_ACCESS_{ACCEPT,REJECT,CHALLENGE} */
	const char			*message;
	const unsigned char		*state;
	size_t				 state_len;
	const unsigned char		*class_;
	size_t				 class_len;
	uint32_t			 session_timeout;
	const struct radius_attr	*attrs;
	size_t				 nattrs;
};

/*
 * Loads the dictionary from dictdir (NULL: /usr/share/freeradius, Debian's
 * freeradius-common) and checks that the library matches the headers we
 * were built with.  Once per process, before any other call; 0 or -1 with
 * the reason in err.
 */
int	 radius_pkt_init(const char *, char *, size_t);
void	 radius_pkt_cleanup(void);

/*
 * Decodes one datagram from a client that shares secret (NUL-terminated).
 * require_ma: the client must send Message-Authenticator; when 0, a request
 * that carries Proxy-State without one is dropped.  src (may be NULL) is
 * copied into the packet.  Returns a packet the caller frees with
 * radius_pkt_free(), or NULL with *why set.  Without Message-Authenticator
 * a wrong secret cannot be told apart: the password then decodes to noise.
 */
struct radius_pkt *radius_pkt_decode(const unsigned char *, size_t,
	    const struct sockaddr *, const char *, int, enum radius_pkt_err *);
void	 radius_pkt_free(struct radius_pkt *);

/*
 * An Access-Request that did not come as a datagram (radius_rest.c: a
 * FreeRADIUS in front decoded it): code, user_name, password (with
 * password_len), state, calling_station_id, nas_identifier, nas_ip,
 * has_chap, has_eap and src of tmpl are copied; the rest is zero.  It has
 * no codec packet (fr NULL), so radius_pkt_reply() refuses it.  Freed with
 * radius_pkt_free(), which wipes the password.
 */
struct radius_pkt *radius_pkt_new(const struct radius_pkt *);

/*
 * Encodes and signs the reply to req with secret into out (outsz at least
 * RADIUS_PKT_MAX_LEN is always enough) and sets *outlen.  0, or -1 with the
 * reason in err: an unknown code, an attribute the dictionary does not know
 * or whose value does not parse, a reply over 4096 octets.
 */
int	 radius_pkt_reply(const struct radius_pkt *, const char *,
	    const struct radius_reply *, unsigned char *, size_t, size_t *,
	    char *, size_t);

/* Checks that the dictionary knows name and that value parses for it. */
int	 radius_pkt_attr_check(const char *, const char *, char *, size_t);

/* The stable name of a drop reason ("truncated", "ma_missing", ...). */
const char *radius_pkt_err_name(enum radius_pkt_err);
/* The name of a packet code ("Access-Request", ...). */
const char *radius_pkt_code_name(int);

#endif /* RADIUS_PKT_H */
