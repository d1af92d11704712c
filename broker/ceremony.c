/*
 * ceremony.c: pending WebAuthn ceremonies in memory, by id.  Each holds the
 * challenge it was begun with (WebAuthn §13.4.3: random, at least 16
 * bytes, used once).  ceremony_take removes a ceremony whatever happens
 * next, so a replayed finish finds nothing.  A chained hash table by id and
 * a list in creation order: expiry is uniform (one TTL), so the list is
 * also in expiry order and the sweep stops at the first live ceremony.
 */
#include "config.h"

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ceremony.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CEREMONY_BUCKETS	16384	/* power of two */
#define CEREMONY_ID_BYTES	16

struct ceremony_node {
	struct ceremony			 c;	/* first: a ceremony pointer is a node pointer */
	struct ceremony_node		*next;	/* hash chain */
	TAILQ_ENTRY(ceremony_node)	 age;	/* creation order */
};

TAILQ_HEAD(ceremony_list, ceremony_node);

static struct ceremony_node	**ceremony_table;
static struct ceremony_list	  ceremony_age = TAILQ_HEAD_INITIALIZER(ceremony_age);
static size_t			  ceremony_count_;
static uint64_t			  ceremony_seed;
static time_t			  ceremony_ttl = 5 * 60;
static time_t			(*ceremony_clock)(void) = util_now;

static size_t	ceremony_bucket(const char *);
static void	ceremony_unlink(struct ceremony_node *);
static void	ceremony_sweep(time_t);
static struct ceremony *ceremony_oldest(void);

void
ceremony_init(time_t ttl)
{
	if (ttl > 0)
		ceremony_ttl = ttl;
	if (ceremony_table == NULL) {
		ceremony_table = xcalloc(CEREMONY_BUCKETS, sizeof(*ceremony_table));
		util_random(&ceremony_seed, sizeof(ceremony_seed));
	}
}

/* Test hook: the clock the table reads (util_now unless replaced). */
void
ceremony_set_clock(time_t (*fn)(void))
{
	ceremony_clock = fn != NULL ? fn : util_now;
}

struct ceremony *
ceremony_new(enum ceremony_kind kind, const char *user, const char *session)
{
	struct ceremony_node	*n;
	unsigned char		 raw[CEREMONY_ID_BYTES];
	char			*id;
	time_t			 now;
	size_t			 b;

	ceremony_init(0);
	now = ceremony_clock();
	ceremony_sweep(now);
	/* Full of live ceremonies (a flood of begins): the oldest is dropped. */
	while (ceremony_count_ >= CEREMONY_MAX && !TAILQ_EMPTY(&ceremony_age))
		ceremony_free(ceremony_oldest());

	n = xcalloc(1, sizeof(*n));
	util_random(raw, sizeof(raw));
	id = util_b64url_encode(raw, sizeof(raw));
	memcpy(n->c.id, id, CEREMONY_ID_LEN + 1);
	free(id);
	n->c.kind = kind;
	util_random(n->c.challenge, sizeof(n->c.challenge));
	n->c.user = user != NULL ? xstrdup(user) : NULL;
	n->c.session = session != NULL ? xstrdup(session) : NULL;
	n->c.expires = now + ceremony_ttl;

	b = ceremony_bucket(n->c.id);
	n->next = ceremony_table[b];
	ceremony_table[b] = n;
	TAILQ_INSERT_TAIL(&ceremony_age, n, age);
	ceremony_count_++;
	return &n->c;
}

struct ceremony *
ceremony_take(const char *id, enum ceremony_kind kind)
{
	struct ceremony_node	*n;

	if (id == NULL || ceremony_table == NULL || strlen(id) != CEREMONY_ID_LEN)
		return NULL;
	for (n = ceremony_table[ceremony_bucket(id)]; n != NULL; n = n->next)
		if (CRYPTO_memcmp(n->c.id, id, CEREMONY_ID_LEN) == 0)
			break;
	if (n == NULL)
		return NULL;
	/* Single use: whatever the outcome, the id is spent. */
	ceremony_unlink(n);
	if (n->c.kind != kind || ceremony_clock() >= n->c.expires) {
		ceremony_free(&n->c);
		return NULL;
	}
	return &n->c;
}

void
ceremony_free(struct ceremony *c)
{
	if (c == NULL)
		return;
	free(c->user);
	free(c->session);
	/* The challenge and the id are secrets until the ceremony is over. */
	OPENSSL_cleanse((struct ceremony_node *)(void *)c, sizeof(struct ceremony_node));
	free(c);
}

size_t
ceremony_count(void)
{
	return ceremony_count_;
}

void
ceremony_cleanup(void)
{
	while (!TAILQ_EMPTY(&ceremony_age))
		ceremony_free(ceremony_oldest());
	free(ceremony_table);
	ceremony_table = NULL;
}

/* Unlinks and returns the oldest ceremony (the list is not empty). */
static struct ceremony *
ceremony_oldest(void)
{
	struct ceremony_node	*n = TAILQ_FIRST(&ceremony_age);

	ceremony_unlink(n);
	return &n->c;
}

/* FNV-1a over the id, seeded. */
static size_t
ceremony_bucket(const char *id)
{
	uint64_t	 h = 1469598103934665603ULL ^ ceremony_seed;

	for (; *id != '\0'; id++) {
		h ^= (unsigned char)*id;
		h *= 1099511628211ULL;
	}
	return (size_t)(h & (CEREMONY_BUCKETS - 1));
}

static void
ceremony_unlink(struct ceremony_node *n)
{
	struct ceremony_node	**pp;

	for (pp = &ceremony_table[ceremony_bucket(n->c.id)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	TAILQ_REMOVE(&ceremony_age, n, age);
	ceremony_count_--;
}

/*
 * One TTL for all: the oldest expire first, so stop at the first live one.
 * (After a reload that shortens the TTL the order is briefly off; a stale
 * ceremony then waits for its take or a later sweep, never more.)
 */
static void
ceremony_sweep(time_t now)
{
	struct ceremony_node	*n;

	while ((n = TAILQ_FIRST(&ceremony_age)) != NULL && now >= n->c.expires) {
		ceremony_unlink(n);
		ceremony_free(&n->c);
	}
}
