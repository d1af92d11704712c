/*
 * test_state.c: the web flow's memory, as a browser and an auditor see it.
 * Sessions: found by the cookie the browser sends back (among others, in
 * hostile headers too), ended by idleness, by their lifetime, by the
 * register-only cap of 10 minutes or the TAP's expiry, by sign-out, and
 * all of a user's at once; the Set-Cookie text.  Ceremonies: single use,
 * expiring, of one kind.  Audit: each event one JSON line with its fields.
 */
#include "config.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/http.h>
#include <jansson.h>

#include "audit.h"
#include "ceremony.h"
#include "session.h"
#include "util.h"
#include "xmalloc.h"

static time_t	 fake_now = 1790000000;

static time_t
fake_clock(void)
{
	return fake_now;
}

static int
setup(void **state)
{
	(void)state;
	fake_now = 1790000000;
	session_set_clock(fake_clock);
	ceremony_set_clock(fake_clock);
	session_init(30 * 60, 8 * 3600);
	ceremony_init(5 * 60);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	session_cleanup();
	ceremony_cleanup();
	return 0;
}

/* A request whose input headers hold the given Cookie headers (NULL-ended). */
static struct evhttp_request *
request(const char *cookie, ...)
{
	struct evhttp_request	*req;
	va_list			 ap;
	const char		*c;

	assert_non_null(req = evhttp_request_new(NULL, NULL));
	va_start(ap, cookie);
	for (c = cookie; c != NULL; c = va_arg(ap, const char *))
		evhttp_add_header(evhttp_request_get_input_headers(req), "Cookie", c);
	va_end(ap);
	return req;
}

static struct session *
from_cookie(const char *cookie)
{
	struct evhttp_request	*req;
	struct session		*s;

	req = request(cookie, NULL);
	s = session_from_request(req);
	evhttp_request_free(req);
	return s;
}

static void
test_session_new_find(void **state)
{
	struct session	*s, *s2;
	char		 cookie[256];

	(void)state;
	s = session_new(SESSION_FULL, "alice", "uid=alice,ou=people,dc=x", "aal2", 0);
	assert_int_equal(strlen(s->id), SESSION_ID_LEN);
	assert_string_equal(s->user, "alice");
	assert_string_equal(s->dn, "uid=alice,ou=people,dc=x");
	assert_string_equal(s->assurance, "aal2");
	assert_int_equal(s->scope, SESSION_FULL);
	assert_int_equal(s->expires, fake_now + 8 * 3600);
	s2 = session_new(SESSION_FULL, "bob", NULL, "aal3", 0);
	assert_string_not_equal(s->id, s2->id);
	assert_int_equal(session_count(), 2);
	assert_ptr_equal(session_find(s->id), s);
	assert_ptr_equal(session_find(s2->id), s2);
	assert_null(session_find("nope"));
	assert_null(session_find(NULL));

	/* The browser sends it back among other cookies. */
	snprintf(cookie, sizeof(cookie), "theme=dark; latchkey_session=%s; lang=en", s->id);
	assert_ptr_equal(from_cookie(cookie), s);
	snprintf(cookie, sizeof(cookie), "latchkey_session=%s", s2->id);
	assert_ptr_equal(from_cookie(cookie), s2);
	/* Blanks around the pair, no space after ';'. */
	snprintf(cookie, sizeof(cookie), "a=b;latchkey_session=%s ;c=d", s->id);
	assert_ptr_equal(from_cookie(cookie), s);
	/* Sign-out ends it. */
	session_end(s);
	snprintf(cookie, sizeof(cookie), "latchkey_session=%s", s2->id);
	assert_ptr_equal(from_cookie(cookie), s2);
	assert_int_equal(session_count(), 1);
}

