/*
 * test_tap.c: Temporary Access Passes as a helpdesk and a new employee
 * meet them: a code that redeems once, typed in any case with dashes or
 * blanks; a wrong, early, late or spent code refused with its reason; ten
 * failures lock for 60 s, then 120 s; the latchkeyTap value round-trips and
 * hostile values are refused; the key file is exactly 32 bytes.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define T0	1790000000	/* a fixed "now" */

static const unsigned char key[TAP_KEY_LEN] = "0123456789abcdef0123456789abcdef";

static char *
issue(struct tap *t, size_t len, int one_time)
{
	char	*code;

	code = tap_issue(key, len, T0, 3600, one_time, "helpdesk", t);
	assert_non_null(code);
	return code;
}

static void
test_round_trip(void **state)
{
	struct tap	 t;
	char		*code;
	size_t		 i;

	(void)state;
	code = issue(&t, 8, 1);
	assert_int_equal(strlen(code), 8);
	for (i = 0; i < 8; i++)
		assert_non_null(strchr(TAP_ALPHABET, code[i]));
	assert_int_equal(t.start, T0);
	assert_int_equal(t.expiry, T0 + 3600);
	assert_int_equal(t.one_time, 1);
	assert_string_equal(t.issuer, "helpdesk");
	assert_int_equal(strlen(t.id), 16);
	assert_int_equal(tap_check(&t, key, code, T0), TAP_OK);
	assert_int_equal(tap_check(&t, key, code, T0 + 3599), TAP_OK);
	/* Another key does not redeem it: the hash is keyed. */
	assert_int_equal(tap_check(&t, (const unsigned char *)"ffffffffffffffffffffffffffffffff",
	    code, T0), TAP_WRONG);
	free(code);
	tap_clear(&t);

	/* Every length from 8 to 48; outside it, no pass. */
	for (i = TAP_LEN_MIN; i <= TAP_LEN_MAX; i++) {
		code = issue(&t, i, 0);
		assert_int_equal(strlen(code), i);
		assert_int_equal(tap_check(&t, key, code, T0), TAP_OK);
		free(code);
		tap_clear(&t);
	}
	assert_null(tap_issue(key, 7, T0, 3600, 1, NULL, &t));
	assert_null(tap_issue(key, 49, T0, 3600, 1, NULL, &t));
	assert_null(tap_issue(key, 8, T0, 0, 1, NULL, &t));
}

/* Read aloud or from paper: case, dashes and blanks do not matter. */
static void
test_normalisation(void **state)
{
	struct tap	 t;
	char		*code, typed[64], *p;
	size_t		 i;

	(void)state;
	code = issue(&t, 8, 1);
	for (i = 0, p = typed; i < 8; i++) {
		*p++ = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] - 'A' + 'a' : code[i]);
		if (i == 3)
			*p++ = '-';
	}
	*p = '\0';
	assert_int_equal(tap_check(&t, key, typed, T0), TAP_OK);
	snprintf(typed, sizeof(typed), "  %.4s %.4s\t", code, code + 4);
	assert_int_equal(tap_check(&t, key, typed, T0), TAP_OK);
	snprintf(typed, sizeof(typed), "%.4s--%.4s", code, code + 4);
	assert_int_equal(tap_check(&t, key, typed, T0), TAP_OK);
	free(code);
	tap_clear(&t);
}

