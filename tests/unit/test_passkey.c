/*
 * test_passkey.c: the credential record stored in latchkeyPasskey
 * (ARCHITECTURE §3, §5).  A record survives encode/decode unchanged; the
 * record written by version 1 (tests/data/passkey-v1.json, committed when
 * the format was made) keeps decoding in every later version; unknown keys
 * are ignored; hostile directory values are refused with a reason.
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

#include <cmocka.h>

#include "log.h"
#include "passkey.h"
#include "util.h"
#include "xmalloc.h"

/* A complete valid record; tests patch one member with sed-like replacement. */
#define RECORD \
	"{\"aaguid\":\"cb69481e-8ff7-4039-93ec-0a2729a154a8\",\"alg\":-7," \
	"\"attestation\":{\"trust\":\"none\"},\"be\":true,\"bs\":true," \
	"\"created\":\"2026-03-01T09:30:00Z\",\"fmt\":\"none\",\"id\":\"AAEC\"," \
	"\"label\":null,\"lastUsed\":\"2026-03-02T10:00:00Z\",\"publicKey\":\"pQEC\"," \
	"\"signCount\":0,\"transports\":[],\"type\":\"synced\",\"uv\":false,\"v\":1}"

static struct passkey *
sample(void)
{
	struct passkey	*pk;

	pk = xcalloc(1, sizeof(*pk));
	pk->v = PASSKEY_VERSION;
	pk->id = xmemdup("\x01\x02\x03\xff", 4);
	pk->idlen = 4;
	pk->alg = -257;
	pk->pubkey = xmemdup("\xa4\x01\x03", 3);
	pk->pubkeylen = 3;
	pk->sign_count = UINT32_MAX;
	pk->uv = 1;
	pk->be = 0;
	pk->bs = 0;
	memcpy(pk->aaguid, "\x08\x98\x70\x58\xca\xdc\x4b\x81\xb6\xe1\x30\xde\x50\xdc\xbe\x96", 16);
	pk->fmt = xstrdup("tpm");
	pk->trust = PASSKEY_TRUST_TRUSTED;
	pk->trust_source = xstrdup("Microsoft TPM Root Certificate Authority 2014");
	pk->authenticator = xstrdup("Windows Hello");
	pk->authenticator_verified = 1;
	pk->transports = xcalloc(2, sizeof(char *));
	pk->transports[0] = xstrdup("internal");
	pk->transports[1] = xstrdup("hybrid");
	pk->ntransports = 2;
	pk->profile = xstrdup("admins");
	pk->created = 1767225600;
	pk->last_used = 1767225661;
	pk->label = xstrdup("Laptop \"work\" \xc3\xa9");
	return pk;
}

static void
assert_same(const struct passkey *a, const struct passkey *b)
{
	size_t	i;

	assert_int_equal(a->v, b->v);
	assert_int_equal(a->idlen, b->idlen);
	assert_memory_equal(a->id, b->id, a->idlen);
	assert_int_equal(a->alg, b->alg);
	assert_int_equal(a->pubkeylen, b->pubkeylen);
	assert_memory_equal(a->pubkey, b->pubkey, a->pubkeylen);
	assert_int_equal(a->sign_count, b->sign_count);
	assert_int_equal(a->uv, b->uv);
	assert_int_equal(a->be, b->be);
	assert_int_equal(a->bs, b->bs);
	assert_memory_equal(a->aaguid, b->aaguid, 16);
	assert_string_equal(a->fmt, b->fmt);
	assert_int_equal(a->trust, b->trust);
	assert_string_equal(a->trust_source, b->trust_source);
	assert_string_equal(a->authenticator, b->authenticator);
	assert_int_equal(a->authenticator_verified, b->authenticator_verified);
	assert_int_equal(a->ntransports, b->ntransports);
	for (i = 0; i < a->ntransports; i++)
		assert_string_equal(a->transports[i], b->transports[i]);
	assert_string_equal(a->profile, b->profile);
	assert_int_equal(a->created, b->created);
	assert_int_equal(a->last_used, b->last_used);
	assert_string_equal(a->label, b->label);
}

