/*
 * test_store.c: the directory client over a scripted libldap (stub_ldap.c),
 * in a real libevent loop.  Each test asserts what a caller sees: the result
 * code and data of its callback, the exact filter that reached the
 * directory, the connection state, and the log lines.
 */
#include "config.h"

#include <sys/time.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <ldap.h>

#include "conf.h"
#include "log.h"
#include "store.h"
#include "util.h"
#include "stub_ldap.h"

#define PEOPLE	"ou=people,dc=example,dc=com"
#define GROUPS	"ou=groups,dc=example,dc=com"

struct result {
	int		 calls;
	enum store_err	 err;
	char		*name, *display, *dn, *handle, *tap;
	int		 latchkey;
	size_t		 npasskeys, ngroups, nentries;
	char		*groups[8];
	char		*entry_dn;
};

struct fixture {
	struct event_base	*base;
	struct conf		 conf;
	char			*uris[2];
	char			 dir[64];
	char			 pwfile[96];
	char			 logfile[96];
	int			 saved_stderr;
	struct store		*st;
	int			 states[32];
	size_t			 nstates;
};

static struct fixture	*fx;

static void
result_clear(struct result *r)
{
	size_t	 i;

	free(r->name);
	free(r->display);
	free(r->dn);
	free(r->handle);
	free(r->tap);
	free(r->entry_dn);
	for (i = 0; i < 8; i++)
		free(r->groups[i]);
	memset(r, 0, sizeof(*r));
}

