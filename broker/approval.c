/*
 * approval.c: pending VPN approvals as latchkeyApproval entries under the
 * latchkey base (ARCHITECTURE §3, schema/latchkey-schema.txt).  Every
 * change that must happen once is one LDAP operation the directory
 * serialises: approving deletes the value "pending" while it adds
 * "approved" (a second approver's delete fails), using deletes "approved"
 * while it adds "used" (a second use fails), and the entry stays, used,
 * until its expiry, so that a replayed State finds it used.  Codes are kept only as keyed
 * hashes, so a directory reader cannot approve anything.
 *
 * Wrong codes are counted in this process's memory per approval: a
 * small, bounded table, forgotten at each approval's expiry.  With several
 * nodes behind a load balancer each counts its own, which still bounds a
 * guesser to a few tries per node within the five minutes.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>


#include "approval.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define APPROVAL_CLASS		"latchkeyApproval"
#define APPROVAL_SWEEP_SECS	60	/* at most one sweep for expired entries a minute */
#define APPROVAL_TRACK_MAX	4096	/* approvals whose wrong codes are counted */
#define APPROVAL_TIME_LEN	16	/* "YYYYMMDDHHMMSSZ" */

/* Wrong codes typed against one approval. */
struct approval_fails {
	char				 id[APPROVAL_ID_LEN + 1];
	time_t				 expiry;
	unsigned int			 count;
	TAILQ_ENTRY(approval_fails)	 entry;
};
TAILQ_HEAD(approval_fails_list, approval_fails);

static uint64_t	 approval_search_by(struct store *, const char *, const char *, const char *,
		    int, store_entries_cb, void *);
static void	 approval_time_fmt(time_t, char *, size_t);
static void	 approval_hex(const unsigned char *, size_t, char *);
static int	 approval_time_parse(const char *, time_t *);
static char	*approval_dn(const char *, const char *);
static const struct store_val *approval_attr(const struct store_entry *, const char *);
static void	 approval_sweep(struct store *, const char *);
static void	 approval_on_sweep(enum store_err, const struct store_entry *, size_t, void *);
static void	 approval_on_reaped(enum store_err, void *);
static void	 approval_reap(struct store *, const char *, const char *);
static uint64_t	 approval_move(struct store *, const char *, const char *, const char *,
		    const char *, store_done_cb, void *);

static const char *const approval_attrs[] = {
	"latchkeyApprovalId", "latchkeyApprovalUser", "latchkeyApprovalClient",
	"latchkeyApprovalCodeHash", "latchkeyApprovalExpiry", "latchkeyApprovalState",
	"latchkeyApprovalPasskey", "latchkeyApprovalAssurance", NULL
};

static struct approval_fails_list approval_failed =
    TAILQ_HEAD_INITIALIZER(approval_failed);
static size_t	 approval_nfailed;
static time_t	 approval_swept;

/* Six characters of TAP_ALPHABET, drawn as pass codes are (tap_code_from). */
int
approval_code_from(const unsigned char *rnd, size_t len, char code[APPROVAL_CODE_LEN + 1])
{
	return (tap_code_from(rnd, len, code, APPROVAL_CODE_LEN));
}

/* From the CSPRNG, drawing again in the (rare) case 32 octets were not enough. */
void
approval_code_new(char code[APPROVAL_CODE_LEN + 1])
{
	unsigned char	 buf[32];

	do
		util_random(buf, sizeof(buf));
	while (approval_code_from(buf, sizeof(buf), code) == -1);
	explicit_bzero(buf, sizeof(buf));
}

void
approval_code_display(const char *code, char out[APPROVAL_CODE_LEN + 2])
{
	snprintf(out, APPROVAL_CODE_LEN + 2, "%.3s-%.3s", code, code + 3);
}

/*
 * ARCHITECTURE §5: the code with or without its dash; we also forgive
 * case and blanks, as people type what they read.  Anything else, or a
 * character outside the alphabet, is not a code.
 */
int
approval_code_hash(const unsigned char key[TAP_KEY_LEN], const char *typed,
    char hex[APPROVAL_HASH_HEX + 1])
{
	unsigned char	 mac[32];
	char		 norm[APPROVAL_CODE_LEN + 1];
	size_t		 n = 0;
	int		 dashes = 0;

	for (; *typed != '\0'; typed++) {
		if (*typed == ' ' || *typed == '\t')
			continue;
		if (*typed == '-' && dashes++ == 0)
			continue;
		if (n == APPROVAL_CODE_LEN ||
		    strchr(TAP_ALPHABET, toupper((unsigned char)*typed)) == NULL)
			return (-1);
		norm[n++] = (char)toupper((unsigned char)*typed);
	}
	if (n != APPROVAL_CODE_LEN)
		return (-1);
	norm[n] = '\0';
	tap_hmac(key, norm, n, mac);
	approval_hex(mac, sizeof(mac), hex);
	explicit_bzero(norm, sizeof(norm));
	return (0);
}

