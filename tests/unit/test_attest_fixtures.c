/*
 * test_attest_fixtures.c: attest_verify() on libfido2 1.12's own regress
 * fixtures (regress/cred.c, BSD-2-Clause; transcribed as hex under
 * tests/data/attest/, see the README there).  They come as clientDataHash,
 * authenticatorData and attStmt, not as browser JSON, so the test parses
 * the authenticatorData with wa_authdata_parse() (webauthn_priv.h) to fill
 * the struct attest_input the registration verifier would hand over.
 *
 * Two Windows Hello TPM credentials (RS256 and ES256 keys, both attested
 * with RS1) verify, untrusted without anchors and trusted under the
 * Microsoft TPM root; a packed ES256 credential whose certificate is X.509
 * version 1 (libfido2 takes it: it does not check §8.2.1) is refused; and
 * libfido2's negatives: duplicate and unsorted COSE key labels, a
 * credProtect the authenticator data does not carry, UV demanded but not
 * given, a wrong RP ID, a broken signature, a changed clientDataHash.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cbor.h>
#include <openssl/sha.h>

#include "attest.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "webauthn_priv.h"

#define HEX_MAX		(64 * 1024)
#define RP_ID		"localhost"
/* 2023-06-01T00:00:00Z: inside every fixture certificate's validity. */
#define NOW_VALID	((time_t)1685577600)
/* 2030-01-01T00:00:00Z: after the TPM leaves expired (2025 and 2027). */
#define NOW_EXPIRED	((time_t)1893456000)

static char	 topdir[PATH_MAX / 2];

/* A byte buffer read from a data file. */
struct blob {
	unsigned char	*p;
	size_t		 len;
};