static char *
dup_or_null(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

static void
on_user(enum store_err err, const struct store_user *u, void *arg)
{
	struct result	*r = arg;
	size_t		 i;

	r->calls++;
	r->err = err;
	if (u == NULL)
		return;
	r->dn = dup_or_null(u->dn);
	r->name = dup_or_null(u->name);
	r->display = dup_or_null(u->display_name);
	r->handle = u->handle.len ? strndup(u->handle.data, u->handle.len) : NULL;
	r->tap = dup_or_null(u->tap);
	r->latchkey = u->latchkey;
	r->npasskeys = u->npasskeys;
	r->ngroups = u->ngroups;
	for (i = 0; i < u->ngroups && i < 8; i++)
		r->groups[i] = strdup(u->groups[i]);
}

static void
on_done(enum store_err err, void *arg)
{
	struct result	*r = arg;

	r->calls++;
	r->err = err;
}

static void
on_entries(enum store_err err, const struct store_entry *e, size_t n, void *arg)
{
	struct result	*r = arg;

	r->calls++;
	r->err = err;
	r->nentries = n;
	if (n > 0)
		r->entry_dn = strdup(e[0].dn);
}

static void
on_state(enum store_state state, const char *reason, void *arg)
{
	struct fixture	*f = arg;

	(void)reason;
	if (f->nstates < 32)
		f->states[f->nstates++] = state;
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs the loop until *flag becomes nonzero or ms pass; returns *flag. */
static int
run_until(int *flag, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*ev;
	int		 expired = 0;

	ev = evtimer_new(fx->base, on_deadline, &expired);
	evtimer_add(ev, &tv);
	while ((flag == NULL || *flag == 0) && !expired)
		event_base_loop(fx->base, EVLOOP_ONCE);
	event_free(ev);
	return flag != NULL ? *flag : 0;
}

static int	 up_flag;

static void
on_state_up(enum store_state state, const char *reason, void *arg)
{
	(void)reason;
	on_state(state, reason, arg);
	if (state == STORE_UP)
		up_flag = 1;
}

static void
start_up(void)
{
	up_flag = 0;
	store_set_state_cb(fx->st, on_state_up, fx);
	store_start(fx->st);
	assert_int_equal(run_until(&up_flag, 2000), 1);
	assert_int_equal(store_state(fx->st), STORE_UP);
}

static char *
log_text(void)
{
	size_t	 len;

	fflush(stderr);
	return util_read_file(fx->logfile, 1 << 20, &len);
}

static int
count(const char *hay, const char *needle)
{
	int	 n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static int
setup(void **state)
{
	FILE	*f;
	int	 fd;

	fx = calloc(1, sizeof(*fx));
	fx->base = event_base_new();
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->pwfile, sizeof(fx->pwfile), "%s/bindpw", fx->dir);
	snprintf(fx->logfile, sizeof(fx->logfile), "%s/log", fx->dir);
	f = fopen(fx->pwfile, "w");
	fputs("s3cret-pw\n", f);
	fclose(f);
	fflush(stderr);
	fx->saved_stderr = dup(2);
	fd = open(fx->logfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	fx->uris[0] = "ldap://a.test";
	fx->uris[1] = "ldap://b.test";
	fx->conf.ldap_uris = fx->uris;
	fx->conf.nldap_uris = 2;
	fx->conf.bind_dn = "cn=latchkey,dc=example,dc=com";
	fx->conf.bind_password_file = fx->pwfile;
	fx->conf.base_dn = "dc=example,dc=com";
	fx->conf.user_base = PEOPLE;
	fx->conf.user_filter = "(uid=%s)";
	fx->conf.user_name_attr = "uid";
	fx->conf.display_name_attr = "displayName";
	fx->conf.group_base = GROUPS;
	fx->conf.group_mode = CONF_GROUPS_MEMBEROF;
	fx->conf.group_filter = "(member=%s)";
	fx->conf.group_name_attr = "cn";
	fx->conf.latchkey_base = "ou=latchkey,dc=example,dc=com";
	fx->conf.ldap_timeout_ms = 2000;
	fx->conf.ldap_backoff_max_ms = 400;
	stub_reset();
	fx->st = store_new(fx->base, &fx->conf);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	store_free(fx->st);
	event_base_free(fx->base);
	fflush(stderr);
	dup2(fx->saved_stderr, 2);
	close(fx->saved_stderr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	stub_reset();
	free(fx);
	return 0;
}

static const char *const alice[] = {
	"uid", "alice",
	"displayName", "Alice Liddell",
	"objectClass", "inetOrgPerson",
	"objectClass", "latchkeyUser",
	"latchkeyUserHandle", "h4ndle",
	"latchkeyPasskey", "{\"v\":1,\"id\":\"AA\"}",
	"latchkeyPasskey", "{\"v\":1,\"id\":\"BB\"}",
	"latchkeyTap", "{\"id\":\"t1\"}",
	"memberOf", "cn=staff," GROUPS,
	"memberOf", "CN=vpn\\2Cusers," GROUPS,
	"memberOf", "uid=bob," PEOPLE,
	"memberOf", "not a dn",
	NULL,
};

/* A user found by name: attributes, the bind, and groups from memberOf. */
static void
test_user_by_name_memberof(void **state)
{
	const struct stub_req	*req, *bind;
	struct result		 r = { 0 };
	uint64_t		 id;
	char			*log;

	(void)state;
	start_up();
	bind = stub_last(STUB_BIND);
	assert_non_null(bind);
	assert_string_equal(bind->uri, "ldap://a.test");
	assert_string_equal(bind->dn, "cn=latchkey,dc=example,dc=com");
	assert_null(bind->mech);				/* simple */
	assert_string_equal(bind->cred, "s3cret-pw");	/* newline stripped */
	assert_string_equal(store_reason(fx->st), "connected");

	id = store_user_by_name(fx->st, "alice", on_user, &r);
	assert_true(id != 0);
	req = stub_last(STUB_SEARCH);
	assert_non_null(req);
	assert_string_equal(req->dn, PEOPLE);
	assert_string_equal(req->filter, "(uid=alice)");
	assert_int_equal(req->scope, LDAP_SCOPE_SUBTREE);
	stub_entry(req->msgid, "uid=alice," PEOPLE, alice);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	assert_int_equal(run_until(&r.calls, 2000), 1);
	assert_int_equal(r.err, STORE_OK);
	assert_string_equal(r.dn, "uid=alice," PEOPLE);
	assert_string_equal(r.name, "alice");
	assert_string_equal(r.display, "Alice Liddell");
	assert_string_equal(r.handle, "h4ndle");
	assert_string_equal(r.tap, "{\"id\":\"t1\"}");
	assert_int_equal(r.latchkey, 1);
	assert_int_equal(r.npasskeys, 2);
	assert_int_equal(r.ngroups, 2);
	assert_string_equal(r.groups[0], "staff");
	assert_string_equal(r.groups[1], "vpn,users");
	result_clear(&r);

	log = log_text();
	assert_int_equal(count(log, "ldap://a.test: directory connected"), 1);
	assert_null(strstr(log, "s3cret"));
	free(log);
}

/* Hostile names reach the directory escaped (RFC 4515), or not at all. */
static void
test_hostile_names(void **state)
{
	static const struct { const char *name, *filter; } cases[] = {
		{ "*", "(uid=\\2A)" },
		{ ")(uid=*", "(uid=\\29\\28uid=\\2A)" },
		{ "\\", "(uid=\\5C)" },
		{ "a*)(|(objectClass=*", "(uid=a\\2A\\29\\28|\\28objectClass=\\2A)" },
	};
	struct result	 r = { 0 };
	char		*big;
	size_t		 i, n;

	(void)state;
	start_up();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		store_user_by_name(fx->st, cases[i].name, on_user, &r);
		assert_string_equal(stub_last(STUB_SEARCH)->filter, cases[i].filter);
	}
	/* Bytes that are not text, NUL included, in a handle. */
	store_user_by_handle(fx->st, "\0(\xff", 3, on_user, &r);
	assert_string_equal(stub_last(STUB_SEARCH)->filter,
	    "(latchkeyUserHandle=\\00\\28\\FF)");

	/* 10 KB: refused without a search, and from the loop, not the call. */
	big = malloc(10 * 1024 + 1);
	memset(big, 'a', 10 * 1024);
	big[10 * 1024] = '\0';
	n = stub_nreqs();
	for (i = 0; i < 4 + 1; i++)
		store_cancel(fx->st, i + 1);	/* the searches above */
	assert_true(store_user_by_name(fx->st, big, on_user, &r) != 0);
	assert_int_equal(r.calls, 0);
	assert_int_equal(run_until(&r.calls, 2000), 1);
	assert_int_equal(r.err, STORE_INVALID);
	assert_int_equal(stub_nreqs(), n);
	/* 256 bytes is still a name; 257 is not. */
	big[257] = '\0';
	r.calls = 0;
	store_user_by_name(fx->st, big, on_user, &r);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_INVALID);
	big[256] = '\0';
	store_cancel(fx->st, store_user_by_name(fx->st, big, on_user, &r));
	assert_int_equal(stub_nreqs(), n + 1);
	free(big);
	result_clear(&r);
}

/* No entry: NOTFOUND; two: AMBIGUOUS (with or without sizeLimitExceeded). */
static void
test_notfound_ambiguous(void **state)
{
	const struct stub_req	*req;
	struct result		 r = { 0 };
	const char *const	 bob[] = { "uid", "bob", NULL };
	int			 rc[] = { LDAP_SUCCESS, LDAP_SIZELIMIT_EXCEEDED };
	size_t			 i;

	(void)state;
	start_up();
	store_user_by_name(fx->st, "nobody", on_user, &r);
	req = stub_last(STUB_SEARCH);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_NOTFOUND);
	for (i = 0; i < 2; i++) {
		result_clear(&r);
		store_user_by_name(fx->st, "bob", on_user, &r);
		req = stub_last(STUB_SEARCH);
		assert_int_equal(req->sizelimit, 2);
		stub_entry(req->msgid, "uid=bob," PEOPLE, bob);
		stub_entry(req->msgid, "uid=bob,ou=other,dc=example,dc=com", bob);
		stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, rc[i], NULL);
		run_until(&r.calls, 2000);
		assert_int_equal(r.calls, 1);
		assert_int_equal(r.err, STORE_AMBIGUOUS);
		assert_null(r.name);
	}
	/* An entry without the name attribute is refused, not half-made. */
	result_clear(&r);
	store_user_by_name(fx->st, "x", on_user, &r);
	req = stub_last(STUB_SEARCH);
	stub_entry(req->msgid, "uid=x," PEOPLE, NULL);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_INVALID);
	result_clear(&r);
}

