/*
 * session.c: web sessions kept in memory (ARCHITECTURE §6: losing them on
 * a restart only asks people to sign in again).  A chained hash table keyed
 * by the random id, plus a list in creation order so that the oldest
 * session goes first when SESSION_MAX is reached.  Expiry is checked
 * lazily on lookup, and by a sweep of the whole table at most once per
 * SESSION_SWEEP_SECONDS when a session is created (once a second while
 * the table is full).
 */
#include "config.h"

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "log.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

#ifndef TAILQ_FOREACH_SAFE	/* glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST(head);					\
	    (var) != NULL && ((tvar) = TAILQ_NEXT(var, field), 1);	\
	    (var) = (tvar))
#endif

#define SESSION_BUCKETS		65536	/* power of two */
#define SESSION_ID_BYTES	32
#define SESSION_SWEEP_SECONDS	60
#define SESSION_COOKIE_MAX	4096	/* bytes of Cookie headers we read */
#define SESSION_COOKIES_MAX	50	/* cookies we look at */

/* The public struct first, so a struct session * is also a node pointer. */
struct session_node {
	struct session			 s;
	struct session_node		*next;		/* hash chain */
	TAILQ_ENTRY(session_node)	 age;		/* creation order */
};

TAILQ_HEAD(session_list, session_node);

static struct session_node	**session_table;
static struct session_list	  session_age = TAILQ_HEAD_INITIALIZER(session_age);
static size_t			  session_count_;
static uint64_t			  session_seed;
static time_t			  session_idle = 30 * 60;
static time_t			  session_lifetime = 8 * 3600;
static time_t			  session_last_sweep;
static time_t			(*session_clock)(void) = util_now;

static size_t	session_bucket(const char *);
static void	session_remove(struct session_node *);
static void	session_sweep(time_t);
static int	session_live(struct session_node *, time_t);
static struct session_node *session_lookup(const char *, size_t);

void
session_init(time_t idle, time_t lifetime)
{
	if (idle > 0)
		session_idle = idle;
	if (lifetime > 0)
		session_lifetime = lifetime;
	if (session_table == NULL) {
		session_table = xcalloc(SESSION_BUCKETS, sizeof(*session_table));
		util_random(&session_seed, sizeof(session_seed));
	}
}

/* Test hook: the clock the table reads (util_now unless replaced). */
void
session_set_clock(time_t (*fn)(void))
{
	session_clock = fn != NULL ? fn : util_now;
}

