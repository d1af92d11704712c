/*
 * radius_priv.h: the parts of the RADIUS listener that radius.c uses and
 * that stand alone: the duplicate table and reply cache (radius_cache.c,
 * RFC 5080 §2.2.2) and the token buckets of the rate limits
 * (radius_limit.c).  Private to radius*.c and their unit test.
 */
#ifndef LATCHKEY_RADIUS_PRIV_H
#define LATCHKEY_RADIUS_PRIV_H

#include <stddef.h>
#include <stdint.h>

/*
 * What makes two requests the same one (RFC 5080 §2.2.2): the source
 * address and port, the Identifier and the Request Authenticator.  The
 * client is a function of the source address, so it needs no field.
 */
struct radius_cache_key {
	unsigned char	addr[16];	/* IPv4 in the first 4 octets */
	uint16_t	port;
	uint8_t		af;		/* 4 or 6 */
	uint8_t		id;
	unsigned char	auth[16];
};

struct radius_cache;
struct radius_cache_entry;

/*
 * A table of requests in progress and of the replies sent to finished ones.
 * Replies are kept keep_ms after they were sent; at most max of them and
 * maxbytes of reply octets, the oldest evicted first.  Entries in progress
 * are never evicted: their request (radius.c) ends them.
 */
struct radius_cache *radius_cache_new(size_t max, size_t maxbytes, uint64_t keep_ms);
void		 radius_cache_free(struct radius_cache *);
/* Forgets the replies older than keep_ms. */
void		 radius_cache_expire(struct radius_cache *, uint64_t now_ms);
struct radius_cache_entry *radius_cache_find(struct radius_cache *,
		    const struct radius_cache_key *);
/* 1 and the reply's octets if the entry's request was answered, else 0. */
int		 radius_cache_reply(const struct radius_cache_entry *,
		    const unsigned char **, size_t *);
/* A new entry in progress for key (not already in the table). */
struct radius_cache_entry *radius_cache_add(struct radius_cache *,
		    const struct radius_cache_key *);
/* The request of e was answered with these octets (copied). */
void		 radius_cache_answer(struct radius_cache *, struct radius_cache_entry *,
		    const unsigned char *, size_t, uint64_t now_ms);
/* The request of e ended without an answer: a retransmission is new. */
void		 radius_cache_remove(struct radius_cache *, struct radius_cache_entry *);
size_t		 radius_cache_count(const struct radius_cache *);

/* A token bucket: rate tokens a second, at most burst saved up. */
struct radius_bucket {
	double		 tokens;
	uint64_t	 last_ms;
	int		 started;
};

/* Takes one token: 1, or 0 when the bucket is empty (over the limit). */
int		 radius_bucket_take(struct radius_bucket *, double rate, double burst,
		    uint64_t now_ms);

/* Token buckets by user name, at most max of them (least recently used evicted). */
struct radius_users;

struct radius_users *radius_users_new(size_t max);
void		 radius_users_free(struct radius_users *);
int		 radius_users_take(struct radius_users *, const char *name, double rate,
		    double burst, uint64_t now_ms);
size_t		 radius_users_count(const struct radius_users *);

/*
 * Socket I/O (radius_io.c).  A socket bound to the wildcard address
 * (0.0.0.0, ::) learns the address each datagram was sent to
 * (IP_PKTINFO, IPV6_RECVPKTINFO) and answers from that same address: a
 * multi-homed appliance otherwise replies from whichever address the
 * route picks, and the client drops a reply that does not come from the
 * server it asked (RFC 2865 §3 pairs them by address).
 */
struct radius_local {
	int		 set;		/* learnt from the datagram */
	uint8_t		 af;		/* 4 or 6 */
	unsigned char	 addr[16];
	unsigned int	 ifindex;	/* IPv6: for link-local destinations */
};

struct sockaddr;
struct sockaddr_storage;

/*
 * A UDP socket bound to sa (IPv6 only for an IPv6 address), non-blocking,
 * with its receive buffer raised to rcvbuf if allowed; *wildcard set when
 * the address is the wildcard (then the destination of each datagram is
 * asked for).  The fd, or -1 with errno.
 */
int		 radius_io_open(const struct sockaddr *, unsigned int salen, int rcvbuf,
		    int *wildcard);
/* recvfrom(2), and the datagram's destination in *loc when wildcard (else unset). */
long		 radius_io_recv(int fd, int wildcard, unsigned char *buf, size_t len,
		    struct sockaddr_storage *from, unsigned int *fromlen,
		    struct radius_local *loc);
/* sendto(2), from loc's address when it is set.  0 or -1 with errno. */
int		 radius_io_send(int fd, const unsigned char *buf, size_t len,
		    const struct sockaddr_storage *to, unsigned int tolen,
		    const struct radius_local *loc);

#endif