int
approval_id_of(const unsigned char *state, size_t len, char id[APPROVAL_ID_LEN + 1])
{
	if (len == 0 || len > APPROVAL_STATE_LEN)
		return (-1);
	approval_hex(state, len, id);
	return (0);
}

uint64_t
approval_create(struct store *st, const char *base, const struct approval *a,
    store_done_cb cb, void *arg)
{
	char			 when[APPROVAL_TIME_LEN], *dn;
	struct store_val	 oc[2], id, user, client, hash, exp, state;
	struct store_mod	 mods[7];
	uint64_t		 op;

	approval_sweep(st, base);
	approval_time_fmt(a->expiry, when, sizeof(when));
	oc[0] = (struct store_val){ "top", 3 };
	oc[1] = (struct store_val){ APPROVAL_CLASS, strlen(APPROVAL_CLASS) };
	id = (struct store_val){ (char *)a->id, strlen(a->id) };
	user = (struct store_val){ a->user, strlen(a->user) };
	client = (struct store_val){ a->client, strlen(a->client) };
	hash = (struct store_val){ (char *)a->code_hash, strlen(a->code_hash) };
	exp = (struct store_val){ when, strlen(when) };
	state = (struct store_val){ "pending", 7 };
	mods[0] = (struct store_mod){ STORE_MOD_ADD, "objectClass", oc, 2 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalId", &id, 1 };
	mods[2] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalUser", &user, 1 };
	mods[3] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalClient", &client, 1 };
	mods[4] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalExpiry", &exp, 1 };
	mods[5] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalState", &state, 1 };
	/* Hold mode shows no code: its approval has no hash (found by user instead). */
	mods[6] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalCodeHash", &hash, 1 };
	dn = approval_dn(base, a->id);
	op = store_add(st, dn, mods, a->code_hash[0] != '\0' ? 7 : 6, cb, arg);
	free(dn);
	return (op);
}

uint64_t
approval_get(struct store *st, const char *base, const char *id, store_entries_cb cb,
    void *arg)
{
	return (approval_search_by(st, base, "latchkeyApprovalId", id, 0, cb, arg));
}

uint64_t
approval_find_code(struct store *st, const char *base, const char *hex,
    store_entries_cb cb, void *arg)
{
	return (approval_search_by(st, base, "latchkeyApprovalCodeHash", hex, 1, cb, arg));
}

uint64_t
approval_search_user(struct store *st, const char *base, const char *user,
    store_entries_cb cb, void *arg)
{
	return (approval_search_by(st, base, "latchkeyApprovalUser", user, 1, cb, arg));
}

/* Approvals whose attr equals value (escaped, RFC 4515), only pending ones if asked. */
static uint64_t
approval_search_by(struct store *st, const char *base, const char *attr, const char *value,
    int pending, store_entries_cb cb, void *arg)
{
	char		*esc, *filter;
	uint64_t	 op;

	esc = store_escape(value, strlen(value));
	xasprintf(&filter, "(&(objectClass=%s)(%s=%s)%s)", APPROVAL_CLASS, attr, esc,
	    pending ? "(latchkeyApprovalState=pending)" : "");
	op = store_search(st, base, filter, approval_attrs, cb, arg);
	free(filter);
	free(esc);
	return (op);
}

/* One modify: the delete of "pending" is what makes a second approval fail. */
uint64_t
approval_approve(struct store *st, const char *base, const char *id,
    const unsigned char *passkey, size_t len, const char *assurance,
    store_done_cb cb, void *arg)
{
	struct store_val	 pending, approved, pk, aal;
	struct store_mod	 mods[4];
	char			*dn;
	uint64_t		 op;

	pending = (struct store_val){ "pending", 7 };
	approved = (struct store_val){ "approved", 8 };
	pk = (struct store_val){ (char *)passkey, len };
	aal = (struct store_val){ (char *)assurance, strlen(assurance) };
	mods[0] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyApprovalState", &pending, 1 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalState", &approved, 1 };
	mods[2] = (struct store_mod){ STORE_MOD_REPLACE, "latchkeyApprovalPasskey", &pk, 1 };
	mods[3] = (struct store_mod){ STORE_MOD_REPLACE, "latchkeyApprovalAssurance", &aal, 1 };
	dn = approval_dn(base, id);
	op = store_modify(st, dn, mods, 4, cb, arg);
	free(dn);
	return (op);
}

