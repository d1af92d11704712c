/*
 * radius_cache.c: duplicate detection for the RADIUS listener (RFC 5080
 * §2.2.2).  A request gets an entry when it starts; a retransmission that
 * finds the entry in progress is dropped, one that finds it answered gets
 * the same reply octets again.  Answered entries live RADIUS_CACHE_MS in a
 * list ordered by answer time, so expiry and eviction take the list's head.
 * A chained hash table with a random seed finds an entry by its key.
 */
#include "config.h"

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "radius_priv.h"
#include "util.h"
#include "xmalloc.h"

#define RADIUS_CACHE_BUCKETS	65536	/* power of two */

struct radius_cache_entry {
	struct radius_cache_key			 key;
	uint64_t				 hash;
	struct radius_cache_entry		*next;	/* hash chain */
	TAILQ_ENTRY(radius_cache_entry)		 age;	/* answered, oldest first */
	int					 answered;
	uint64_t				 answered_ms;
	unsigned char				*reply;
	size_t					 replylen;
};

TAILQ_HEAD(radius_cache_list, radius_cache_entry);

struct radius_cache {
	struct radius_cache_entry	**buckets;
	struct radius_cache_list	  answered;
	size_t				  count;	/* every entry */
	size_t				  nanswered;
	size_t				  bytes;	/* reply octets kept */
	size_t				  max;
	size_t				  maxbytes;
	uint64_t			  keep_ms;
	uint64_t			  seed;
};

static uint64_t	radius_cache_hash(const struct radius_cache *,
		    const struct radius_cache_key *);
static void	radius_cache_unlink(struct radius_cache *, struct radius_cache_entry *);

struct radius_cache *
radius_cache_new(size_t max, size_t maxbytes, uint64_t keep_ms)
{
	struct radius_cache	*c = xcalloc(1, sizeof(*c));

	c->buckets = xcalloc(RADIUS_CACHE_BUCKETS, sizeof(*c->buckets));
	TAILQ_INIT(&c->answered);
	c->max = max;
	c->maxbytes = maxbytes;
	c->keep_ms = keep_ms;
	util_random(&c->seed, sizeof(c->seed));
	return c;
}

void
radius_cache_free(struct radius_cache *c)
{
	struct radius_cache_entry	*e, *next;
	size_t				 i;

	if (c == NULL)
		return;
	for (i = 0; i < RADIUS_CACHE_BUCKETS; i++)
		for (e = c->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e->reply);
			free(e);
		}
	free(c->buckets);
	free(c);
}

void
radius_cache_expire(struct radius_cache *c, uint64_t now_ms)
{
	struct radius_cache_entry	*e;

	while ((e = TAILQ_FIRST(&c->answered)) != NULL &&
	    now_ms - e->answered_ms >= c->keep_ms)
		radius_cache_remove(c, e);
}

struct radius_cache_entry *
radius_cache_find(struct radius_cache *c, const struct radius_cache_key *key)
{
	struct radius_cache_entry	*e;
	uint64_t			 h = radius_cache_hash(c, key);

	for (e = c->buckets[h & (RADIUS_CACHE_BUCKETS - 1)]; e != NULL; e = e->next)
		if (e->hash == h && memcmp(&e->key, key, sizeof(*key)) == 0)
			return e;
	return NULL;
}

int
radius_cache_reply(const struct radius_cache_entry *e, const unsigned char **buf,
    size_t *len)
{
	if (!e->answered)
		return 0;
	*buf = e->reply;
	*len = e->replylen;
	return 1;
}

struct radius_cache_entry *
radius_cache_add(struct radius_cache *c, const struct radius_cache_key *key)
{
	struct radius_cache_entry	*e = xcalloc(1, sizeof(*e));
	size_t				 b;

	e->key = *key;
	e->hash = radius_cache_hash(c, key);
	b = e->hash & (RADIUS_CACHE_BUCKETS - 1);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	return e;
}

/* The oldest replies go first when the table is over either bound. */
void
radius_cache_answer(struct radius_cache *c, struct radius_cache_entry *e,
    const unsigned char *buf, size_t len, uint64_t now_ms)
{
	struct radius_cache_entry	*old;

	e->reply = xmemdup(buf, len);
	e->replylen = len;
	e->answered = 1;
	e->answered_ms = now_ms;
	TAILQ_INSERT_TAIL(&c->answered, e, age);
	c->nanswered++;
	c->bytes += len;
	while ((c->nanswered > c->max || c->bytes > c->maxbytes) &&
	    (old = TAILQ_FIRST(&c->answered)) != NULL)
		radius_cache_remove(c, old);
}

void
radius_cache_remove(struct radius_cache *c, struct radius_cache_entry *e)
{
	if (e == NULL)
		return;
	radius_cache_unlink(c, e);
	if (e->answered) {
		TAILQ_REMOVE(&c->answered, e, age);
		c->nanswered--;
		c->bytes -= e->replylen;
	}
	c->count--;
	free(e->reply);
	free(e);
}

size_t
radius_cache_count(const struct radius_cache *c)
{
	return c->count;
}

/*
 * FNV-1a over a random seed and the key: only requests that passed the
 * Message-Authenticator check get here, and the seed keeps even a client
 * from choosing colliding keys on purpose.
 */
static uint64_t
radius_cache_hash(const struct radius_cache *c, const struct radius_cache_key *key)
{
	const unsigned char	*p = (const unsigned char *)key;
	uint64_t		 h = 0xcbf29ce484222325ULL ^ c->seed;
	size_t			 i;

	for (i = 0; i < sizeof(*key); i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static void
radius_cache_unlink(struct radius_cache *c, struct radius_cache_entry *e)
{
	struct radius_cache_entry	**pp;

	for (pp = &c->buckets[e->hash & (RADIUS_CACHE_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			return;
		}
}