static void
test_session_timeouts(void **state)
{
	struct session	*s;
	char		 id[SESSION_ID_LEN + 1];

	(void)state;
	s = session_new(SESSION_FULL, "alice", NULL, "aal2", 0);
	memcpy(id, s->id, sizeof(id));
	/* Active use keeps it alive past the idle timeout... */
	fake_now += 29 * 60;
	assert_non_null(session_find(id));
	fake_now += 29 * 60;
	assert_non_null(session_find(id));
	/* ...30 minutes of silence end it. */
	fake_now += 30 * 60;
	assert_null(session_find(id));
	assert_int_equal(session_count(), 0);

	/* However active, it ends at its lifetime. */
	s = session_new(SESSION_FULL, "alice", NULL, "aal2", 0);
	memcpy(id, s->id, sizeof(id));
	while (fake_now < s->expires - 60) {
		fake_now += 20 * 60;
		if (fake_now < s->expires)
			assert_non_null(session_find(id));
	}
	fake_now = s->expires;
	assert_null(session_find(id));
}

/*
 * At SESSION_MAX, expired sessions are reclaimed before live ones are
 * evicted (oldest first), and a flood of sign-ins at the cap costs one walk
 * of the table per second, not one per new session: 20000 sessions past
 * the cap took seconds when every one swept 100000 (found by the sign-in
 * benchmark, docs/benchmarks.md).
 */
static void
test_session_full(void **state)
{
	struct session	*s;
	char		 old[SESSION_ID_LEN + 1], idle[SESSION_ID_LEN + 1];
	char		 first[SESSION_ID_LEN + 1];
	clock_t		 c0;
	double		 cpu;
	size_t		 i;

	(void)state;
	s = session_new(SESSION_FULL, "old", NULL, "aal2", 0);
	memcpy(old, s->id, sizeof(old));
	fake_now += 60;
	s = session_new(SESSION_FULL, "idle", NULL, "aal2", 0);
	memcpy(idle, s->id, sizeof(idle));
	fake_now += 19 * 60;
	assert_non_null(session_find(old));
	fake_now += 60;
	s = session_new(SESSION_FULL, "first", NULL, "aal2", 0);
	memcpy(first, s->id, sizeof(first));
	for (i = session_count(); i < SESSION_MAX; i++)
		session_new(SESSION_FULL, "bulk", NULL, "aal2", 0);
	/* "old" stays in use; "idle" falls silent past its idle timeout. */
	fake_now += 15 * 60;
	assert_non_null(session_find(old));
	fake_now += 10 * 60;

	/*
	 * Full, "idle" expired but still held: the sweep frees it, so the
	 * oldest live session ("old") need not go.
	 */
	session_new(SESSION_FULL, "new", NULL, "aal2", 0);
	assert_int_equal(session_count(), SESSION_MAX);
	assert_null(session_find(idle));
	assert_non_null(session_find(old));

	/* Still full within the same second: the oldest live sessions go. */
	c0 = clock();
	for (i = 0; i < 20000; i++)
		session_new(SESSION_FULL, "flood", NULL, "aal2", 0);
	cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
	assert_int_equal(session_count(), SESSION_MAX);
	assert_null(session_find(old));
	assert_null(session_find(first));
	print_message("# 20000 sessions past the cap: %.3f s of CPU\n", cpu);
	assert_true(cpu < 2.0);
}

/* Issue 4: register-only ends after 10 minutes or when the TAP expires. */
static void
test_session_register_cap(void **state)
{
	struct session	*s;
	char		 id[SESSION_ID_LEN + 1];

	(void)state;
	s = session_new(SESSION_REGISTER, "alice", NULL, NULL, fake_now + 3600);
	assert_int_equal(s->expires, fake_now + SESSION_REGISTER_MAX);
	assert_null(s->assurance);
	memcpy(id, s->id, sizeof(id));
	fake_now += SESSION_REGISTER_MAX - 1;
	assert_non_null(session_find(id));
	fake_now += 1;
	assert_null(session_find(id));

	s = session_new(SESSION_REGISTER, "alice", NULL, NULL, fake_now + 120);
	assert_int_equal(s->expires, fake_now + 120);
	memcpy(id, s->id, sizeof(id));
	fake_now += 120;
	assert_null(session_find(id));
	/* A full session may also be capped. */
	s = session_new(SESSION_FULL, "alice", NULL, "aal2", fake_now + 30);
	assert_int_equal(s->expires, fake_now + 30);
}