/* One modify from state from to state to: the delete of from is the lock. */
static uint64_t
approval_move(struct store *st, const char *base, const char *id, const char *from,
    const char *to, store_done_cb cb, void *arg)
{
	struct store_val	 a, b;
	struct store_mod	 mods[2];
	char			*dn;
	uint64_t		 op;

	a = (struct store_val){ (char *)from, strlen(from) };
	b = (struct store_val){ (char *)to, strlen(to) };
	mods[0] = (struct store_mod){ STORE_MOD_DELETE, "latchkeyApprovalState", &a, 1 };
	mods[1] = (struct store_mod){ STORE_MOD_ADD, "latchkeyApprovalState", &b, 1 };
	dn = approval_dn(base, id);
	op = store_modify(st, dn, mods, 2, cb, arg);
	free(dn);
	return (op);
}

uint64_t
approval_use(struct store *st, const char *base, const char *id, store_done_cb cb,
    void *arg)
{
	return (approval_move(st, base, id, "approved", "used", cb, arg));
}

uint64_t
approval_deny(struct store *st, const char *base, const char *id, store_done_cb cb,
    void *arg)
{
	return (approval_move(st, base, id, "pending", "denied", cb, arg));
}

uint64_t
approval_delete(struct store *st, const char *base, const char *id, store_done_cb cb,
    void *arg)
{
	char		*dn;
	uint64_t	 op;

	dn = approval_dn(base, id);
	op = store_delete(st, dn, cb, arg);
	free(dn);
	return (op);
}

/*
 * An entry from the directory is hostile input like any other: every
 * value is checked for its form and bounded before it is used.
 */
int
approval_read(struct store *st, const char *base, const struct store_entry *e,
    struct approval *a)
{
	const struct store_val	*v;

	memset(a, 0, sizeof(*a));
	if ((v = approval_attr(e, "latchkeyApprovalId")) == NULL || v->len == 0 ||
	    v->len > APPROVAL_ID_LEN || strspn(v->data, "0123456789abcdef") != v->len)
		goto bad;
	memcpy(a->id, v->data, v->len);
	if ((v = approval_attr(e, "latchkeyApprovalExpiry")) == NULL ||
	    approval_time_parse(v->data, &a->expiry) == -1)
		goto bad;
	if ((v = approval_attr(e, "latchkeyApprovalState")) == NULL)
		goto bad;
	if (strcasecmp(v->data, "pending") == 0)
		a->state = APPROVAL_PENDING;
	else if (strcasecmp(v->data, "approved") == 0)
		a->state = APPROVAL_APPROVED;
	else if (strcasecmp(v->data, "used") == 0)
		a->state = APPROVAL_USED;
	else if (strcasecmp(v->data, "denied") == 0)
		a->state = APPROVAL_DENIED;
	else
		goto bad;
	if ((v = approval_attr(e, "latchkeyApprovalUser")) == NULL || v->len == 0 ||
	    v->len > APPROVAL_USER_MAX || strlen(v->data) != v->len)
		goto bad;
	a->user = xstrdup(v->data);
	v = approval_attr(e, "latchkeyApprovalClient");
	a->client = xstrdup(v != NULL && strlen(v->data) == v->len ? v->data : "");
	if ((v = approval_attr(e, "latchkeyApprovalCodeHash")) != NULL &&
	    v->len == APPROVAL_HASH_HEX)
		memcpy(a->code_hash, v->data, v->len);
	if (a->state == APPROVAL_APPROVED) {
		if ((v = approval_attr(e, "latchkeyApprovalAssurance")) == NULL ||
		    (strcmp(v->data, "aal2") != 0 && strcmp(v->data, "aal3") != 0))
			goto bad;
		snprintf(a->assurance, sizeof(a->assurance), "%s", v->data);
		if ((v = approval_attr(e, "latchkeyApprovalPasskey")) != NULL &&
		    v->len > 0 && v->len <= APPROVAL_PASSKEY_MAX) {
			a->passkey = xmalloc(v->len);
			memcpy(a->passkey, v->data, v->len);
			a->passkey_len = v->len;
		}
	}
	if (util_now() >= a->expiry) {
		a->expired = 1;
		if (st != NULL)
			approval_reap(st, base, a->id);
	}
	return (0);
bad:
	log_warnx("approval: %s: not a well-formed approval; ignored", e->dn);
	approval_clear(a);
	return (-1);
}

void
approval_clear(struct approval *a)
{
	if (a == NULL)
		return;
	free(a->user);
	free(a->client);
	free(a->passkey);
	memset(a, 0, sizeof(*a));
}