static void
test_refusals(void **state)
{
	struct tap	 t;
	char		*code, wrong[16], *longcode;
	size_t		 n;

	(void)state;
	code = issue(&t, 8, 1);
	memcpy(wrong, code, 9);
	wrong[7] = wrong[7] == 'A' ? 'C' : 'A';
	assert_int_equal(tap_check(&t, key, wrong, T0), TAP_WRONG);
	assert_int_equal(tap_check(&t, key, "", T0), TAP_WRONG);
	assert_int_equal(tap_check(&t, key, NULL, T0), TAP_WRONG);
	/* One character short or long is wrong. */
	wrong[0] = '\0';
	strncat(wrong, code, 7);
	assert_int_equal(tap_check(&t, key, wrong, T0), TAP_WRONG);
	/* A code longer than anyone types is wrong, not an overflow. */
	n = 100000;
	longcode = xmalloc(n + 1);
	memset(longcode, 'A', n);
	memcpy(longcode, code, 8);
	longcode[n] = '\0';
	assert_int_equal(tap_check(&t, key, longcode, T0), TAP_WRONG);
	/* 128 dashes around the code are still too much typing: bounded before normalising. */
	memset(longcode, '-', 130);
	memcpy(longcode + 130, code, 9);
	assert_int_equal(tap_check(&t, key, longcode, T0), TAP_WRONG);
	free(longcode);

	assert_int_equal(tap_check(&t, key, code, T0 - 1), TAP_NOT_YET);
	assert_int_equal(tap_check(&t, key, code, T0 + 3600), TAP_EXPIRED);
	t.uses = 1;
	assert_int_equal(tap_check(&t, key, code, T0), TAP_USED);
	/* A multi-use pass keeps working after a use. */
	t.one_time = 0;
	t.uses = 5;
	assert_int_equal(tap_check(&t, key, code, T0), TAP_OK);
	/* Locked comes first, even with the right code. */
	t.locked_until = T0 + 10;
	assert_int_equal(tap_check(&t, key, code, T0), TAP_LOCKED);
	assert_int_equal(tap_check(&t, key, code, T0 + 10), TAP_OK);
	assert_string_equal(tap_result_name(TAP_WRONG), "wrong_code");
	assert_string_equal(tap_result_name(TAP_LOCKED), "locked");
	free(code);
	tap_clear(&t);
}

/* Ten failures lock for 60 s; the next ten for 120 s; never beyond a day. */
static void
test_lockout(void **state)
{
	struct tap	 t;
	char		*code;
	time_t		 now = T0;
	int		 i;

	(void)state;
	code = issue(&t, 8, 1);
	for (i = 1; i < TAP_FAILURES_MAX; i++)
		assert_int_equal(tap_fail(&t, now), 0);
	assert_int_equal(t.failures, 9);
	assert_int_equal(tap_locked_for(&t, now), 0);
	assert_int_equal(tap_fail(&t, now), 1);
	assert_int_equal(tap_locked_for(&t, now), 60);
	assert_int_equal(tap_locked_for(&t, now + 45), 15);
	assert_int_equal(tap_check(&t, key, code, now + 59), TAP_LOCKED);
	assert_int_equal(t.failures, 0);
	assert_int_equal(t.lockouts, 1);
	/* While locked, attempts are not counted. */
	assert_int_equal(tap_fail(&t, now + 1), 0);
	assert_int_equal(t.failures, 0);
	now += 60;
	assert_int_equal(tap_locked_for(&t, now), 0);
	assert_int_equal(tap_check(&t, key, code, now), TAP_OK);
	for (i = 1; i < TAP_FAILURES_MAX; i++)
		assert_int_equal(tap_fail(&t, now), 0);
	assert_int_equal(tap_fail(&t, now), 1);
	assert_int_equal(tap_locked_for(&t, now), 120);
	/* After many lockouts the wait is capped at a day. */
	t.lockouts = 40;
	t.locked_until = 0;
	for (i = 0; i < TAP_FAILURES_MAX; i++)
		tap_fail(&t, now);
	assert_int_equal(tap_locked_for(&t, now), 86400);
	free(code);
	tap_clear(&t);
}

static void
test_encode_decode(void **state)
{
	struct tap	 t, *d;
	char		*code, *json, err[256];

	(void)state;
	code = issue(&t, 12, 1);
	t.uses = 2;
	t.failures = 3;
	t.locked_until = T0 + 60;
	t.lockouts = 4;
	json = tap_encode(&t);
	/* The code is nowhere in the value. */
	assert_null(strstr(json, code));
	assert_non_null(strstr(json, "\"v\":1"));
	assert_non_null(d = tap_decode(json, strlen(json), err, sizeof(err)));
	assert_string_equal(d->id, t.id);
	assert_memory_equal(d->hash, t.hash, sizeof(t.hash));
	assert_int_equal(d->start, t.start);
	assert_int_equal(d->expiry, t.expiry);
	assert_int_equal(d->one_time, 1);
	assert_string_equal(d->issuer, "helpdesk");
	assert_int_equal(d->uses, 2);
	assert_int_equal(d->failures, 3);
	assert_int_equal(d->locked_until, T0 + 60);
	assert_int_equal(d->lockouts, 4);
	d->locked_until = 0;
	assert_int_equal(tap_check(d, key, code, T0), TAP_USED);
	d->uses = 0;
	assert_int_equal(tap_check(d, key, code, T0), TAP_OK);
	tap_free(d);
	free(json);
	/* No issuer: null, and back. */
	free(t.issuer);
	t.issuer = NULL;
	json = tap_encode(&t);
	assert_non_null(strstr(json, "\"issuer\":null"));
	assert_non_null(d = tap_decode(json, strlen(json), err, sizeof(err)));
	assert_null(d->issuer);
	tap_free(d);
	free(json);
	free(code);
	tap_clear(&t);
	tap_free(NULL);
}