static void
test_round_trip(void **state)
{
	struct passkey	*pk, *back, *dup;
	char		*s, *again, err[128];

	(void)state;
	pk = sample();
	s = passkey_encode(pk);
	assert_non_null(strstr(s, "\"type\":\"device-bound\""));
	assert_non_null(strstr(s, "\"aaguid\":\"08987058-cadc-4b81-b6e1-30de50dcbe96\""));
	assert_non_null(strstr(s, "\"created\":\"2026-01-01T00:00:00Z\""));
	assert_non_null(strstr(s, "\"id\":\"AQID_w\""));
	assert_non_null(strstr(s, "\"attestation\":{\"source\":"));
	back = passkey_decode(s, strlen(s), err, sizeof(err));
	assert_non_null(back);
	assert_same(pk, back);
	again = passkey_encode(back);
	assert_string_equal(s, again);	/* stable: same record, same bytes */
	dup = passkey_dup(pk);
	assert_same(pk, dup);
	passkey_free(dup);
	passkey_free(back);
	free(again);
	free(s);
	/* Absent optional members encode as null and come back as NULL / 0. */
	free(pk->label);
	pk->label = NULL;
	free(pk->authenticator);
	pk->authenticator = NULL;
	pk->last_used = 0;
	s = passkey_encode(pk);
	assert_non_null(strstr(s, "\"label\":null"));
	assert_non_null(strstr(s, "\"lastUsed\":null"));
	back = passkey_decode(s, strlen(s), err, sizeof(err));
	assert_non_null(back);
	assert_null(back->label);
	assert_null(back->authenticator);
	assert_int_equal(back->last_used, 0);
	passkey_free(back);
	free(s);
	passkey_free(pk);
	passkey_free(NULL);
}