/* Counts a wrong code; the table forgets expired approvals first. */
int
approval_fail(const char *id, time_t expiry)
{
	struct approval_fails	*f, *next;
	time_t			 now = util_now();

	for (f = TAILQ_FIRST(&approval_failed); f != NULL; f = next) {
		next = TAILQ_NEXT(f, entry);
		if (f->expiry > now && strcmp(f->id, id) != 0)
			continue;
		if (f->expiry > now)
			break;
		TAILQ_REMOVE(&approval_failed, f, entry);
		approval_nfailed--;
		free(f);
	}
	if (f == NULL) {
		if (approval_nfailed >= APPROVAL_TRACK_MAX) {
			/* Full of live approvals: the oldest entry goes. */
			f = TAILQ_FIRST(&approval_failed);
			TAILQ_REMOVE(&approval_failed, f, entry);
			approval_nfailed--;
			free(f);
		}
		f = xcalloc(1, sizeof(*f));
		snprintf(f->id, sizeof(f->id), "%s", id);
		f->expiry = expiry;
		TAILQ_INSERT_TAIL(&approval_failed, f, entry);
		approval_nfailed++;
	}
	if (++f->count < APPROVAL_FAILURES_MAX)
		return (0);
	TAILQ_REMOVE(&approval_failed, f, entry);
	approval_nfailed--;
	free(f);
	return (1);
}

void
approval_cleanup(void)
{
	struct approval_fails	*f;

	while ((f = TAILQ_FIRST(&approval_failed)) != NULL) {
		TAILQ_REMOVE(&approval_failed, f, entry);
		free(f);
	}
	approval_nfailed = 0;
}

/* Lowercase hex of len octets into out (2 * len + 1). */
static void
approval_hex(const unsigned char *buf, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* RFC 4517 §3.3.13 GeneralizedTime, UTC, whole seconds. */
static void
approval_time_fmt(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H%M%SZ", &tm);
}

/* What approval_time_fmt writes (other nodes write the same form). */
static int
approval_time_parse(const char *s, time_t *t)
{
	struct tm	 tm;
	const char	*end;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != APPROVAL_TIME_LEN - 1 ||
	    (end = strptime(s, "%Y%m%d%H%M%S", &tm)) == NULL || strcmp(end, "Z") != 0)
		return (-1);
	if ((*t = timegm(&tm)) == (time_t)-1)
		return (-1);
	return (0);
}

/* The id is hex (checked by every caller's source), so it needs no escaping. */
static char *
approval_dn(const char *base, const char *id)
{
	char	*dn, *esc;

	esc = store_escape_dn(id);
	xasprintf(&dn, "latchkeyApprovalId=%s,%s", esc, base != NULL ? base : "");
	free(esc);
	return (dn);
}

static const struct store_val *
approval_attr(const struct store_entry *e, const char *name)
{
	size_t	 i;

	for (i = 0; i < e->nattrs; i++)
		if (strcasecmp(e->attrs[i].name, name) == 0 && e->attrs[i].nvals == 1)
			return (&e->attrs[i].vals[0]);
	return (NULL);
}

/*
 * Approvals nobody came back for: removed by a search for expired ones
 * (latchkeyApprovalExpiry has an ordering rule and an index), at most
 * once a minute per node, started by a new approval.
 */
static void
approval_sweep(struct store *st, const char *base)
{
	char		 now[APPROVAL_TIME_LEN], *filter;
	static const char *const attrs[] = { "latchkeyApprovalId", NULL };
	time_t		 t = util_now();

	if (t - approval_swept < APPROVAL_SWEEP_SECS)
		return;
	approval_swept = t;
	approval_time_fmt(t, now, sizeof(now));
	xasprintf(&filter, "(&(objectClass=%s)(latchkeyApprovalExpiry<=%s))",
	    APPROVAL_CLASS, now);
	store_search(st, base, filter, attrs, approval_on_sweep, st);
	free(filter);
}

static void
approval_on_sweep(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct store		*st = arg;
	const struct store_val	*v;
	char			*dn;
	size_t			 i;

	if (err != STORE_OK) {
		if (err != STORE_NOTFOUND)
			log_warnx("approval: sweeping expired approvals: %s",
			    store_strerror(err));
		return;
	}
	for (i = 0; i < n; i++) {
		/* Deleted by the DN the directory gave, so it is exactly that entry. */
		if ((v = approval_attr(&e[i], "latchkeyApprovalId")) == NULL)
			continue;
		dn = xstrdup(e[i].dn);
		store_delete(st, dn, approval_on_reaped, NULL);
		free(dn);
	}
	if (n > 0)
		log_debug("approval: %zu expired approvals removed", n);
}

/* Another node may have removed it first: not an error. */
static void
approval_on_reaped(enum store_err err, void *arg)
{
	(void)arg;
	if (err != STORE_OK && err != STORE_NOTFOUND)
		log_warnx("approval: removing an expired approval: %s", store_strerror(err));
}

static void
approval_reap(struct store *st, const char *base, const char *id)
{
	char	*dn;

	dn = approval_dn(base, id);
	log_debug("approval: %s expired; removed", id);
	store_delete(st, dn, approval_on_reaped, NULL);
	free(dn);
}