#define GOOD_HASH	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define VALUE(patch)	"{\"v\":1,\"id\":\"abcDEF012_-x\",\"hash\":\"" GOOD_HASH "\"," \
	"\"start\":1790000000,\"expiry\":1790003600,\"oneTime\":true,\"issuer\":\"root\"," \
	"\"uses\":0,\"failures\":0,\"lockedUntil\":0,\"lockouts\":0" patch "}"

static void
hostile(const char *json, const char *want)
{
	struct tap	*t;
	char		 err[256] = "";

	t = tap_decode(json, strlen(json), err, sizeof(err));
	if (t != NULL) {
		tap_free(t);
		fail_msg("accepted: %s", json);
	}
	if (strstr(err, want) == NULL)
		fail_msg("got \"%s\", want \"%s\" for %s", err, want, json);
}

/* A directory value is hostile: wrong types, ranges, lengths, duplicates. */
static void
test_hostile_values(void **state)
{
	struct tap	*t;
	char		 err[256], *big;

	(void)state;
	/* The template is good; unknown keys are ignored. */
	assert_non_null(t = tap_decode(VALUE(",\"future\":[1,2]"), strlen(VALUE(",\"future\":[1,2]")),
	    err, sizeof(err)));
	assert_string_equal(t->id, "abcDEF012_-x");
	tap_free(t);
	hostile("", "not JSON");
	hostile("[]", "not a JSON object");
	hostile("{\"v\":1", "not JSON");
	hostile(VALUE(",\"v\":1"), "not JSON");	/* duplicate key */
	hostile("{\"v\":2}", "v is out of range");
	hostile("{\"v\":\"1\"}", "v is missing");
	hostile("{\"v\":1,\"id\":\"\"}", "id is not a string");
	hostile("{\"v\":1,\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "id is not a string");
	hostile("{\"v\":1,\"id\":\"a b\"}", "id is not base64url");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"AAEC\"}", "hash is not base64url of 32");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"!!\"}", "hash is not base64url");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":7}", "hash is not base64url");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":-1}",
	    "start is out of range");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":1e3}",
	    "start is missing or not an integer");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":4}", "expiry is before start");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":99999999999999999}", "expiry is out of range");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":6,\"oneTime\":1}", "oneTime");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":6,\"oneTime\":false,\"issuer\":5}", "issuer");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":6,\"oneTime\":false,\"issuer\":\"a\\u0000b\"}", "not JSON");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":6,\"oneTime\":false,\"uses\":-1}", "uses is out of range");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":6,\"oneTime\":false,\"uses\":0,\"failures\":4294967296}",
	    "failures is out of range");
	hostile("{\"v\":1,\"id\":\"ab\",\"hash\":\"" GOOD_HASH "\",\"start\":5,"
	    "\"expiry\":6,\"oneTime\":false,\"uses\":0,\"failures\":0}",
	    "lockedUntil is missing");
	/* Longer than any real value: refused before parsing. */
	big = xmalloc(100001);
	memset(big, ' ', 100000);
	big[100000] = '\0';
	hostile(big, "longer than");
	free(big);
}

/* No look-alikes: codes are read aloud and typed from paper. */
static void
test_alphabet(void **state)
{
	const char	*bad = "0O1IL5S2Z8B";

	(void)state;
	for (; *bad != '\0'; bad++)
		assert_null(strchr(TAP_ALPHABET, *bad));
	assert_int_equal(strlen(TAP_ALPHABET), 25);
}

/*
 * The generator: over 10000 codes of 8 every letter appears, and each
 * letter's share is near 1/25 (80000 draws: 3200 expected, sd about 55;
 * 2900..3500 is more than five sd either way).
 */