/* Bounds on a hostile directory entry: too many groups, a huge value. */
static void
test_hostile_entry(void **state)
{
	const struct stub_req	*req;
	struct result		 r = { 0 };
	const char		**attrs;
	char			*huge, *log;
	size_t			 i;

	(void)state;
	start_up();
	attrs = calloc(2 * 1001 + 3, sizeof(*attrs));
	attrs[0] = "uid";
	attrs[1] = "alice";
	for (i = 0; i < 1001; i++) {
		attrs[2 + 2 * i] = "memberOf";
		attrs[3 + 2 * i] = "cn=g," GROUPS;	/* the stub keeps copies */
	}
	store_user_by_name(fx->st, "alice", on_user, &r);
	req = stub_last(STUB_SEARCH);
	stub_entry(req->msgid, "uid=alice," PEOPLE, attrs);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_INVALID);
	free(attrs);

	result_clear(&r);
	huge = malloc(64 * 1024 + 2);
	memset(huge, 'x', 64 * 1024 + 1);
	huge[64 * 1024 + 1] = '\0';
	store_user_by_name(fx->st, "alice", on_user, &r);
	req = stub_last(STUB_SEARCH);
	stub_entry(req->msgid, "uid=alice," PEOPLE, (const char *const[]){
	    "uid", "alice", "latchkeyTap", huge, NULL });
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_INVALID);
	free(huge);
	result_clear(&r);
	log = log_text();
	assert_int_equal(count(log, "too many values in memberOf"), 1);
	assert_int_equal(count(log, "a value too long in latchkeyTap"), 1);
	free(log);
}