/* The record version 1 wrote, read by this version: must keep passing forever. */
static void
test_v1_record(void **state)
{
	struct passkey	*pk;
	char		 path[PATH_MAX], *json, err[128], aaguid[37];
	const char	*srcdir;
	size_t		 len;

	(void)state;
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	snprintf(path, sizeof(path), "%s/tests/data/passkey-v1.json", srcdir);
	json = util_read_file(path, 65536, &len);
	assert_non_null(json);
	pk = passkey_decode(json, len, err, sizeof(err));
	if (pk == NULL)
		fail_msg("%s", err);
	assert_int_equal(pk->v, 1);
	assert_int_equal(pk->idlen, 32);
	assert_int_equal(pk->alg, -7);
	assert_int_equal(pk->pubkeylen, 77);
	assert_int_equal(pk->sign_count, 42);
	assert_true(pk->uv);
	assert_false(pk->be);
	assert_false(pk->bs);
	assert_string_equal(passkey_type(pk), "device-bound");
	passkey_aaguid_fmt(pk->aaguid, aaguid);
	assert_string_equal(aaguid, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
	assert_string_equal(pk->fmt, "packed");
	assert_int_equal(pk->trust, PASSKEY_TRUST_TRUSTED);
	assert_true(passkey_attested_device_bound(pk));
	assert_string_equal(pk->trust_source, "CN=Yubico U2F Root CA Serial 457200631");
	assert_string_equal(pk->authenticator, "YubiKey 5 Series");
	assert_true(pk->authenticator_verified);
	assert_int_equal(pk->ntransports, 2);
	assert_string_equal(pk->transports[1], "nfc");
	assert_int_equal(pk->created, 1772357400);
	assert_int_equal(pk->last_used, 0);
	assert_string_equal(pk->label, "Alice's YubiKey");
	assert_string_equal(pk->profile, "admins");
	passkey_free(pk);
	free(json);
}

static struct passkey *
decode(const char *json, char *err, size_t errlen)
{
	return passkey_decode(json, strlen(json), err, errlen);
}

/* Replaces the first occurrence of from in RECORD by to. */
static char *
patched(const char *from, const char *to)
{
	const char	*at;
	char		*s;

	at = strstr(RECORD, from);
	assert_non_null(at);
	xasprintf(&s, "%.*s%s%s", (int)(at - RECORD), RECORD, to, at + strlen(from));
	return s;
}

static void
refused(const char *from, const char *to, const char *reason)
{
	struct passkey	*pk;
	char		*s, err[128] = "";

	s = patched(from, to);
	pk = decode(s, err, sizeof(err));
	if (pk != NULL)
		fail_msg("accepted: %s", s);
	if (strstr(err, reason) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", err, reason);
	free(s);
}

static void
test_unknown_keys_ignored(void **state)
{
	struct passkey	*pk;
	char		*s, err[128];

	(void)state;
	pk = decode(RECORD, err, sizeof(err));
	assert_non_null(pk);
	assert_string_equal(passkey_type(pk), "synced");
	assert_false(passkey_attested_device_bound(pk));
	assert_null(pk->profile);
	passkey_free(pk);
	s = patched("\"v\":1", "\"v\":1,\"rk\":true,\"future\":{\"x\":[1,2]}");
	pk = decode(s, err, sizeof(err));
	assert_non_null(pk);
	passkey_free(pk);
	free(s);
}

static void
test_bad_values(void **state)
{
	struct passkey	*pk;
	char		 err[128], *big;

	(void)state;
	refused("\"v\":1", "\"v\":2", "newer");
	refused("\"v\":1", "\"v\":0", "v is out of range");
	refused("\"v\":1", "\"v\":\"1\"", "v is missing or not an integer");
	refused("\"id\":\"AAEC\"", "\"id\":\"AA*C\"", "id is not base64url");
	refused("\"id\":\"AAEC\"", "\"id\":\"\"", "id has a bad length");
	refused("\"alg\":-7", "\"alg\":-7.5", "alg");
	refused("\"alg\":-7", "\"alg\":99999999999", "alg is out of range");
	refused("\"signCount\":0", "\"signCount\":-1", "signCount is out of range");
	refused("\"signCount\":0", "\"signCount\":4294967296", "signCount is out of range");
	refused("\"uv\":false", "\"uv\":0", "uv is missing or not a boolean");
	refused("\"type\":\"synced\"", "\"type\":\"device-bound\"", "contradicts");
	refused("\"type\":\"synced\"", "\"type\":\"cloud\"", "neither");
	refused("\"be\":true", "\"be\":false", "");
	refused("\"aaguid\":\"cb69481e-8ff7-4039-93ec-0a2729a154a8\"",
	    "\"aaguid\":\"cb69481e8ff7-4039-93ec-0a2729a154a8-\"", "aaguid");
	refused("\"trust\":\"none\"", "\"trust\":\"total\"", "attestation.trust");
	refused("\"attestation\":{\"trust\":\"none\"}", "\"attestation\":\"none\"", "attestation");
	refused("\"transports\":[]", "\"transports\":[1]", "transport");
	refused("\"transports\":[]", "\"transports\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\","
	    "\"a\",\"a\"]", "more than");
	refused("\"transports\":[]", "\"transports\":null", "transports");
	refused("\"created\":\"2026-03-01T09:30:00Z\"", "\"created\":\"2026-13-01T09:30:00Z\"",
	    "created");
	refused("\"created\":\"2026-03-01T09:30:00Z\"", "\"created\":\"2026-02-30T09:30:00Z\"",
	    "created");
	refused("\"created\":\"2026-03-01T09:30:00Z\"", "\"created\":1772357400", "created");
	refused("\"label\":null", "\"label\":[]", "label");
	refused("\"fmt\":\"none\"", "\"fmt\":\"a-format-name-that-is-far-too-long-to-be-real\"",
	    "fmt");
	refused("\"fmt\":\"none\"", "\"fmt\":\"none\",\"fmt\":\"none\"", "not JSON");
	refused("\"fmt\":\"none\"", "\"authenticator\":7,\"fmt\":\"none\"", "authenticator");
	/* Not an object, nothing, too long. */
	assert_null(decode("[]", err, sizeof(err)));
	assert_null(decode("", err, sizeof(err)));
	big = xcalloc(1, 40000);
	memset(big, ' ', 39999);
	assert_null(decode(big, err, sizeof(err)));
	assert_non_null(strstr(err, "longer"));
	free(big);
	/* A NULL err buffer is fine. */
	pk = passkey_decode("{}", 2, NULL, 0);
	assert_null(pk);
}

static void
test_helpers(void **state)
{
	unsigned char	a[16];
	char		buf[37];

	(void)state;
	assert_int_equal(passkey_aaguid_parse("CB69481E-8FF7-4039-93EC-0A2729A154A8", a), 0);
	passkey_aaguid_fmt(a, buf);
	assert_string_equal(buf, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
	assert_int_equal(passkey_aaguid_parse("cb69481e-8ff7-4039-93ec-0a2729a154a", a), -1);
	assert_int_equal(passkey_aaguid_parse("cb69481e-8ff7-4039-93ec-0a2729a154ag", a), -1);
	assert_int_equal(passkey_aaguid_parse("cb69481e+8ff7-4039-93ec-0a2729a154a8", a), -1);
	assert_int_equal(passkey_aaguid_parse(NULL, a), -1);
	assert_string_equal(passkey_trust_name(PASSKEY_TRUST_NONE), "none");
	assert_string_equal(passkey_trust_name(PASSKEY_TRUST_SELF), "self");
	assert_string_equal(passkey_trust_name(PASSKEY_TRUST_UNTRUSTED), "untrusted");
	assert_string_equal(passkey_trust_name(PASSKEY_TRUST_TRUSTED), "trusted");
	assert_string_equal(passkey_trust_name((enum passkey_trust)42), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_v1_record),
		cmocka_unit_test(test_unknown_keys_ignored),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_helpers),
	};

	log_init(1, LOG_LEVEL_WARN, "test_passkey");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