static void
test_generator(void **state)
{
	struct tap	 t;
	size_t		 counts[256] = { 0 }, i, j;
	char		*code;

	(void)state;
	for (i = 0; i < 10000; i++) {
		code = tap_issue(key, 8, T0, 60, 1, NULL, &t);
		for (j = 0; code[j] != '\0'; j++)
			counts[(unsigned char)code[j]]++;
		free(code);
		tap_clear(&t);
	}
	for (i = 0; i < 256; i++) {
		if (i != 0 && strchr(TAP_ALPHABET, (int)i) != NULL) {
			if (counts[i] < 2900 || counts[i] > 3500)
				fail_msg("'%c' drawn %zu times of 80000", (int)i, counts[i]);
		} else
			assert_int_equal(counts[i], 0);
	}
}

static void
test_key_file(void **state)
{
	char		 dir[] = "/tmp/test_tap.XXXXXX", path[PATH_MAX], err[256];
	unsigned char	 k[TAP_KEY_LEN], k2[TAP_KEY_LEN];
	struct stat	 st;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tap.key", dir);
	assert_int_equal(tap_key_create(path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, TAP_KEY_LEN);
	/* Never replaced: a new key would void every pass issued. */
	assert_int_equal(tap_key_create(path), -1);
	assert_int_equal(tap_key_load(path, k, err, sizeof(err)), 0);
	assert_int_equal(tap_key_load(path, k2, err, sizeof(err)), 0);
	assert_memory_equal(k, k2, sizeof(k));
	unlink(path);
	/* Too short, too long, missing. */
	assert_non_null(f = fopen(path, "w"));
	fputs("short", f);
	fclose(f);
	assert_int_equal(tap_key_load(path, k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "5 bytes, not 32"));
	assert_non_null(f = fopen(path, "w"));
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	assert_int_equal(tap_key_load(path, k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer than 32 bytes"));
	unlink(path);
	assert_int_equal(tap_key_load(path, k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	rmdir(dir);
}

/*
 * The sampler behind pass and VPN approval codes: octets at or above 250
 * (the largest multiple of the 25 letters) are skipped, never folded onto
 * the first letters; too few usable octets is an error, not a short code.
 */
static void
test_code_from(void **state)
{
	const unsigned char	 rnd[] = { 0, 24, 25, 249, 250, 255, 1, 2 };
	char			 code[8];

	(void)state;
	assert_int_equal(tap_code_from(rnd, sizeof(rnd), code, 6), 0);
	/* 0 -> A, 24 -> 9, 25 -> A, 249 -> 9, 250 and 255 skipped, 1 -> C, 2 -> D. */
	assert_string_equal(code, "A9A9CD");
	assert_int_equal(tap_code_from(rnd, sizeof(rnd), code, 7), -1);
	assert_int_equal(tap_code_from(rnd + 4, 2, code, 1), -1);
}

/*
 * tap_hmac keeps a keyed context: it must give plain HMAC-SHA-256 (the
 * value below was computed apart, with `printf latchkey | openssl mac
 * -digest SHA256 -macopt hexkey:000102...1f HMAC`) and follow a change of
 * key, back and forth.
 */
static void
test_hmac_cached(void **state)
{
	unsigned char	 k1[TAP_KEY_LEN], k2[TAP_KEY_LEN], a[32], b[32], c[32];
	static const unsigned char want[32] = {
	    0x23, 0xac, 0x1b, 0xa5, 0x35, 0xc2, 0x32, 0xc2,
	    0xab, 0xbe, 0x24, 0x2e, 0x09, 0x88, 0xaf, 0x4d,
	    0x33, 0xc8, 0x3c, 0xc7, 0x28, 0x78, 0x6e, 0xc8,
	    0x9d, 0xbf, 0xe7, 0xa8, 0xba, 0x87, 0x27, 0x03 };
	size_t		 i;

	(void)state;
	for (i = 0; i < TAP_KEY_LEN; i++) {
		k1[i] = (unsigned char)i;
		k2[i] = (unsigned char)(0x80 + i);
	}
	tap_hmac(k1, "latchkey", 8, a);
	assert_memory_equal(a, want, 32);
	tap_hmac(k2, "latchkey", 8, b);
	assert_memory_not_equal(a, b, 32);
	tap_hmac(k1, "latchkey", 8, c);
	assert_memory_equal(a, c, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_lockout),
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_alphabet),
		cmocka_unit_test(test_generator),
		cmocka_unit_test(test_code_from),
		cmocka_unit_test(test_hmac_cached),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