/* No answer within ldap_timeout_ms: STORE_TIMEOUT, and the op is abandoned. */
static void
test_timeout(void **state)
{
	const struct stub_req	*req;
	struct result		 r = { 0 };
	uint64_t		 t0;
	struct store_stats	 ss;

	(void)state;
	fx->conf.ldap_timeout_ms = 100;
	store_reconf(fx->st, &fx->conf);	/* not started: takes it quietly */
	start_up();
	t0 = util_now_ms();
	store_user_by_name(fx->st, "slow", on_user, &r);
	req = stub_last(STUB_SEARCH);
	assert_int_equal(run_until(&r.calls, 2000), 1);
	assert_int_equal(r.err, STORE_TIMEOUT);
	assert_true(util_now_ms() - t0 >= 100);
	assert_true(stub_abandoned(req->msgid));
	/* A late answer for the abandoned id is dropped. */
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(NULL, 50);
	assert_int_equal(r.calls, 1);
	store_stats(fx->st, &ss);
	assert_int_equal(ss.ops[STORE_TIMEOUT], 1);
	assert_int_equal(ss.pending, 0);
	/* About 0.1 s: the le="0.1" or le="0.5" bucket. */
	assert_int_equal(ss.latency_buckets[4] + ss.latency_buckets[5], 1);
	assert_true(ss.latency_sum >= 0.099);
}

/* After store_cancel the callback never runs, answered or not. */
static void
test_cancel(void **state)
{
	const struct stub_req	*req;
	struct result		 r = { 0 }, r2 = { 0 };
	uint64_t		 id, id2;
	struct store_stats	 ss;

	(void)state;
	/* Cancelled before its deferred failure ran. */
	id2 = store_ping(fx->st, on_done, &r2);
	store_cancel(fx->st, id2);
	start_up();
	id = store_user_by_name(fx->st, "alice", on_user, &r);
	req = stub_last(STUB_SEARCH);
	store_cancel(fx->st, id);
	assert_true(stub_abandoned(req->msgid));
	stub_entry(req->msgid, "uid=alice," PEOPLE, alice);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(NULL, 200);
	assert_int_equal(r.calls, 0);
	assert_int_equal(r2.calls, 0);
	store_cancel(fx->st, 12345);	/* unknown: ignored */
	store_stats(fx->st, &ss);
	assert_int_equal(ss.ops[STORE_CANCELLED], 2);
	assert_int_equal(ss.pending, 0);
}

/*
 * Connection loss: operations in flight fail with STORE_UNAVAILABLE, the
 * store reconnects to the next URI after a backoff, and the outage is
 * logged once however many retries fail.
 */