/* Reads tests/data/attest/<name>.hex: hex digits, whitespace ignored. */
static struct blob
hex_load(const char *name)
{
	struct blob	 b;
	char		 path[PATH_MAX], *txt;
	size_t		 tlen, i, n = 0;
	int		 hi = -1, v;

	if (snprintf(path, sizeof(path), "%s/tests/data/attest/%s.hex", topdir, name) >=
	    (int)sizeof(path))
		fail_msg("path too long");
	if ((txt = util_read_file(path, HEX_MAX, &tlen)) == NULL)
		fail_msg("cannot read %s", path);
	assert_non_null(b.p = malloc(tlen / 2 + 1));
	for (i = 0; i < tlen; i++) {
		if (isspace((unsigned char)txt[i]))
			continue;
		if (!isxdigit((unsigned char)txt[i]))
			fail_msg("%s: not hex at offset %zu", path, i);
		v = isdigit((unsigned char)txt[i]) ? txt[i] - '0' :
		    tolower((unsigned char)txt[i]) - 'a' + 10;
		if (hi == -1)
			hi = v;
		else {
			b.p[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi != -1)
		fail_msg("%s: odd number of hex digits", path);
	b.len = n;
	free(txt);
	return b;
}

/*
 * libfido2 keeps authenticatorData as the CBOR byte string the authenticator
 * returned; the verifier takes the raw bytes inside it.
 */
static struct blob
authdata_load(const char *name)
{
	struct blob	 b, raw;
	size_t		 hdr, len;

	b = hex_load(name);
	assert_true(b.len > 3);
	if (b.p[0] == 0x58) {
		hdr = 2;
		len = b.p[1];
	} else {
		assert_int_equal(b.p[0], 0x59);
		hdr = 3;
		len = (size_t)b.p[1] << 8 | b.p[2];
	}
	assert_int_equal(hdr + len, b.len);
	assert_non_null(raw.p = malloc(len));
	memcpy(raw.p, b.p + hdr, len);
	raw.len = len;
	free(b.p);
	return raw;
}

/* One fixture: its data, the parsed authenticatorData and the input. */
struct fixture {
	struct blob		 authdata;
	struct blob		 attstmt;
	unsigned char		 cdh[32];
	struct wa_authdata	 ad;
	struct attest_input	 in;
	struct attest_trust	*trust;
};

/* Fills the input as webauthn.c would, from the parsed authenticatorData. */
static void
fx_input(struct fixture *fx, const char *fmt)
{
	struct wa_error	 err;

	memset(&err, 0, sizeof(err));
	if (wa_authdata_parse(fx->authdata.p, fx->authdata.len, WA_AD_REGISTER, &fx->ad,
	    &err) == -1)
		fail_msg("wa_authdata_parse: %s (%s)", wa_err_code(err.code), err.message);
	memset(&fx->in, 0, sizeof(fx->in));
	fx->in.fmt = fmt;
	fx->in.attstmt = fx->attstmt.p;
	fx->in.attstmt_len = fx->attstmt.len;
	fx->in.authdata = fx->authdata.p;
	fx->in.authdata_len = fx->authdata.len;
	fx->in.cdh = fx->cdh;
	fx->in.rp_id = RP_ID;
	fx->in.alg = fx->ad.key.alg;
	fx->in.cose = fx->ad.cose;
	fx->in.cose_len = fx->ad.cose_len;
	fx->in.aaguid = fx->ad.aaguid;
	fx->in.cred_id = fx->ad.cred_id;
	fx->in.cred_id_len = fx->ad.cred_id_len;
	fx->in.cred_protect = fx->ad.cred_protect;
	fx->in.hmac_secret = fx->ad.hmac_secret;
	fx->in.cred_blob = fx->ad.cred_blob;
	fx->in.min_pin_length = fx->ad.min_pin_length;
	fx->in.now = NOW_VALID;
}

/*
 * The TPM fixtures: libfido2 sets its "cdh" array with
 * fido_cred_set_clientdata(), so it is the client data and its SHA-256 is
 * the clientDataHash.
 */
static int
fx_setup_tpm(void **state, const char *authdata, const char *attstmt)
{
	struct fixture	*fx;
	struct blob	 cd;

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	cd = hex_load("fido2-cdh");
	SHA256(cd.p, cd.len, fx->cdh);
	free(cd.p);
	fx->authdata = authdata_load(authdata);
	fx->attstmt = hex_load(attstmt);
	fx_input(fx, "tpm");
	*state = fx;
	return 0;
}

static int
fx_setup_tpm_rs256(void **state)
{
	return fx_setup_tpm(state, "fido2-tpm-rs256-authdata", "fido2-tpm-rs256-attstmt");
}

static int
fx_setup_tpm_es256(void **state)
{
	return fx_setup_tpm(state, "fido2-tpm-es256-authdata", "fido2-tpm-es256-attstmt");
}

/* The packed fixture: cdh is the hash itself; attStmt {alg, sig, x5c} is built here. */
static int
fx_setup_packed(void **state)
{
	struct fixture	*fx;
	struct blob	 cdh, sig, x509;
	cbor_item_t	*map, *x5c;
	unsigned char	*buf = NULL;
	size_t		 buflen, len;
	struct cbor_pair pair;

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	cdh = hex_load("fido2-cdh");
	assert_int_equal(cdh.len, 32);
	memcpy(fx->cdh, cdh.p, 32);
	free(cdh.p);
	sig = hex_load("fido2-packed-sig");
	x509 = hex_load("fido2-packed-x509");
	assert_non_null(map = cbor_new_definite_map(3));
	pair.key = cbor_move(cbor_build_string("alg"));
	pair.value = cbor_move(cbor_build_negint8(6));	/* -7, ES256 */
	assert_true(cbor_map_add(map, pair));
	pair.key = cbor_move(cbor_build_string("sig"));
	pair.value = cbor_move(cbor_build_bytestring(sig.p, sig.len));
	assert_true(cbor_map_add(map, pair));
	assert_non_null(x5c = cbor_new_definite_array(1));
	assert_true(cbor_array_push(x5c, cbor_move(cbor_build_bytestring(x509.p, x509.len))));
	pair.key = cbor_move(cbor_build_string("x5c"));
	pair.value = cbor_move(x5c);
	assert_true(cbor_map_add(map, pair));
	assert_true((len = cbor_serialize_alloc(map, &buf, &buflen)) > 0);
	cbor_decref(&map);
	fx->attstmt.p = buf;
	fx->attstmt.len = len;
	free(sig.p);
	free(x509.p);
	fx->authdata = authdata_load("fido2-packed-authdata");
	fx_input(fx, "packed");
	*state = fx;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fixture	*fx = *state;

	free(fx->authdata.p);
	free(fx->attstmt.p);
	attest_trust_free(fx->trust);
	free(fx);
	return 0;
}

/* Loads a root from tests/data/webauthn/roots/ as the fixture's only anchor. */
static void
fx_trust(struct fixture *fx, const char *pem)
{
	char	path[PATH_MAX], err[256];

	if (snprintf(path, sizeof(path), "%s/tests/data/webauthn/roots/%s", topdir, pem) >=
	    (int)sizeof(path))
		fail_msg("path too long");
	attest_trust_free(fx->trust);
	assert_non_null(fx->trust = attest_trust_new());
	if (attest_trust_add_pem(fx->trust, path, err, sizeof(err)) == -1)
		fail_msg("%s: %s", path, err);
}

static void
expect_ok(struct fixture *fx, enum passkey_trust want)
{
	struct attest_result	 res;
	struct wa_error		 err;

	memset(&err, 0, sizeof(err));
	if (attest_verify(fx->trust, &fx->in, &res, &err) == -1)
		fail_msg("refused: %s (%s)", wa_err_code(err.code), err.message);
	if (res.trust != want)
		fail_msg("trust %s, expected %s", passkey_trust_name(res.trust),
		    passkey_trust_name(want));
	if (want == PASSKEY_TRUST_TRUSTED)
		assert_non_null(res.source);
	attest_result_clear(&res);
}

static void
expect_err(struct fixture *fx, enum wa_err want)
{
	struct attest_result	 res;
	struct wa_error		 err;

	memset(&err, 0, sizeof(err));
	if (attest_verify(fx->trust, &fx->in, &res, &err) == 0) {
		attest_result_clear(&res);
		fail_msg("accepted, expected %s", wa_err_code(want));
	}
	if (err.code != want)
		fail_msg("refused with %s (%s), expected %s", wa_err_code(err.code),
		    err.message, wa_err_code(want));
	assert_true(err.message[0] != '\0');
}

/* What libfido2's regress asserts of the credential, through our parser. */
static void
test_tpm_authdata(void **state)
{
	static const unsigned char aaguid_tpm[16] = {	/* Windows Hello */
		0x08, 0x98, 0x70, 0x58, 0xca, 0xdc, 0x4b, 0x81,
		0xb6, 0xe1, 0x30, 0xde, 0x50, 0xdc, 0xbe, 0x96,
	};
	static const unsigned char id_rs256[4] = { 0x89, 0x99, 0x6d, 0x5a };
	struct fixture	*fx = *state;

	assert_memory_equal(fx->ad.aaguid, aaguid_tpm, 16);
	assert_int_equal(fx->ad.cred_id_len, 32);
	assert_int_equal(fx->ad.flags, WA_FLAG_UP | WA_FLAG_UV | WA_FLAG_AT);
	assert_int_equal(fx->ad.cred_protect, 0);
	if (fx->ad.key.alg == COSE_ALG_RS256) {
		assert_int_equal(fx->ad.key.rawlen, 259);
		assert_memory_equal(fx->ad.cred_id, id_rs256, sizeof(id_rs256));
	} else {
		assert_int_equal(fx->ad.key.alg, COSE_ALG_ES256);
		assert_int_equal(fx->ad.key.rawlen, 64);
	}
}

static void
test_tpm_valid(void **state)
{
	struct fixture	*fx = *state;

	/* No anchors: a valid statement, recorded as untrusted. */
	expect_ok(fx, PASSKEY_TRUST_UNTRUSTED);
	/* UV is in the flags: demanding it changes nothing. */
	fx->in.require_uv = 1;
	expect_ok(fx, PASSKEY_TRUST_UNTRUSTED);
	/* An anchor that did not issue it. */
	fx_trust(fx, "w3c-attestation-ca.pem");
	expect_ok(fx, PASSKEY_TRUST_UNTRUSTED);
	/* The Microsoft TPM root: trusted while the AIK certificate is valid. */
	fx_trust(fx, "microsoft-tpm-root-2014.pem");
	expect_ok(fx, PASSKEY_TRUST_TRUSTED);
	fx->in.now = NOW_EXPIRED;
	expect_ok(fx, PASSKEY_TRUST_UNTRUSTED);
}

static void
test_tpm_faults(void **state)
{
	struct fixture	*fx = *state;
	unsigned char	*copy;

	/*
	 * libfido2 junk_cdh: the certInfo's extraData no longer matches
	 * (§8.3 step 4), which attest_tpm.c calls attestation_invalid.
	 */
	fx->cdh[0] ^= 0xff;
	expect_err(fx, WA_ATTESTATION_INVALID);
	fx->cdh[0] ^= 0xff;
	/* libfido2 wrong_credprot: a credProtect the authenticator data lacks. */
	fx->in.cred_protect = 2;	/* userVerificationOptionalWithCredentialIDList */
	expect_err(fx, WA_ATTESTATION_INVALID);
	fx->in.cred_protect = 0;
	/* libfido2 junk_rp_id: the rpIdHash is for "localhost". */
	fx->in.rp_id = "potato";
	expect_err(fx, WA_ATTESTATION_INVALID);
	fx->in.rp_id = RP_ID;
	/* The AIK signature over certInfo, one bit off (sig starts at offset 15). */
	assert_non_null(copy = malloc(fx->attstmt.len));
	memcpy(copy, fx->attstmt.p, fx->attstmt.len);
	assert_int_equal(copy[12], 0x59);	/* sig: bytes(256) */
	copy[15] ^= 0x01;
	fx->in.attstmt = copy;
	expect_err(fx, WA_BAD_SIGNATURE);
	copy[15] ^= 0x01;
	/* One byte short, and one byte after the map. */
	fx->in.attstmt_len = fx->attstmt.len - 1;
	expect_err(fx, WA_ATTESTATION_INVALID);
	free(copy);
	assert_non_null(copy = malloc(fx->attstmt.len + 1));
	memcpy(copy, fx->attstmt.p, fx->attstmt.len);
	copy[fx->attstmt.len] = 0x00;
	fx->in.attstmt = copy;
	fx->in.attstmt_len = fx->attstmt.len + 1;
	expect_err(fx, WA_ATTESTATION_INVALID);
	free(copy);
	fx->in.attstmt = fx->attstmt.p;
	fx->in.attstmt_len = fx->attstmt.len;
	/* The statement under another format's name. */
	fx->in.fmt = "packed";
	expect_err(fx, WA_ATTESTATION_INVALID);
	fx->in.fmt = "tpm";
	expect_ok(fx, PASSKEY_TRUST_UNTRUSTED);
}

/*
 * libfido2 valid_cred verifies this packed statement, but its certificate
 * is X.509 version 1 with a bare CN subject: §8.2.1 demands version 3 and
 * C, O, OU "Authenticator Attestation", CN.  Refused, whatever else holds.
 */
static void
test_packed_v1_certificate(void **state)
{
	struct fixture	*fx = *state;

	assert_int_equal(fx->ad.key.alg, COSE_ALG_ES256);
	assert_int_equal(fx->ad.cred_id_len, 64);
	assert_int_equal(fx->ad.flags, WA_FLAG_UP | WA_FLAG_AT);
	expect_err(fx, WA_ATTESTATION_INVALID);
	/* libfido2 wrong_options and wrong_credprot: refused as well. */
	fx->in.require_uv = 1;
	expect_err(fx, WA_ATTESTATION_INVALID);
	fx->in.require_uv = 0;
	fx->in.cred_protect = 2;
	expect_err(fx, WA_ATTESTATION_INVALID);
}

/* libfido2 fmt_none: "none" takes only an empty map; nothing to verify then. */
static void
test_fmt_none(void **state)
{
	static const unsigned char empty_map[1] = { 0xa0 };
	struct fixture	*fx = *state;

	fx->in.fmt = "none";
	expect_err(fx, WA_ATTESTATION_INVALID);
	fx->in.attstmt = empty_map;
	fx->in.attstmt_len = sizeof(empty_map);
	expect_ok(fx, PASSKEY_TRUST_NONE);
	fx->in.attstmt = fx->attstmt.p;
	fx->in.attstmt_len = fx->attstmt.len;
}

/*
 * libfido2 duplicate_keys and unsorted_keys: COSE keys with label 1 twice,
 * and with labels out of canonical order.  The authenticator data parser
 * refuses both (§6.5.1: CTAP2 canonical CBOR), and so does attest_verify
 * when handed such authenticator data behind a good parse.
 */
static void
test_cose_key_labels(void **state)
{
	static const char *const bad[] = {
		"fido2-packed-authdata-dupkeys", "fido2-packed-authdata-unsorted",
	};
	struct fixture		*fx = *state;
	struct wa_authdata	 ad;
	struct wa_error		 err;
	struct blob		 b;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = authdata_load(bad[i]);
		memset(&err, 0, sizeof(err));
		if (wa_authdata_parse(b.p, b.len, WA_AD_REGISTER, &ad, &err) == 0)
			fail_msg("%s: accepted by wa_authdata_parse", bad[i]);
		if (err.code != WA_KEY_UNSUPPORTED && err.code != WA_CBOR_MALFORMED)
			fail_msg("%s: %s (%s), expected key_unsupported or cbor_malformed",
			    bad[i], wa_err_code(err.code), err.message);
		fx->in.authdata = b.p;
		fx->in.authdata_len = b.len;
		expect_err(fx, WA_ATTESTATION_INVALID);
		free(b.p);
	}
	fx->in.authdata = fx->authdata.p;
	fx->in.authdata_len = fx->authdata.len;
}

#define TPM_RS(f)	cmocka_unit_test_setup_teardown(f, fx_setup_tpm_rs256, fx_teardown)
#define TPM_ES(f)	cmocka_unit_test_setup_teardown(f, fx_setup_tpm_es256, fx_teardown)
#define PACKED(f)	cmocka_unit_test_setup_teardown(f, fx_setup_packed, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TPM_RS(test_tpm_authdata),
		TPM_RS(test_tpm_valid),
		TPM_RS(test_tpm_faults),
		TPM_ES(test_tpm_authdata),
		TPM_ES(test_tpm_valid),
		TPM_ES(test_tpm_faults),
		PACKED(test_packed_v1_certificate),
		PACKED(test_fmt_none),
		PACKED(test_cose_key_labels),
	};
	const char	*top;

	if ((top = getenv("top_srcdir")) == NULL)
		top = ".";
	if (snprintf(topdir, sizeof(topdir), "%s", top) >= (int)sizeof(topdir)) {
		fprintf(stderr, "top_srcdir is too long\n");
		return 1;
	}
	return cmocka_run_group_tests_name("attest fixtures", tests, NULL, NULL);
}
