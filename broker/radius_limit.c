/*
 * radius_limit.c: the token buckets behind the RADIUS rate limits, one per
 * client (radius.c keeps it in the client) and one per User-Name here.  A
 * bucket refills at rate tokens a second up to burst; a request takes one
 * token or is dropped.  The per-user table is bounded: past max names, the
 * one used least recently goes (its bucket was likely full again anyway).
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

#define RADIUS_USERS_BUCKETS	16384	/* power of two */

struct radius_user {
	char				*name;
	uint64_t			 hash;
	struct radius_bucket		 bucket;
	struct radius_user		*next;	/* hash chain */
	TAILQ_ENTRY(radius_user)	 lru;	/* least recently used first */
};

TAILQ_HEAD(radius_user_list, radius_user);

struct radius_users {
	struct radius_user	**buckets;
	struct radius_user_list	  lru;
	size_t			  count;
	size_t			  max;
	uint64_t		  seed;
};

static uint64_t	radius_users_hash(const struct radius_users *, const char *);
static void	radius_users_evict(struct radius_users *);

int
radius_bucket_take(struct radius_bucket *b, double rate, double burst, uint64_t now_ms)
{
	if (!b->started) {
		b->tokens = burst;
		b->last_ms = now_ms;
		b->started = 1;
	}
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * rate / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
		b->last_ms = now_ms;
	}
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

struct radius_users *
radius_users_new(size_t max)
{
	struct radius_users	*u = xcalloc(1, sizeof(*u));

	u->buckets = xcalloc(RADIUS_USERS_BUCKETS, sizeof(*u->buckets));
	TAILQ_INIT(&u->lru);
	u->max = max;
	util_random(&u->seed, sizeof(u->seed));
	return u;
}

void
radius_users_free(struct radius_users *u)
{
	struct radius_user	*n;

	if (u == NULL)
		return;
	while ((n = TAILQ_FIRST(&u->lru)) != NULL) {
		TAILQ_REMOVE(&u->lru, n, lru);
		free(n->name);
		free(n);
	}
	free(u->buckets);
	free(u);
}

int
radius_users_take(struct radius_users *u, const char *name, double rate,
    double burst, uint64_t now_ms)
{
	struct radius_user	*n;
	uint64_t		 h = radius_users_hash(u, name);
	size_t			 b = h & (RADIUS_USERS_BUCKETS - 1);

	for (n = u->buckets[b]; n != NULL; n = n->next)
		if (n->hash == h && strcmp(n->name, name) == 0)
			break;
	if (n == NULL) {
		if (u->count >= u->max)
			radius_users_evict(u);
		n = xcalloc(1, sizeof(*n));
		n->name = xstrdup(name);
		n->hash = h;
		n->next = u->buckets[b];
		u->buckets[b] = n;
		u->count++;
	} else
		TAILQ_REMOVE(&u->lru, n, lru);
	TAILQ_INSERT_TAIL(&u->lru, n, lru);
	return radius_bucket_take(&n->bucket, rate, burst, now_ms);
}

size_t
radius_users_count(const struct radius_users *u)
{
	return u->count;
}

/* FNV-1a with a random seed (user names come from the network). */
static uint64_t
radius_users_hash(const struct radius_users *u, const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL ^ u->seed;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h ^ (h >> 29);
}

static void
radius_users_evict(struct radius_users *u)
{
	struct radius_user	*n = TAILQ_FIRST(&u->lru), **pp;

	if (n == NULL)
		return;
	TAILQ_REMOVE(&u->lru, n, lru);
	for (pp = &u->buckets[n->hash & (RADIUS_USERS_BUCKETS - 1)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	u->count--;
	free(n->name);
	free(n);
}