static void
test_connection_loss(void **state)
{
	struct result		 r1 = { 0 }, r2 = { 0 };
	struct store_mod	 mod = { STORE_MOD_REPLACE, "description",
	    &(struct store_val){ "x", 1 }, 1 };
	struct store_stats	 ss;
	char			*log;
	int			 down = 0;

	(void)state;
	start_up();
	store_search(fx->st, NULL, "(objectClass=*)", NULL, on_entries, &r1);
	store_modify(fx->st, "uid=alice," PEOPLE, &mod, 1, on_done, &r2);
	stub_send_rc = LDAP_SERVER_DOWN;	/* the retries fail too */
	stub_down();
	run_until(&r2.calls, 2000);
	assert_int_equal(r1.calls, 1);
	assert_int_equal(r1.err, STORE_UNAVAILABLE);
	assert_int_equal(r2.err, STORE_UNAVAILABLE);
	assert_int_equal(store_state(fx->st), STORE_DOWN);
	assert_non_null(strstr(store_reason(fx->st), "ldap://a.test"));
	/* While down, new operations fail from the loop. */
	r1.calls = 0;
	store_ping(fx->st, on_done, &r1);
	assert_int_equal(r1.calls, 0);
	run_until(&r1.calls, 2000);
	assert_int_equal(r1.err, STORE_UNAVAILABLE);

	run_until(&down, 1300);		/* 250 + 400 + 400 ms of retries */
	assert_true(stub_nconnects >= 3);
	stub_send_rc = LDAP_SUCCESS;
	up_flag = 0;
	assert_int_equal(run_until(&up_flag, 2000), 1);
	store_stats(fx->st, &ss);
	assert_int_equal(ss.connects, 2);
	assert_int_equal(ss.disconnects, 1);
	log = log_text();
	assert_int_equal(count(log, "directory unavailable"), 1);
	assert_int_equal(count(log, "directory connected"), 2);
	free(log);
	/* Failover: each retry goes to the next URI. */
	assert_string_equal(stub_connect_uri(0), "ldap://a.test");
	assert_string_equal(stub_connect_uri(1), "ldap://b.test");
	assert_string_equal(stub_connect_uri(2), "ldap://a.test");
}

/* The next URI is the failover. */
static void
test_failover(void **state)
{
	(void)state;
	stub_bind_rc = LDAP_INVALID_CREDENTIALS;
	store_set_state_cb(fx->st, on_state_up, fx);
	store_start(fx->st);
	run_until(NULL, 100);
	assert_int_equal(store_state(fx->st), STORE_DOWN);
	assert_non_null(strstr(store_reason(fx->st),
	    "ldap://a.test: bind failed: Invalid credentials: bad credentials"));
	stub_bind_rc = LDAP_SUCCESS;
	up_flag = 0;
	assert_int_equal(run_until(&up_flag, 2000), 1);
	assert_string_equal(stub_last(STUB_BIND)->uri, "ldap://b.test");
}

