/*
 * test_util.c: the base helpers every layer trusts: base64url (RFC 4648
 * §5), durations, constant-time comparison, the loopback test that guards
 * plain HTTP, and bounded file reads.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
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

#include "log.h"
#include "util.h"

static char	 tmpdir[PATH_MAX];

/* Encodes in, expects want, and decodes want back to in. */
static void
b64_vector(const void *in, size_t inlen, const char *want)
{
	unsigned char	*dec;
	char		*enc;
	size_t		 declen = (size_t)-1;

	enc = util_b64url_encode(in, inlen);
	assert_string_equal(enc, want);
	free(enc);
	dec = util_b64url_decode(want, strlen(want), &declen);
	assert_non_null(dec);
	assert_int_equal(declen, inlen);
	assert_memory_equal(dec, in, inlen);
	assert_int_equal(dec[declen], '\0');
	free(dec);
}

/* RFC 4648 §10 test vectors, without padding as §5 base64url is used here. */
static void
test_b64url_rfc4648(void **state)
{
	static const unsigned char url[] = { 0xfb, 0xff };
	static const unsigned char url3[] = { 0xfb, 0xef, 0xff };

	(void)state;
	b64_vector("", 0, "");
	b64_vector("f", 1, "Zg");
	b64_vector("fo", 2, "Zm8");
	b64_vector("foo", 3, "Zm9v");
	b64_vector("foob", 4, "Zm9vYg");
	b64_vector("fooba", 5, "Zm9vYmE");
	b64_vector("foobar", 6, "Zm9vYmFy");
	/* The URL alphabet: 62 is '-' and 63 is '_' (standard: '+' and '/'). */
	b64_vector(url, sizeof(url), "-_8");
	b64_vector(url3, sizeof(url3), "--__");
}

static void
test_b64url_roundtrip(void **state)
{
	unsigned char	 buf[300], *dec;
	char		*enc;
	size_t		 len, declen, i;

	(void)state;
	for (len = 0; len <= sizeof(buf); len++) {
		util_random(buf, len);
		enc = util_b64url_encode(buf, len);
		assert_int_equal(strlen(enc), (len * 4 + 2) / 3);
		for (i = 0; enc[i] != '\0'; i++)
			assert_null(strchr("+/=", enc[i]));
		dec = util_b64url_decode(enc, strlen(enc), &declen);
		assert_non_null(dec);
		assert_int_equal(declen, len);
		assert_memory_equal(dec, buf, len);
		free(dec);
		free(enc);
	}
}

static void
test_b64url_padded(void **state)
{
	unsigned char	*dec;
	size_t		 len;

	(void)state;
	/* Padding is tolerated on input (some clients send it). */
	assert_non_null(dec = util_b64url_decode("Zg==", 4, &len));
	assert_int_equal(len, 1);
	assert_memory_equal(dec, "f", 1);
	free(dec);
	assert_non_null(dec = util_b64url_decode("Zm8=", 4, &len));
	assert_int_equal(len, 2);
	free(dec);
	/* Only slen bytes are read: the rest of the buffer is not input. */
	assert_non_null(dec = util_b64url_decode("Zm9v!!!", 4, &len));
	assert_int_equal(len, 3);
	assert_memory_equal(dec, "foo", 3);
	free(dec);
}

static void
test_b64url_malformed(void **state)
{
	static const char *bad[] = {
		"Z",		/* length % 4 == 1 cannot be base64 */
		"Zm9vY",
		"Z===",
		"+/8",		/* the standard alphabet is not base64url */
		"Zm+v",
		"Zm/v",
		"Zm9v!",
		"Zm 9v",
		"Zm9v\n",
		"Z=g",		/* padding in the middle */
		"Zg==Zg",
		"Zm9\xc3\xa9",
	};
	size_t	 i, len;
	char	*big;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (util_b64url_decode(bad[i], strlen(bad[i]), &len) != NULL)
			fail_msg("accepted \"%s\"", bad[i]);
	/* An embedded NUL within slen is refused, not a terminator. */
	assert_null(util_b64url_decode("Zm\0v", 4, &len));
	/* Longer than UTIL_B64_MAX: refused before any work. */
	big = malloc(UTIL_B64_MAX + 4);
	assert_non_null(big);
	memset(big, 'A', UTIL_B64_MAX + 4);
	assert_null(util_b64url_decode(big, UTIL_B64_MAX + 4, &len));
	free(big);
}

