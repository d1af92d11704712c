/*
 * test_vpnstate.c: the sealed RADIUS State of a VPN sign-in, as a VPN
 * brings it back: it opens for the user it was issued to (any case) until
 * its expiry, and for nobody else; a State altered in any octet, cut,
 * lengthened, of another version or sealed under another TAP key (another
 * deployment) does not open; two States of the same request differ.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "approval.h"
#include "vpnstate.h"

static const unsigned char key1[TAP_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const unsigned char key2[TAP_KEY_LEN] = "fedcba9876543210fedcba9876543210";
#define NOW	((time_t)1796601600)	/* 2026-12-07 */

static void
fill(struct vpnstate *vs)
{
	memset(vs, 0, sizeof(*vs));
	memcpy(vs->id, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10",
	    APPROVAL_STATE_LEN);
	memcpy(vs->code, "K7Q2MX", 7);
	vs->expiry = NOW + APPROVAL_LIFETIME;
}

static void
test_round_trip(void **unused)
{
	struct vpnstate_ctx	*c = vpnstate_new(key1);
	struct vpnstate		 in, out;
	unsigned char		 st[VPNSTATE_LEN];

	(void)unused;
	assert_int_equal(VPNSTATE_LEN, 59);
	fill(&in);
	vpnstate_seal(c, "Alice", &in, NULL, st);
	assert_int_equal(st[0], VPNSTATE_VERSION);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "Alice", NOW, &out), VPNSTATE_OK);
	assert_memory_equal(out.id, in.id, APPROVAL_STATE_LEN);
	assert_string_equal(out.code, "K7Q2MX");
	assert_int_equal((long long)out.expiry, (long long)in.expiry);
	/* RADIUS clients vary the case of the name they send. */
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "ALICE", NOW, &out), VPNSTATE_OK);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "alice", NOW, &out), VPNSTATE_OK);
	/* The code is not in clear in the State. */
	assert_null(memmem(st, sizeof(st), "K7Q2MX", 6));
	vpnstate_free(c);
}

static void
test_other_user(void **unused)
{
	struct vpnstate_ctx	*c = vpnstate_new(key1);
	struct vpnstate		 in, out;
	unsigned char		 st[VPNSTATE_LEN];

	(void)unused;
	fill(&in);
	vpnstate_seal(c, "mallory", &in, NULL, st);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "alice", NOW, &out), VPNSTATE_FORGED);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "mallory ", NOW, &out),
	    VPNSTATE_FORGED);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "", NOW, &out), VPNSTATE_FORGED);
	/* Nothing of a State that did not open is handed out. */
	assert_string_equal(out.code, "");
	assert_int_equal((long long)out.expiry, 0);
	vpnstate_free(c);
}

static void
test_every_octet(void **unused)
{
	struct vpnstate_ctx	*c = vpnstate_new(key1);
	struct vpnstate		 in, out;
	unsigned char		 st[VPNSTATE_LEN], bad[VPNSTATE_LEN + 1];
	size_t			 i;
	int			 bit;

	(void)unused;
	fill(&in);
	vpnstate_seal(c, "alice", &in, NULL, st);
	for (i = 0; i < sizeof(st); i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, st, sizeof(st));
			bad[i] ^= (unsigned char)(1 << bit);
			assert_int_equal(vpnstate_open(c, bad, sizeof(st), "alice", NOW, &out),
			    VPNSTATE_FORGED);
		}
	memcpy(bad, st, sizeof(st));
	bad[sizeof(st)] = 0;
	assert_int_equal(vpnstate_open(c, bad, sizeof(st) + 1, "alice", NOW, &out),
	    VPNSTATE_FORGED);
	for (i = 0; i < sizeof(st); i++)
		assert_int_equal(vpnstate_open(c, st, i, "alice", NOW, &out), VPNSTATE_FORGED);
	/* Still good after all the failures: the contexts are reused. */
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "alice", NOW, &out), VPNSTATE_OK);
	vpnstate_free(c);
}

static void
test_other_key(void **unused)
{
	struct vpnstate_ctx	*c1 = vpnstate_new(key1), *c2 = vpnstate_new(key2);
	struct vpnstate_ctx	*c1b = vpnstate_new(key1);
	struct vpnstate		 in, out;
	unsigned char		 st[VPNSTATE_LEN];

	(void)unused;
	fill(&in);
	vpnstate_seal(c1, "alice", &in, NULL, st);
	assert_int_equal(vpnstate_open(c2, st, sizeof(st), "alice", NOW, &out),
	    VPNSTATE_FORGED);
	/* Another node with the same TAP key opens it: any node answers the follow-up. */
	assert_int_equal(vpnstate_open(c1b, st, sizeof(st), "alice", NOW, &out), VPNSTATE_OK);
	vpnstate_free(c1);
	vpnstate_free(c2);
	vpnstate_free(c1b);
}

static void
test_expiry(void **unused)
{
	struct vpnstate_ctx	*c = vpnstate_new(key1);
	struct vpnstate		 in, out;
	unsigned char		 st[VPNSTATE_LEN];

	(void)unused;
	fill(&in);
	vpnstate_seal(c, "alice", &in, NULL, st);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "alice", in.expiry - 1, &out),
	    VPNSTATE_OK);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "alice", in.expiry, &out),
	    VPNSTATE_EXPIRED);
	assert_memory_equal(out.id, in.id, APPROVAL_STATE_LEN);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), "alice", in.expiry + 86400, &out),
	    VPNSTATE_EXPIRED);
	vpnstate_free(c);
}

static void
test_fresh_nonce(void **unused)
{
	struct vpnstate_ctx	*c = vpnstate_new(key1);
	struct vpnstate		 in;
	unsigned char		 a[VPNSTATE_LEN], b[VPNSTATE_LEN];

	(void)unused;
	fill(&in);
	vpnstate_seal(c, "alice", &in, NULL, a);
	vpnstate_seal(c, "alice", &in, NULL, b);
	assert_memory_not_equal(a, b, VPNSTATE_LEN);
	assert_memory_not_equal(a + 1, b + 1, VPNSTATE_NONCE_LEN);
	vpnstate_free(c);
}

/* A RADIUS User-Name of the largest size (253 octets) seals and opens. */
static void
test_long_user(void **unused)
{
	struct vpnstate_ctx	*c = vpnstate_new(key1);
	struct vpnstate		 in, out;
	unsigned char		 st[VPNSTATE_LEN];
	char			 user[APPROVAL_USER_MAX + 1], other[APPROVAL_USER_MAX + 1];

	(void)unused;
	memset(user, 'u', APPROVAL_USER_MAX);
	user[APPROVAL_USER_MAX] = '\0';
	memcpy(other, user, sizeof(other));
	other[APPROVAL_USER_MAX - 1] = 'v';
	fill(&in);
	vpnstate_seal(c, user, &in, NULL, st);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), user, NOW, &out), VPNSTATE_OK);
	assert_int_equal(vpnstate_open(c, st, sizeof(st), other, NOW, &out), VPNSTATE_FORGED);
	vpnstate_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_other_user),
		cmocka_unit_test(test_every_octet),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_fresh_nonce),
		cmocka_unit_test(test_long_user),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