/* Modify results as callers see them (ARCHITECTURE §3: delete-old-add-new). */
static void
test_modify_mapping(void **state)
{
	static const struct { int rc; enum store_err err; } cases[] = {
		{ LDAP_SUCCESS, STORE_OK },
		{ LDAP_NO_SUCH_ATTRIBUTE, STORE_CONFLICT },
		{ LDAP_TYPE_OR_VALUE_EXISTS, STORE_EXISTS },
		{ LDAP_NO_SUCH_OBJECT, STORE_NOTFOUND },
		{ LDAP_OBJECT_CLASS_VIOLATION, STORE_INVALID },
		{ LDAP_INSUFFICIENT_ACCESS, STORE_INVALID },
	};
	struct store_val	 oldv = { "old", 3 }, newv = { "new", 3 };
	struct store_mod	 mods[2] = {
		{ STORE_MOD_DELETE, "latchkeyPasskey", &oldv, 1 },
		{ STORE_MOD_ADD, "latchkeyPasskey", &newv, 1 },
	};
	struct store_mod	 add[1] = {
		{ STORE_MOD_ADD, "objectClass", &oldv, 1 },
	};
	const struct stub_req	*req;
	struct result		 r = { 0 };
	char			*log;
	size_t			 i;

	(void)state;
	start_up();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.calls = 0;
		store_modify(fx->st, "uid=alice," PEOPLE, mods, 2, on_done, &r);
		req = stub_last(STUB_MODIFY);
		assert_string_equal(req->mods,
		    "delete latchkeyPasskey=old;add latchkeyPasskey=new;");
		stub_done(req->msgid, LDAP_RES_MODIFY, cases[i].rc,
		    cases[i].rc == LDAP_OBJECT_CLASS_VIOLATION ? "no such class" : NULL);
		run_until(&r.calls, 2000);
		assert_int_equal(r.err, cases[i].err);
	}
	log = log_text();
	assert_non_null(strstr(log, "ldap://a.test: modify op "));
	assert_non_null(strstr(log, "Object class violation: no such class"));
	free(log);

	r.calls = 0;
	store_add(fx->st, "cn=x,dc=example,dc=com", add, 1, on_done, &r);
	req = stub_last(STUB_ADD);
	stub_done(req->msgid, LDAP_RES_ADD, LDAP_ALREADY_EXISTS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_EXISTS);
	r.calls = 0;
	store_delete(fx->st, "cn=x,dc=example,dc=com", on_done, &r);
	req = stub_last(STUB_DELETE);
	stub_done(req->msgid, LDAP_RES_DELETE, LDAP_NO_SUCH_OBJECT, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_NOTFOUND);
	/* An add whose changes are not all ADDs never leaves. */
	r.calls = 0;
	req = stub_last(STUB_ADD);
	store_add(fx->st, "cn=x,dc=example,dc=com", mods, 2, on_done, &r);
	assert_int_equal(r.calls, 0);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_INVALID);
	assert_ptr_equal(stub_last(STUB_ADD), req);
}

static void
groups_responder(const struct stub_req *req)
{
	const char *const staff[] = { "cn", "staff", NULL };
	const char *const admins[] = { "cn", "admins", NULL };

	if (req->kind != STUB_SEARCH || strncmp(req->filter, "(member=", 8) != 0)
		return;
	stub_entry(req->msgid, "cn=staff," GROUPS, staff);
	stub_entry(req->msgid, "cn=admins," GROUPS, admins);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
}

/* group_mode search: a second search with the user's DN escaped. */
static void
test_groups_search_mode(void **state)
{
	const struct stub_req	*req;
	struct result		 r = { 0 };
	const char *const	 al[] = { "uid", "alice", "memberOf",
	    "cn=ignored," GROUPS, NULL };

	(void)state;
	fx->conf.group_mode = CONF_GROUPS_SEARCH;
	store_reconf(fx->st, &fx->conf);
	start_up();
	stub_set_responder(groups_responder);
	store_user_by_name(fx->st, "alice", on_user, &r);
	req = stub_last(STUB_SEARCH);
	stub_entry(req->msgid, "cn=Alice (IT)," PEOPLE, al);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_OK);
	req = stub_last(STUB_SEARCH);
	assert_string_equal(req->dn, GROUPS);
	assert_string_equal(req->filter, "(member=cn=Alice \\28IT\\29," PEOPLE ")");
	assert_int_equal(r.ngroups, 2);
	assert_string_equal(r.groups[0], "staff");
	assert_string_equal(r.groups[1], "admins");
	result_clear(&r);
}