struct session *
session_new(enum session_scope scope, const char *user, const char *dn,
    const char *assurance, time_t end_cap)
{
	struct session_node	*n;
	unsigned char		 raw[SESSION_ID_BYTES];
	char			*id;
	time_t			 now;
	size_t			 b;

	session_init(0, 0);
	now = session_clock();
	/*
	 * At the cap, expired sessions go before live ones are evicted; but
	 * the walk is of the whole table, so once a second at most: a flood
	 * of sign-ins must not pay for SESSION_MAX nodes each.
	 */
	if (now - session_last_sweep >= SESSION_SWEEP_SECONDS ||
	    (session_count_ >= SESSION_MAX && now != session_last_sweep)) {
		session_sweep(now);
		session_last_sweep = now;
	}
	/* Still full of live sessions: the oldest makes room. */
	while (session_count_ >= SESSION_MAX && !TAILQ_EMPTY(&session_age))
		session_remove(TAILQ_FIRST(&session_age));

	n = xcalloc(1, sizeof(*n));
	util_random(raw, sizeof(raw));
	id = util_b64url_encode(raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	memcpy(n->s.id, id, SESSION_ID_LEN + 1);
	freezero_x(id, SESSION_ID_LEN);
	n->s.scope = scope;
	n->s.user = xstrdup(user);
	n->s.dn = dn != NULL ? xstrdup(dn) : NULL;
	n->s.assurance = assurance != NULL ? xstrdup(assurance) : NULL;
	n->s.created = n->s.last_seen = now;
	n->s.expires = now + session_lifetime;
	/* Issue 4: a register-only session ends after 10 minutes or with its TAP. */
	if (scope == SESSION_REGISTER && n->s.expires > now + SESSION_REGISTER_MAX)
		n->s.expires = now + SESSION_REGISTER_MAX;
	if (end_cap != 0 && end_cap < n->s.expires)
		n->s.expires = end_cap;

	b = session_bucket(n->s.id);
	n->next = session_table[b];
	session_table[b] = n;
	TAILQ_INSERT_TAIL(&session_age, n, age);
	session_count_++;
	return &n->s;
}

/* The live session of that id, touched; NULL if none. */
struct session *
session_find(const char *id)
{
	struct session_node	*n;
	time_t			 now = session_clock();

	if (id == NULL || session_table == NULL)
		return NULL;
	if ((n = session_lookup(id, strlen(id))) == NULL || !session_live(n, now))
		return NULL;
	n->s.last_seen = now;
	return &n->s;
}

/*
 * Reads the request's Cookie headers (RFC 6265 §5.4: "name=value" pairs
 * separated by "; ", possibly in several headers).  Bounded: at most
 * SESSION_COOKIE_MAX bytes and SESSION_COOKIES_MAX cookies are looked at;
 * a malformed pair is skipped, never an error.
 */
struct session *
session_from_request(struct evhttp_request *req)
{
	struct evkeyvalq	*h;
	struct evkeyval		*kv;
	struct session_node	*n;
	const char		*p, *end, *eq, *name, *val;
	size_t			 total = 0, ncookies = 0, nlen, vlen, len;
	time_t			 now;

	if (req == NULL || session_table == NULL ||
	    (h = evhttp_request_get_input_headers(req)) == NULL)
		return NULL;
	now = session_clock();
	TAILQ_FOREACH(kv, h, next) {
		if (strcasecmp(kv->key, "Cookie") != 0)
			continue;
		len = strlen(kv->value);
		if (len > SESSION_COOKIE_MAX - total)
			len = SESSION_COOKIE_MAX - total;
		total += len;
		for (p = kv->value, end = kv->value + len; p < end; p++) {
			if (ncookies++ >= SESSION_COOKIES_MAX)
				return NULL;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			name = p;
			while (p < end && *p != ';')
				p++;
			if ((eq = memchr(name, '=', (size_t)(p - name))) == NULL)
				continue;
			nlen = (size_t)(eq - name);
			while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t'))
				nlen--;
			val = eq + 1;
			vlen = (size_t)(p - val);
			while (vlen > 0 && (val[vlen - 1] == ' ' || val[vlen - 1] == '\t'))
				vlen--;
			if (nlen != sizeof(SESSION_COOKIE) - 1 ||
			    memcmp(name, SESSION_COOKIE, nlen) != 0 ||
			    vlen != SESSION_ID_LEN)
				continue;
			if ((n = session_lookup(val, vlen)) != NULL && session_live(n, now)) {
				n->s.last_seen = now;
				return &n->s;
			}
		}
		if (total >= SESSION_COOKIE_MAX)
			break;
	}
	return NULL;
}

/* Ends s now; the caller's pointer is dangling afterwards. */
void
session_end(struct session *s)
{
	if (s != NULL)
		session_remove((struct session_node *)(void *)s);
}

void
session_end_user(const char *user)
{
	struct session_node	*n, *tmp;

	if (user == NULL)
		return;
	TAILQ_FOREACH_SAFE(n, &session_age, age, tmp)
		if (strcmp(n->s.user, user) == 0)
			session_remove(n);
}

/*
 * RFC 6265 §4.1: the id in a host-only cookie for the whole site, out of
 * reach of scripts (HttpOnly), never sent on cross-site requests
 * (SameSite=Strict), over TLS only unless the listener is loopback HTTP.
 * Max-Age lets the browser forget it when the server would anyway.
 */
void
session_set_cookie(struct evhttp_request *req, const struct session *s, int secure)
{
	char		 buf[256];
	long long	 age = 0;

	if (s != NULL) {
		age = (long long)(s->expires - session_clock());
		if (age < 1)
			age = 1;
	}
	snprintf(buf, sizeof(buf), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=%lld",
	    SESSION_COOKIE, s != NULL ? s->id : "", secure ? "; Secure" : "", age);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", buf);
}

size_t
session_count(void)
{
	return session_count_;
}

void
session_cleanup(void)
{
	while (!TAILQ_EMPTY(&session_age))
		session_remove(TAILQ_FIRST(&session_age));
	free(session_table);
	session_table = NULL;
	session_last_sweep = 0;
}

/* FNV-1a over the id, seeded: ids are random, the seed is belt and braces. */
static size_t
session_bucket(const char *id)
{
	uint64_t	 h = 1469598103934665603ULL ^ session_seed;

	for (; *id != '\0'; id++) {
		h ^= (unsigned char)*id;
		h *= 1099511628211ULL;
	}
	return (size_t)(h & (SESSION_BUCKETS - 1));
}

/* Finds an id of exactly len bytes (not NUL-terminated); the compare is constant-time. */
static struct session_node *
session_lookup(const char *id, size_t len)
{
	struct session_node	*n;
	char			 key[SESSION_ID_LEN + 1];

	if (len != SESSION_ID_LEN)
		return NULL;
	memcpy(key, id, len);
	key[len] = '\0';
	for (n = session_table[session_bucket(key)]; n != NULL; n = n->next)
		if (CRYPTO_memcmp(n->s.id, key, SESSION_ID_LEN) == 0)
			return n;
	return NULL;
}

/* 1 if n is neither idle too long nor past its end; otherwise removes it. */
static int
session_live(struct session_node *n, time_t now)
{
	if (now >= n->s.expires || now - n->s.last_seen >= session_idle) {
		session_remove(n);
		return 0;
	}
	return 1;
}

static void
session_remove(struct session_node *n)
{
	struct session_node	**pp;

	for (pp = &session_table[session_bucket(n->s.id)]; *pp != NULL; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	TAILQ_REMOVE(&session_age, n, age);
	session_count_--;
	free(n->s.user);
	free(n->s.dn);
	free(n->s.assurance);
	free(n->s.passkey_id);
	OPENSSL_cleanse(n, sizeof(*n));
	free(n);
}

static void
session_sweep(time_t now)
{
	struct session_node	*n, *tmp;

	TAILQ_FOREACH_SAFE(n, &session_age, age, tmp)
		(void)session_live(n, now);
}