static void
test_duration(void **state)
{
	static const struct {
		const char	*s;
		uint64_t	 ms;
	} good[] = {
		{ "0", 0 },
		{ "90", 90000 },
		{ "90s", 90000 },
		{ "250ms", 250 },
		{ "5m", 300000 },
		{ "5min", 300000 },
		{ "1h", 3600000 },
		{ "30d", 30ULL * 86400000 },
		/* The largest values that still fit in 64 bits of milliseconds. */
		{ "18446744073709551615ms", UINT64_MAX },
		{ "18446744073709551s", 18446744073709551000ULL },
		{ "213503982334d", 213503982334ULL * 86400000 },
	};
	static const char *bad[] = {
		"", "s", "5x", "5 s", " 5s", "-5s", "+5s", "5S", "5sec", "1.5h",
		"5s ", "0x10", "h1",
		/* overflow */
		"18446744073709551616ms",	/* strtoull range */
		"18446744073709552s",		/* the product wraps */
		"213503982335d",
		"99999999999999999999999h",
	};
	uint64_t	 ms;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 12345;
		if (util_parse_duration(good[i].s, &ms) != 0)
			fail_msg("refused \"%s\"", good[i].s);
		if (ms != good[i].ms)
			fail_msg("\"%s\" gave %llu ms", good[i].s,
			    (unsigned long long)ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 12345;
		if (util_parse_duration(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, 12345);	/* untouched on error */
	}
	assert_int_equal(util_parse_duration(NULL, &ms), -1);
}

static void
test_ct_eq(void **state)
{
	unsigned char	 a[64], b[64];
	size_t		 i;

	(void)state;
	util_random(a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(util_ct_eq(a, b, sizeof(a)), 1);
	assert_int_equal(util_ct_eq(a, b, 0), 1);
	/* A difference in any byte, first or last, is seen. */
	for (i = 0; i < sizeof(a); i++) {
		b[i] ^= 0x80;
		assert_int_equal(util_ct_eq(a, b, sizeof(a)), 0);
		b[i] ^= 0x80;
	}
	assert_int_equal(util_ct_eq("abc", "abd", 2), 1);
	assert_int_equal(util_ct_eq("abc", "abd", 3), 0);
}

/*
 * Plain HTTP is allowed on these hosts only (conf.c), because browsers
 * treat them as secure contexts.  Decided: IPv4-mapped ::ffff:127.0.0.1 is
 * not loopback (not every stack routes it to lo, and the Secure Contexts
 * spec does not list it), nor are *.localhost names, "127.1" shorthand or
 * the wildcard addresses.
 */
static void
test_loopback(void **state)
{
	static const char *yes[] = {
		"localhost", "LocalHost", "127.0.0.1", "127.0.0.5",
		"127.255.255.254", "::1", "0:0:0:0:0:0:0:1",
	};
	static const char *no[] = {
		"10.0.0.1", "192.168.1.1", "128.0.0.1", "0.0.0.0", "::",
		"::ffff:127.0.0.1", "::2", "127.1", "localhost.example.com",
		"foo.localhost", "mylocalhost", "", "[::1]", "127.0.0.1 ",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!util_is_loopback_host(yes[i]))
			fail_msg("\"%s\" should be loopback", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (util_is_loopback_host(no[i]))
			fail_msg("\"%s\" should not be loopback", no[i]);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_read_file(void **state)
{
	char	 path[PATH_MAX + 32], *buf;
	size_t	 len;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", tmpdir);
	write_file(path, "0123456789", 10);
	/* Exactly at the limit: read whole and NUL-terminated. */
	assert_non_null(buf = util_read_file(path, 10, &len));
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	assert_non_null(buf = util_read_file(path, 1000, NULL));
	assert_string_equal(buf, "0123456789");
	free(buf);
	/* One byte over: refused with EFBIG. */
	errno = 0;
	assert_null(util_read_file(path, 9, &len));
	assert_int_equal(errno, EFBIG);
	/* An endless file is bounded too. */
	errno = 0;
	assert_null(util_read_file("/dev/zero", 4096, &len));
	assert_int_equal(errno, EFBIG);
	/* Empty file. */
	write_file(path, "", 0);
	assert_non_null(buf = util_read_file(path, 0, &len));
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	unlink(path);
	errno = 0;
	assert_null(util_read_file(path, 10, &len));
	assert_int_equal(errno, ENOENT);
}

static void
test_mkdirs(void **state)
{
	char		 path[PATH_MAX + 32];
	struct stat	 st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
	assert_int_equal(util_mkdirs(path, 0700), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Existing directories are fine. */
	assert_int_equal(util_mkdirs(path, 0700), 0);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a/b", tmpdir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/a", tmpdir);
	rmdir(path);
}

static void
test_time(void **state)
{
	char		 buf[32];
	uint64_t	 a, b;

	(void)state;
	util_time_fmt(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	util_time_fmt(1796637600, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-07T10:00:00Z");
	a = util_now_ms();
	b = util_now_ms();
	assert_true(b >= a);
	assert_true(util_now() > 1700000000);
}

static void
test_random(void **state)
{
	unsigned char	 a[32], b[32];

	(void)state;
	util_random(a, sizeof(a));
	util_random(b, sizeof(b));
	assert_int_equal(util_ct_eq(a, b, sizeof(a)), 0);
	util_random(a, 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_util.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url_rfc4648),
		cmocka_unit_test(test_b64url_roundtrip),
		cmocka_unit_test(test_b64url_padded),
		cmocka_unit_test(test_b64url_malformed),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_ct_eq),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_mkdirs),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_random),
	};

	log_init(1, LOG_LEVEL_WARN, "test_util");
	return cmocka_run_group_tests(tests, setup, teardown);
}