/* Ping reads the root DSE; search returns the entries; stats count them. */
static void
test_ping_search_stats(void **state)
{
	const struct stub_req	*req;
	struct result		 r = { 0 };
	const char *const	 attrs[] = { "cn", NULL };
	const char *const	 p1[] = { "cn", "p1", NULL };
	struct store_stats	 ss;

	(void)state;
	start_up();
	store_ping(fx->st, on_done, &r);
	req = stub_last(STUB_SEARCH);
	assert_string_equal(req->dn, "");
	assert_int_equal(req->scope, LDAP_SCOPE_BASE);
	assert_string_equal(req->filter, "(objectClass=*)");
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_OK);

	r.calls = 0;
	store_search(fx->st, NULL, "(objectClass=latchkeyPasskeyProfile)", attrs,
	    on_entries, &r);
	req = stub_last(STUB_SEARCH);
	assert_string_equal(req->dn, "ou=latchkey,dc=example,dc=com");
	stub_entry(req->msgid, "cn=p1,ou=latchkey,dc=example,dc=com", p1);
	stub_done(req->msgid + 1000, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	stub_done(req->msgid, LDAP_RES_SEARCH_RESULT, LDAP_SUCCESS, NULL);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_OK);
	assert_int_equal(r.nentries, 1);
	assert_string_equal(r.entry_dn, "cn=p1,ou=latchkey,dc=example,dc=com");
	result_clear(&r);
	store_stats(fx->st, &ss);
	assert_int_equal(ss.ops[STORE_OK], 2);
	assert_int_equal(ss.connects, 1);
	assert_int_equal(ss.pending, 0);
	assert_int_equal(ss.latency_buckets[0] + ss.latency_buckets[1] +
	    ss.latency_buckets[2] + ss.latency_buckets[3], 2);
}

/* store_free fails what is pending; reconf reconnects only when it must. */
static void
test_reconf_free(void **state)
{
	struct result	 r = { 0 }, r2 = { 0 };
	char		*uris[1] = { "ldapi://%2Ftmp%2Fx" };

	(void)state;
	assert_string_equal(store_reason(fx->st), "not started");
	start_up();
	store_ping(fx->st, on_done, &r);
	fx->conf.ldap_timeout_ms = 3000;	/* not a directory setting */
	store_reconf(fx->st, &fx->conf);
	assert_int_equal(stub_nconnects, 1);
	fx->conf.ldap_uris = uris;
	fx->conf.nldap_uris = 1;
	fx->conf.sasl_external = 1;
	up_flag = 0;
	store_reconf(fx->st, &fx->conf);
	run_until(&r.calls, 2000);
	assert_int_equal(r.err, STORE_UNAVAILABLE);
	run_until(&up_flag, 2000);
	assert_int_equal(stub_nconnects, 2);
	assert_string_equal(stub_last(STUB_BIND)->uri, "ldapi://%2Ftmp%2Fx");
	assert_string_equal(stub_last(STUB_BIND)->mech, "EXTERNAL");
	assert_string_equal(stub_last(STUB_BIND)->cred, "");	/* empty response */

	store_ping(fx->st, on_done, &r2);
	store_free(fx->st);
	fx->st = NULL;
	assert_int_equal(r2.calls, 1);
	assert_int_equal(r2.err, STORE_UNAVAILABLE);
	assert_int_equal(stub_nunbinds, 2);
}

/* StartTLS on ldap:// when configured, before the bind. */
static void
test_starttls(void **state)
{
	(void)state;
	fx->conf.starttls = 1;
	fx->conf.bind_dn = NULL;
	store_reconf(fx->st, &fx->conf);
	start_up();
	assert_int_equal(stub_req(0)->kind, STUB_STARTTLS);
	assert_int_equal(stub_req(1)->kind, STUB_BIND);
	assert_string_equal(stub_req(1)->dn, "");	/* anonymous */
	assert_null(stub_req(1)->mech);
}

static void
test_escape(void **state)
{
	char	*s;

	(void)state;
	s = store_escape("a\0*()\\b", 7);
	assert_string_equal(s, "a\\00\\2A\\28\\29\\5Cb");
	free(s);
	s = store_escape("", 0);
	assert_string_equal(s, "");
	free(s);
	s = store_escape_dn("Smith, John+x\"<y>;\\");
	assert_string_equal(s, "Smith\\2C John\\2Bx\\22\\3Cy\\3E\\3B\\5C");
	free(s);
	s = store_escape_dn("#lead and trail ");
	assert_string_equal(s, "\\23lead and trail\\20");
	free(s);
	s = store_escape_dn(" x");
	assert_string_equal(s, "\\20x");
	free(s);
	assert_string_equal(store_strerror(STORE_CONFLICT), "conflict");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_by_name_memberof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notfound_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modify_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_search_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_search_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconf_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_starttls, setup, teardown),
		cmocka_unit_test(test_escape),
	};

	log_init(1, LOG_LEVEL_INFO, "test_store");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