static void
test_session_end_user(void **state)
{
	struct session	*a1, *a2, *b;
	char		 ida1[SESSION_ID_LEN + 1], ida2[SESSION_ID_LEN + 1];

	(void)state;
	a1 = session_new(SESSION_FULL, "alice", NULL, "aal2", 0);
	b = session_new(SESSION_FULL, "bob", NULL, "aal2", 0);
	a2 = session_new(SESSION_REGISTER, "alice", NULL, NULL, 0);
	memcpy(ida1, a1->id, sizeof(ida1));
	memcpy(ida2, a2->id, sizeof(ida2));
	session_end_user("alice");
	assert_null(session_find(ida1));
	assert_null(session_find(ida2));
	assert_ptr_equal(session_find(b->id), b);
	session_end_user(NULL);
	session_end(NULL);
	assert_int_equal(session_count(), 1);
}

/* Nothing a browser sends in Cookie can crash the lookup or find a session it does not hold. */
static void
test_session_hostile_cookies(void **state)
{
	struct evhttp_request	*req;
	struct session		*s;
	char			*big, cookie[256];
	size_t			 i, n;

	(void)state;
	s = session_new(SESSION_FULL, "alice", NULL, "aal2", 0);
	assert_null(from_cookie(""));
	assert_null(from_cookie(";;;;"));
	assert_null(from_cookie("="));
	assert_null(from_cookie("latchkey_session="));
	assert_null(from_cookie("latchkey_session"));
	assert_null(from_cookie("latchkey_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
	/* A prefix or an extension of a real id is not that id. */
	snprintf(cookie, sizeof(cookie), "latchkey_session=%.42s", s->id);
	assert_null(from_cookie(cookie));
	snprintf(cookie, sizeof(cookie), "latchkey_session=%sX", s->id);
	assert_null(from_cookie(cookie));
	/* Another cookie's name that ends or begins like ours. */
	snprintf(cookie, sizeof(cookie), "xlatchkey_session=%s", s->id);
	assert_null(from_cookie(cookie));
	snprintf(cookie, sizeof(cookie), "latchkey_sessionx=%s", s->id);
	assert_null(from_cookie(cookie));
	/* Two of ours: the live one counts. */
	snprintf(cookie, sizeof(cookie), "latchkey_session=bogus; latchkey_session=%s", s->id);
	assert_ptr_equal(from_cookie(cookie), s);
	/* In a second Cookie header. */
	snprintf(cookie, sizeof(cookie), "latchkey_session=%s", s->id);
	req = request("a=1; b=2", cookie, NULL);
	assert_ptr_equal(session_from_request(req), s);
	evhttp_request_free(req);
	/* No Cookie header at all. */
	req = request(NULL);
	assert_null(session_from_request(req));
	evhttp_request_free(req);
	assert_null(session_from_request(NULL));

	/* More than 50 cookies before ours: not looked at. */
	n = 60 * 6 + 128;
	big = xmalloc(n);
	big[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(big, "x=1; ");
	snprintf(big + strlen(big), n - strlen(big), "latchkey_session=%s", s->id);
	assert_null(from_cookie(big));
	free(big);
	/* Beyond 4 KiB: not looked at; a megabyte of junk costs a bounded read. */
	n = 1024 * 1024;
	big = xmalloc(n + 128);
	memset(big, 'a', n);
	snprintf(big + n, 128, "; latchkey_session=%s", s->id);
	assert_null(from_cookie(big));
	free(big);
	/* Still there for the right request. */
	snprintf(cookie, sizeof(cookie), "latchkey_session=%s", s->id);
	assert_ptr_equal(from_cookie(cookie), s);
}

static const char *
set_cookie_of(const struct session *s, int secure)
{
	static char		 buf[512];
	struct evhttp_request	*req;
	const char		*h;

	assert_non_null(req = evhttp_request_new(NULL, NULL));
	session_set_cookie(req, s, secure);
	assert_non_null(h = evhttp_find_header(evhttp_request_get_output_headers(req),
	    "Set-Cookie"));
	snprintf(buf, sizeof(buf), "%s", h);
	evhttp_request_free(req);
	return buf;
}

static void
test_session_set_cookie(void **state)
{
	struct session	*s;
	char		 want[512];

	(void)state;
	s = session_new(SESSION_REGISTER, "alice", NULL, NULL, 0);
	snprintf(want, sizeof(want), "latchkey_session=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Secure; Max-Age=600", s->id);
	assert_string_equal(set_cookie_of(s, 1), want);
	fake_now += 100;
	snprintf(want, sizeof(want), "latchkey_session=%s; Path=/; HttpOnly; "
	    "SameSite=Strict; Max-Age=500", s->id);
	assert_string_equal(set_cookie_of(s, 0), want);
	/* Clearing: an empty value that expires at once. */
	assert_string_equal(set_cookie_of(NULL, 1),
	    "latchkey_session=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
}

static void
test_ceremony(void **state)
{
	struct ceremony	*c, *c2, *t;
	char		 id[CEREMONY_ID_LEN + 1];
	unsigned char	 challenge[CEREMONY_CHALLENGE_LEN];

	(void)state;
	c = ceremony_new(CEREMONY_REGISTER, "alice", "sessionid");
	assert_int_equal(strlen(c->id), CEREMONY_ID_LEN);
	assert_int_equal(c->expires, fake_now + 300);
	memcpy(id, c->id, sizeof(id));
	memcpy(challenge, c->challenge, sizeof(challenge));
	c2 = ceremony_new(CEREMONY_SIGNIN, NULL, NULL);
	assert_string_not_equal(c->id, c2->id);
	assert_memory_not_equal(c->challenge, c2->challenge, CEREMONY_CHALLENGE_LEN);
	assert_null(c2->user);
	assert_int_equal(ceremony_count(), 2);

	/* Taken once, with what it was begun with. */
	assert_non_null(t = ceremony_take(id, CEREMONY_REGISTER));
	assert_string_equal(t->user, "alice");
	assert_string_equal(t->session, "sessionid");
	assert_memory_equal(t->challenge, challenge, sizeof(challenge));
	ceremony_free(t);
	/* A replay finds nothing. */
	assert_null(ceremony_take(id, CEREMONY_REGISTER));
	assert_null(ceremony_take("nope", CEREMONY_SIGNIN));
	assert_null(ceremony_take(NULL, CEREMONY_SIGNIN));

	/* The wrong kind gets nothing, and spends the id. */
	memcpy(id, c2->id, sizeof(id));
	assert_null(ceremony_take(id, CEREMONY_REGISTER));
	assert_null(ceremony_take(id, CEREMONY_SIGNIN));

	/* Expired: nothing, and gone. */
	c = ceremony_new(CEREMONY_SIGNIN, "bob", NULL);
	memcpy(id, c->id, sizeof(id));
	fake_now += 300;
	assert_null(ceremony_take(id, CEREMONY_SIGNIN));
	assert_int_equal(ceremony_count(), 0);
	/* Just in time works. */
	c = ceremony_new(CEREMONY_SIGNIN, "bob", NULL);
	memcpy(id, c->id, sizeof(id));
	fake_now += 299;
	assert_non_null(t = ceremony_take(id, CEREMONY_SIGNIN));
	ceremony_free(t);
	/* A sweep on the next begin drops the expired ones. */
	ceremony_new(CEREMONY_SIGNIN, NULL, NULL);
	ceremony_new(CEREMONY_SIGNIN, NULL, NULL);
	fake_now += 301;
	ceremony_new(CEREMONY_SIGNIN, NULL, NULL);
	assert_int_equal(ceremony_count(), 1);
	ceremony_free(NULL);
}

/* Each line: JSON, the common fields, the event's own; quotes and newlines escaped. */
static void
test_audit(void **state)
{
	char		 dir[] = "/tmp/test_state.XXXXXX", path[PATH_MAX], err[256];
	char		*text, *nl, *line;
	json_t		*j, *extra;
	json_error_t	 jerr;
	size_t		 len, n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	assert_int_equal(audit_open(path, err, sizeof(err)), 0);
	audit_event("tap.issued", "success", "root", "alice", NULL,
	    json_pack("{s:s, s:I, s:b}", "tapId", "abc", "expiry", (json_int_t)1790003600,
	    "oneTime", 1));
	audit_event("signin", "bad_signature", NULL, "mallory\n{\"event\":\"x\"}",
	    "203.0.113.5", json_pack("{s:s}", "event", "forged"));
	extra = json_pack("{s:s}", "code", "K7QM2XA4");
	audit_event("tap.failed", "wrong_code", "alice", "alice", "::1", extra);
	audit_event("signin", "success", "bob", "bob", "127.0.0.1", NULL);
	audit_close();

	assert_non_null(text = util_read_file(path, 65536, &len));
	for (line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if ((j = json_loads(line, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
			fail_msg("line %zu is not JSON: %s: %s", n + 1, jerr.text, line);
		assert_true(json_is_object(j));
		assert_non_null(json_object_get(j, "time"));
		assert_int_equal(strlen(json_string_value(json_object_get(j, "time"))), 24);
		assert_int_equal(json_string_value(json_object_get(j, "time"))[23], 'Z');
		assert_non_null(json_object_get(j, "outcome"));
		switch (n) {
		case 0:
			assert_string_equal(json_string_value(json_object_get(j, "event")), "tap.issued");
			assert_string_equal(json_string_value(json_object_get(j, "actor")), "root");
			assert_string_equal(json_string_value(json_object_get(j, "subject")), "alice");
			assert_true(json_is_null(json_object_get(j, "client")));
			assert_string_equal(json_string_value(json_object_get(j, "tapId")), "abc");
			assert_true(json_is_true(json_object_get(j, "oneTime")));
			break;
		case 1:
			/* The newline stayed inside the string; the extra could not rename the event. */
			assert_string_equal(json_string_value(json_object_get(j, "event")), "signin");
			assert_string_equal(json_string_value(json_object_get(j, "subject")),
			    "mallory\n{\"event\":\"x\"}");
			assert_string_equal(json_string_value(json_object_get(j, "client")), "203.0.113.5");
			assert_true(json_is_null(json_object_get(j, "actor")));
			break;
		case 2:
			/* audit.c has no notion of codes: the caller never passes one. */
			assert_string_equal(json_string_value(json_object_get(j, "outcome")), "wrong_code");
			break;
		case 3:
			assert_string_equal(json_string_value(json_object_get(j, "outcome")), "success");
			break;
		}
		json_decref(j);
		n++;
	}
	assert_int_equal(n, 4);
	assert_string_equal(line, "");	/* the file ends with a newline */
	free(text);

	/* Appending: a second open adds to the file. */
	assert_int_equal(audit_open(path, err, sizeof(err)), 0);
	audit_event("signin", "success", "bob", "bob", NULL, NULL);
	audit_close();
	assert_non_null(text = util_read_file(path, 65536, &len));
	for (n = 0, line = text; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
		n++;
	assert_int_equal(n, 5);
	free(text);
	unlink(path);
	/* An unwritable place says where. */
	snprintf(path, sizeof(path), "%s/no/such/dir/audit.log", dir);
	assert_int_equal(audit_open(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	/* Syslog only. */
	assert_int_equal(audit_open(NULL, err, sizeof(err)), 0);
	audit_event("signin", "success", "bob", "bob", NULL, NULL);
	audit_close();
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_session_new_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_register_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_end_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_hostile_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_set_cookie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ceremony, setup, teardown),
		cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
