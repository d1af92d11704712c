/*
 * test_webauthn.c: the relying-party verifier through its public API
 * (webauthn.h, passkey.h, attest.h).  It runs every case file in
 * tests/data/webauthn/ (test_webauthn_cases.c), then mints responses with
 * softauthn and makes the verifier refuse each of them with the most
 * specific error code: every code of webauthn.h is produced.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "attest.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "softauthn.h"
#include "wa_cases.h"

#define RP_ID		"login.example.com"
#define ORIGIN		"https://login.example.com"

static const int default_algs[] = { -7, -35, -257, -8 };
static const unsigned char challenge[32] = "latchkey-test-challenge-32-bytes";

struct fixture {
	struct wa_policy	 p;
	const char		*origins[1];
	struct sa_opts		 o;
	struct sa_cred		*cred;
};

static int
fx_setup_alg(void **state, int alg, size_t idlen, int rsa_bits)
{
	struct fixture	*fx;

	fx = calloc(1, sizeof(*fx));
	if (fx == NULL)
		return -1;
	fx->origins[0] = ORIGIN;
	fx->p.rp_id = RP_ID;
	fx->p.origins = fx->origins;
	fx->p.norigins = 1;
	fx->p.algs = default_algs;
	fx->p.nalgs = sizeof(default_algs) / sizeof(default_algs[0]);
	sa_opts_init(&fx->o, RP_ID, ORIGIN, challenge, sizeof(challenge));
	if ((fx->cred = sa_cred_new(alg, idlen, rsa_bits)) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
fx_setup(void **state)
{
	return fx_setup_alg(state, -7, 32, 0);
}

static int
fx_teardown(void **state)
{
	struct fixture	*fx = *state;

	sa_cred_free(fx->cred);
	free(fx);
	return 0;
}

/* Registers with the fixture's options; returns rc, the record, the error. */
static int
reg(struct fixture *fx, struct passkey **pk, struct wa_error *err)
{
	char	*json;
	int	 rc;

	assert_non_null(json = sa_register(fx->cred, &fx->o));
	*pk = NULL;
	memset(err, 0, sizeof(*err));
	rc = wa_register(&fx->p, challenge, sizeof(challenge), json, strlen(json), pk, err);
	free(json);
	if (rc == 0)
		assert_non_null(*pk);
	return rc;
}

static void
expect_reg_ok(struct fixture *fx, struct passkey **pk)
{
	struct wa_error	 err;

	if (reg(fx, pk, &err) != 0)
		fail_msg("registration refused: %s (%s)", wa_err_code(err.code), err.message);
}

static void
expect_reg_err(struct fixture *fx, enum wa_err want)
{
	struct passkey	*pk;
	struct wa_error	 err;

	if (reg(fx, &pk, &err) == 0) {
		passkey_free(pk);
		fail_msg("registration accepted, expected %s", wa_err_code(want));
	}
	if (err.code != want)
		fail_msg("registration refused with %s (%s), expected %s",
		    wa_err_code(err.code), err.message, wa_err_code(want));
	assert_true(err.message[0] != '\0');
}

/* Verifies a JSON assertion against stored; returns rc and *updated. */
static int
auth_json(struct fixture *fx, const char *json, const struct passkey *stored,
    struct passkey **updated, struct wa_error *err)
{
	struct wa_assertion	*as = NULL;
	int			 rc;

	*updated = NULL;
	memset(err, 0, sizeof(*err));
	if ((rc = wa_assertion_parse(json, strlen(json), &as, err)) == 0)
		rc = wa_authenticate(&fx->p, challenge, sizeof(challenge), as, stored,
		    updated, err);
	wa_assertion_free(as);
	return rc;
}

static int
auth(struct fixture *fx, const struct passkey *stored, struct passkey **updated,
    struct wa_error *err)
{
	char	*json;
	int	 rc;

	assert_non_null(json = sa_assert(fx->cred, &fx->o));
	rc = auth_json(fx, json, stored, updated, err);
	free(json);
	return rc;
}

static void
expect_auth_ok(struct fixture *fx, const struct passkey *stored, struct passkey **updated)
{
	struct wa_error	 err;

	if (auth(fx, stored, updated, &err) != 0)
		fail_msg("assertion refused: %s (%s)", wa_err_code(err.code), err.message);
	assert_non_null(*updated);
}

static void
expect_auth_err(struct fixture *fx, const struct passkey *stored, enum wa_err want)
{
	struct passkey	*up;
	struct wa_error	 err;

	if (auth(fx, stored, &up, &err) == 0) {
		passkey_free(up);
		fail_msg("assertion accepted, expected %s", wa_err_code(want));
	}
	if (err.code != want)
		fail_msg("assertion refused with %s (%s), expected %s",
		    wa_err_code(err.code), err.message, wa_err_code(want));
	assert_true(err.message[0] != '\0');
}

/* Replaces response.<field> (or the top-level field when sub is 0) in a JSON text. */
static char *
json_replace(const char *json, int sub, const char *field, const char *value)
{
	json_t	*j, *o;
	char	*out;

	assert_non_null(j = json_loads(json, 0, NULL));
	o = sub ? json_object_get(j, "response") : j;
	assert_non_null(o);
	json_object_set_new(o, field, json_string(value));
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return out;
}

static void
test_register_and_sign_in(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk, *up, *again;
	char		*enc, perr[256];
	size_t		 len;
	const unsigned char *uh;
	char		*json;
	struct wa_assertion *as;
	struct wa_error	 err;

	expect_reg_ok(fx, &pk);
	assert_string_equal(pk->fmt, "none");
	assert_int_equal(pk->trust, PASSKEY_TRUST_NONE);
	assert_string_equal(passkey_type(pk), "device-bound");
	assert_int_equal(pk->alg, -7);
	assert_int_equal(pk->idlen, 32);
	assert_memory_equal(pk->id, fx->cred->id, 32);
	assert_true(pk->uv);

	/* The record survives the directory: encode, decode, then sign in. */
	assert_non_null(enc = passkey_encode(pk));
	again = passkey_decode(enc, strlen(enc), perr, sizeof(perr));
	if (again == NULL)
		fail_msg("passkey_decode: %s", perr);
	free(enc);
	fx->cred->count = 1;
	fx->o.user_handle = (const unsigned char *)"user-42";
	fx->o.user_handle_len = 7;
	expect_auth_ok(fx, again, &up);
	assert_int_equal(up->sign_count, 1);

	assert_non_null(json = sa_assert(fx->cred, &fx->o));
	assert_int_equal(wa_assertion_parse(json, strlen(json), &as, &err), 0);
	uh = wa_assertion_user_handle(as, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(uh, "user-42", 7);
	uh = wa_assertion_id(as, &len);
	assert_int_equal(len, 32);
	assert_memory_equal(uh, fx->cred->id, 32);
	wa_assertion_free(as);
	free(json);
	passkey_free(up);
	passkey_free(again);
	passkey_free(pk);
}

/* Every algorithm latchkey offers registers and signs in, fmt none and packed self. */
static void
test_algorithms(void **state)
{
	static const int algs[] = { -7, -35, -257, -8 };
	struct fixture	*fx = *state;
	struct passkey	*pk, *up;
	size_t		 i;
	int		 self;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		for (self = 0; self < 2; self++) {
			sa_cred_free(fx->cred);
			assert_non_null(fx->cred = sa_cred_new(algs[i], 16, 0));
			fx->o.fmt = self ? "packed" : "none";
			fx->cred->count = 0;
			expect_reg_ok(fx, &pk);
			assert_int_equal(pk->alg, algs[i]);
			assert_int_equal(pk->trust, self ? PASSKEY_TRUST_SELF : PASSKEY_TRUST_NONE);
			fx->cred->count = 1;
			expect_auth_ok(fx, pk, &up);
			passkey_free(up);
			passkey_free(pk);
		}
	}
}

static void
test_synced_device_bound(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;

	fx->o.flags = SA_UP | SA_UV | SA_BE | SA_BS;
	expect_reg_ok(fx, &pk);
	assert_string_equal(passkey_type(pk), "synced");
	assert_true(pk->be);
	assert_true(pk->bs);
	assert_false(passkey_attested_device_bound(pk));
	passkey_free(pk);
	fx->o.flags = SA_UP | SA_UV | SA_BE;
	expect_reg_ok(fx, &pk);
	assert_string_equal(passkey_type(pk), "synced");
	assert_false(pk->bs);
	passkey_free(pk);
	fx->o.flags = SA_UP;
	expect_reg_ok(fx, &pk);
	assert_string_equal(passkey_type(pk), "device-bound");
	assert_false(pk->uv);
	assert_false(passkey_attested_device_bound(pk));
	passkey_free(pk);
}

/* Packed full attestation by a test CA: trusted, untrusted, refused. */
static void
test_attestation_trust(void **state)
{
	struct fixture		*fx = *state;
	struct sa_ca		*ca, *other;
	struct attest_trust	*trust;
	struct passkey		*pk;
	char			*pem, err[256];

	assert_non_null(ca = sa_ca_new("latchkey test attestation CA"));
	assert_non_null(other = sa_ca_new("latchkey unknown CA"));
	assert_non_null(trust = attest_trust_new());
	assert_non_null(pem = sa_ca_pem(ca));
	if (attest_trust_add_pem_mem(trust, pem, strlen(pem), err, sizeof(err)) == -1)
		fail_msg("attest_trust_add_pem_mem: %s", err);
	free(pem);
	fx->p.trust = trust;
	fx->o.fmt = "packed";
	fx->o.ca = ca;

	expect_reg_ok(fx, &pk);
	assert_string_equal(pk->fmt, "packed");
	assert_int_equal(pk->trust, PASSKEY_TRUST_TRUSTED);
	assert_non_null(pk->trust_source);
	assert_string_equal(passkey_type(pk), "device-bound");
	assert_true(passkey_attested_device_bound(pk));
	passkey_free(pk);

	/* Synced with trusted attestation is not "attested device-bound". */
	fx->o.flags = SA_UP | SA_UV | SA_BE;
	expect_reg_ok(fx, &pk);
	assert_int_equal(pk->trust, PASSKEY_TRUST_TRUSTED);
	assert_false(passkey_attested_device_bound(pk));
	passkey_free(pk);
	fx->o.flags = SA_UP | SA_UV;

	/* An unknown CA: recorded as untrusted, or refused when trust is required. */
	fx->o.ca = other;
	expect_reg_ok(fx, &pk);
	assert_int_equal(pk->trust, PASSKEY_TRUST_UNTRUSTED);
	assert_false(passkey_attested_device_bound(pk));
	passkey_free(pk);
	fx->p.require_trusted_attestation = 1;
	expect_reg_err(fx, WA_ATTESTATION_UNTRUSTED);
	/* No anchors at all. */
	fx->p.trust = NULL;
	expect_reg_err(fx, WA_ATTESTATION_UNTRUSTED);
	/* Self attestation cannot satisfy a demand for trust either. */
	fx->o.ca = NULL;
	expect_reg_err(fx, WA_ATTESTATION_UNTRUSTED);

	/* A leaf that breaks §8.2.1: wrong AAGUID extension, wrong OU. */
	fx->p.require_trusted_attestation = 0;
	fx->p.trust = trust;
	fx->o.ca = ca;
	fx->o.cert_bad_aaguid = 1;
	expect_reg_err(fx, WA_ATTESTATION_INVALID);
	fx->o.cert_bad_aaguid = 0;
	fx->o.cert_bad_ou = 1;
	expect_reg_err(fx, WA_ATTESTATION_INVALID);

	attest_trust_free(trust);
	sa_ca_free(ca);
	sa_ca_free(other);
}

static void
test_json_malformed(void **state)
{
	struct fixture		*fx = *state;
	struct passkey		*pk = NULL;
	struct wa_assertion	*as = NULL;
	struct wa_error		 err;
	char			*json, *bad;
	static const char *const garbage[] = {
		"", "{", "[]", "null", "{\"id\":1}", "{\"id\":\"AA\",\"type\":\"public-key\"}",
	};
	size_t			 i;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(wa_register(&fx->p, challenge, sizeof(challenge), garbage[i],
		    strlen(garbage[i]), &pk, &err), -1);
		assert_string_equal(wa_err_code(err.code), "json_malformed");
		memset(&err, 0, sizeof(err));
		assert_int_equal(wa_assertion_parse(garbage[i], strlen(garbage[i]), &as, &err), -1);
		assert_string_equal(wa_err_code(err.code), "json_malformed");
	}
	/* clientDataJSON that is not JSON, and not base64url. */
	assert_non_null(json = sa_register(fx->cred, &fx->o));
	bad = json_replace(json, 1, "clientDataJSON", "bm90IGpzb24");	/* "not json" */
	memset(&err, 0, sizeof(err));
	assert_int_equal(wa_register(&fx->p, challenge, sizeof(challenge), bad, strlen(bad),
	    &pk, &err), -1);
	assert_string_equal(wa_err_code(err.code), "json_malformed");
	free(bad);
	bad = json_replace(json, 1, "clientDataJSON", "!!!");
	memset(&err, 0, sizeof(err));
	assert_int_equal(wa_register(&fx->p, challenge, sizeof(challenge), bad, strlen(bad),
	    &pk, &err), -1);
	assert_string_equal(wa_err_code(err.code), "json_malformed");
	free(bad);
	free(json);
}

static void
test_cbor_malformed(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk = NULL;
	struct wa_error	 err;
	char		*json, *bad;
	static const char *const garbage[] = {
		"_w",		/* 0xff: a lone break */
		"oWNmbXQ",	/* map(1) "fmt" and nothing after */
		"gA",		/* an empty array, not a map */
		"uQAA",		/* map(65535) announced, nothing there */
	};
	size_t		 i;

	assert_non_null(json = sa_register(fx->cred, &fx->o));
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		bad = json_replace(json, 1, "attestationObject", garbage[i]);
		memset(&err, 0, sizeof(err));
		assert_int_equal(wa_register(&fx->p, challenge, sizeof(challenge), bad,
		    strlen(bad), &pk, &err), -1);
		if (err.code != WA_CBOR_MALFORMED)
			fail_msg("attestationObject %s: %s (%s), expected cbor_malformed",
			    garbage[i], wa_err_code(err.code), err.message);
		free(bad);
	}
	free(json);
}

static void
test_client_data(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;
	const char	*tops[1] = { "https://portal.example.net" };

	fx->o.type = "webauthn.get";
	expect_reg_err(fx, WA_CLIENT_DATA_TYPE);
	fx->o.type = "payment.get";
	expect_reg_err(fx, WA_CLIENT_DATA_TYPE);
	fx->o.type = NULL;
	fx->o.challenge = (const unsigned char *)"another challenge";
	fx->o.challenge_len = 17;
	expect_reg_err(fx, WA_CHALLENGE_MISMATCH);
	fx->o.challenge = challenge;
	fx->o.challenge_len = sizeof(challenge) - 1;
	expect_reg_err(fx, WA_CHALLENGE_MISMATCH);
	fx->o.challenge_len = sizeof(challenge);
	fx->o.origin = "https://login.example.com.evil.example";
	expect_reg_err(fx, WA_ORIGIN_MISMATCH);
	fx->o.origin = "http://login.example.com";
	expect_reg_err(fx, WA_ORIGIN_MISMATCH);
	fx->o.origin = ORIGIN;

	/* §7.1 steps 10-11: crossOrigin and topOrigin against the policy. */
	fx->o.cross_origin = 1;
	expect_reg_err(fx, WA_CROSS_ORIGIN);
	fx->p.allow_cross_origin = 1;
	expect_reg_ok(fx, &pk);
	passkey_free(pk);
	fx->o.top_origin = tops[0];
	expect_reg_err(fx, WA_CROSS_ORIGIN);	/* no topOrigin is configured */
	fx->p.top_origins = tops;
	fx->p.ntop_origins = 1;
	expect_reg_ok(fx, &pk);
	passkey_free(pk);
	fx->o.top_origin = "https://evil.example";
	expect_reg_err(fx, WA_CROSS_ORIGIN);
	/* crossOrigin absent is the same as false. */
	fx->p.allow_cross_origin = 0;
	fx->o.top_origin = NULL;
	fx->o.cross_origin = -1;
	expect_reg_ok(fx, &pk);
	passkey_free(pk);
}

static void
test_client_data_assertion(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;

	expect_reg_ok(fx, &pk);
	fx->o.type = "webauthn.create";
	expect_auth_err(fx, pk, WA_CLIENT_DATA_TYPE);
	fx->o.type = NULL;
	fx->o.challenge = (const unsigned char *)"x";
	fx->o.challenge_len = 1;
	expect_auth_err(fx, pk, WA_CHALLENGE_MISMATCH);
	fx->o.challenge = challenge;
	fx->o.challenge_len = sizeof(challenge);
	fx->o.origin = "https://evil.example";
	expect_auth_err(fx, pk, WA_ORIGIN_MISMATCH);
	fx->o.origin = ORIGIN;
	fx->o.cross_origin = 1;
	expect_auth_err(fx, pk, WA_CROSS_ORIGIN);
	fx->o.cross_origin = 0;
	fx->o.rp_id = "example.com";
	expect_auth_err(fx, pk, WA_RP_ID_HASH);
	passkey_free(pk);
}

static void
test_rp_id_hash(void **state)
{
	struct fixture	*fx = *state;

	fx->o.rp_id = "example.com";	/* a parent domain is another RP ID */
	expect_reg_err(fx, WA_RP_ID_HASH);
	fx->o.fmt = "packed";		/* the same with a statement to verify */
	expect_reg_err(fx, WA_RP_ID_HASH);
}

static void
test_flags(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;

	fx->o.flags = SA_UV;
	expect_reg_err(fx, WA_UP_MISSING);
	fx->o.flags = 0;
	fx->o.fmt = "packed";
	expect_reg_err(fx, WA_UP_MISSING);
	fx->o.fmt = "none";
	fx->o.flags = SA_UP;
	fx->p.require_uv = 1;
	expect_reg_err(fx, WA_UV_REQUIRED);
	fx->p.require_uv = 0;
	fx->o.flags = SA_UP | SA_BS;
	expect_reg_err(fx, WA_BS_WITHOUT_BE);

	/* The same at sign-in. */
	fx->o.flags = SA_UP;
	expect_reg_ok(fx, &pk);
	fx->o.flags = SA_UV;
	expect_auth_err(fx, pk, WA_UP_MISSING);
	fx->o.flags = SA_UP;
	fx->p.require_uv = 1;
	expect_auth_err(fx, pk, WA_UV_REQUIRED);
	fx->p.require_uv = 0;
	fx->o.flags = SA_UP | SA_BS;
	expect_auth_err(fx, pk, WA_BS_WITHOUT_BE);
	passkey_free(pk);
}

/* §7.2 step 19: a credential never changes its backup eligibility. */
static void
test_be_changed(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk, *up;

	fx->o.flags = SA_UP | SA_UV | SA_BE;
	expect_reg_ok(fx, &pk);
	fx->o.flags = SA_UP | SA_UV;
	expect_auth_err(fx, pk, WA_BE_CHANGED);
	/* BS may change: the record follows it. */
	fx->o.flags = SA_UP | SA_UV | SA_BE | SA_BS;
	expect_auth_ok(fx, pk, &up);
	assert_true(up->bs);
	passkey_free(up);
	passkey_free(pk);

	fx->o.flags = SA_UP | SA_UV;
	expect_reg_ok(fx, &pk);
	fx->o.flags = SA_UP | SA_UV | SA_BE;
	expect_auth_err(fx, pk, WA_BE_CHANGED);
	passkey_free(pk);
}

/* §7.2 step 22 and the clone policy. */
static void
test_counter(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk, *up;

	fx->cred->count = 0;
	expect_reg_ok(fx, &pk);
	assert_int_equal(pk->sign_count, 0);
	/* Both counters 0: synced passkeys never count, and that passes. */
	expect_auth_ok(fx, pk, &up);
	assert_int_equal(up->sign_count, 0);
	passkey_free(up);
	passkey_free(pk);

	fx->cred->count = 5;
	expect_reg_ok(fx, &pk);
	assert_int_equal(pk->sign_count, 5);
	fx->cred->count = 5;
	expect_auth_err(fx, pk, WA_COUNTER_REGRESSION);
	fx->cred->count = 3;
	expect_auth_err(fx, pk, WA_COUNTER_REGRESSION);
	fx->cred->count = 0;
	expect_auth_err(fx, pk, WA_COUNTER_REGRESSION);
	fx->cred->count = 6;
	expect_auth_ok(fx, pk, &up);
	assert_int_equal(up->sign_count, 6);
	passkey_free(up);
	/* allow_clone tolerates the regression. */
	fx->p.allow_clone = 1;
	fx->cred->count = 3;
	expect_auth_ok(fx, pk, &up);
	passkey_free(up);
	passkey_free(pk);
}

static void
test_bad_signature(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;
	struct sa_cred	*saved;

	expect_reg_ok(fx, &pk);
	fx->cred->count = 1;
	fx->o.bad_signature = 1;
	expect_auth_err(fx, pk, WA_BAD_SIGNATURE);
	fx->o.bad_signature = 0;
	/* A signature by another key under this credential's id. */
	saved = fx->cred;
	assert_non_null(fx->cred = sa_cred_new(-7, 32, 0));
	memcpy(fx->cred->id, saved->id, saved->idlen);
	fx->cred->idlen = saved->idlen;
	fx->cred->count = 1;
	expect_auth_err(fx, pk, WA_BAD_SIGNATURE);
	sa_cred_free(fx->cred);
	fx->cred = saved;
	passkey_free(pk);

	/* Packed self attestation with a broken signature. */
	fx->o.fmt = "packed";
	fx->o.bad_signature = 1;
	expect_reg_err(fx, WA_BAD_SIGNATURE);
}

static void
test_alg_not_allowed(void **state)
{
	static const int only_es256[] = { -7 };
	struct fixture	*fx = *state;
	struct passkey	*pk;

	fx->p.algs = only_es256;
	fx->p.nalgs = 1;
	expect_reg_ok(fx, &pk);
	passkey_free(pk);
	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-35, 32, 0));
	expect_reg_err(fx, WA_ALG_NOT_ALLOWED);
	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-8, 32, 0));
	expect_reg_err(fx, WA_ALG_NOT_ALLOWED);
	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-257, 32, 0));
	expect_reg_err(fx, WA_ALG_NOT_ALLOWED);
}

/* §7.1 step 25: at most 1023 bytes. */
static void
test_cred_id_length(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk, *up;

	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-7, 1023, 0));
	expect_reg_ok(fx, &pk);
	assert_int_equal(pk->idlen, 1023);
	fx->cred->count = 1;
	expect_auth_ok(fx, pk, &up);
	passkey_free(up);
	passkey_free(pk);
	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-7, 1024, 0));
	expect_reg_err(fx, WA_CRED_ID_TOO_LONG);
	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-7, 2000, 0));
	expect_reg_err(fx, WA_CRED_ID_TOO_LONG);
}

static void
test_trailing_bytes(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;

	fx->o.trailing_attobj = 1;
	expect_reg_err(fx, WA_TRAILING_BYTES);
	fx->o.trailing_attobj = 0;
	fx->o.trailing_authdata = 1;
	expect_reg_err(fx, WA_TRAILING_BYTES);
	fx->o.trailing_authdata = 16;
	fx->o.fmt = "packed";
	expect_reg_err(fx, WA_TRAILING_BYTES);
	fx->o.fmt = "none";
	fx->o.trailing_authdata = 0;
	expect_reg_ok(fx, &pk);
	fx->cred->count = 1;
	fx->o.trailing_authdata = 1;
	expect_auth_err(fx, pk, WA_TRAILING_BYTES);
	passkey_free(pk);
}

static void
test_format_unsupported(void **state)
{
	struct fixture	*fx = *state;

	fx->o.fmt = "android-safetynet";
	expect_reg_err(fx, WA_FORMAT_UNSUPPORTED);
	fx->o.fmt = "foo";
	expect_reg_err(fx, WA_FORMAT_UNSUPPORTED);
	fx->o.fmt = "Packed";	/* §7.1 step 21: formats match case-sensitively */
	expect_reg_err(fx, WA_FORMAT_UNSUPPORTED);
}

static void
test_credential_mismatch(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk;
	struct sa_cred	*saved;
	struct passkey	*up;
	struct wa_error	 err;
	char		*json, *bad, *other;

	expect_reg_ok(fx, &pk);
	/* An assertion by another credential checked against this record. */
	saved = fx->cred;
	assert_non_null(fx->cred = sa_cred_new(-7, 32, 0));
	expect_auth_err(fx, pk, WA_CREDENTIAL_MISMATCH);
	sa_cred_free(fx->cred);
	fx->cred = saved;
	/* id and rawId that disagree. */
	fx->cred->count = 1;
	assert_non_null(json = sa_assert(fx->cred, &fx->o));
	other = util_b64url_encode("another id", 10);
	bad = json_replace(json, 0, "id", other);
	if (auth_json(fx, bad, pk, &up, &err) == 0) {
		passkey_free(up);
		fail_msg("an assertion whose id differs from rawId was accepted");
	}
	free(bad);
	free(other);
	free(json);
	passkey_free(pk);
}

static void
test_authdata_malformed(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk, *up;
	struct wa_error	 err;
	char		*json, *bad;

	fx->o.no_at = 1;	/* a registration without attested credential data */
	expect_reg_err(fx, WA_AUTHDATA_MALFORMED);
	fx->o.no_at = 0;
	expect_reg_ok(fx, &pk);
	fx->cred->count = 1;
	fx->o.set_at = 1;	/* AT in an assertion */
	expect_auth_err(fx, pk, WA_AUTHDATA_MALFORMED);
	fx->o.set_at = 0;
	/* authenticatorData shorter than its 37-byte header. */
	assert_non_null(json = sa_assert(fx->cred, &fx->o));
	bad = json_replace(json, 1, "authenticatorData", "AAAAAAAAAAAAAAAAAAAAAAAAAA");
	if (auth_json(fx, bad, pk, &up, &err) == 0) {
		passkey_free(up);
		fail_msg("a 19-byte authenticatorData was accepted");
	}
	if (err.code != WA_AUTHDATA_MALFORMED)
		fail_msg("short authenticatorData: %s (%s), expected authdata_malformed",
		    wa_err_code(err.code), err.message);
	free(bad);
	free(json);
	passkey_free(pk);
}

static void
test_key_unsupported(void **state)
{
	struct fixture	*fx = *state;
	/* EC2 key that says P-384 (crv 2) for ES256, with 32-byte coordinates. */
	static const unsigned char wrong_crv[] = {
		0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x02, 0x21, 0x58, 0x20,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x22, 0x58, 0x20,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};
	/* A well-formed P-256 key whose point is not on the curve. */
	static const unsigned char off_curve[] = {
		0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x22, 0x58, 0x20,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	};

	fx->o.cose_override = wrong_crv;
	fx->o.cose_override_len = sizeof(wrong_crv);
	expect_reg_err(fx, WA_KEY_UNSUPPORTED);
	fx->o.cose_override = off_curve;
	fx->o.cose_override_len = sizeof(off_curve);
	expect_reg_err(fx, WA_KEY_UNSUPPORTED);
	fx->o.cose_override = NULL;
	/* RSA that is not 2048-bit. */
	sa_cred_free(fx->cred);
	assert_non_null(fx->cred = sa_cred_new(-257, 32, 1024));
	expect_reg_err(fx, WA_KEY_UNSUPPORTED);
}

/* A record from the directory that does not fit the assertion's key is refused, not crashed on. */
static void
test_stored_record_untrusted(void **state)
{
	struct fixture	*fx = *state;
	struct passkey	*pk, *up;
	struct wa_error	 err;

	expect_reg_ok(fx, &pk);
	fx->cred->count = 1;
	pk->pubkeylen = 10;		/* a truncated COSE key */
	if (auth(fx, pk, &up, &err) == 0) {
		passkey_free(up);
		fail_msg("an assertion against a truncated stored key was accepted");
	}
	passkey_free(pk);
}

/* Every error code has its string, and wa_fail fills the error. */
static void
test_error_codes(void **state)
{
	static const char *const codes[] = {
		"json_malformed", "cbor_malformed", "client_data_type", "challenge_mismatch",
		"origin_mismatch", "cross_origin", "rp_id_hash", "up_missing", "uv_required",
		"bs_without_be", "be_changed", "counter_regression", "bad_signature",
		"alg_not_allowed", "cred_id_too_long", "trailing_bytes", "attestation_invalid",
		"attestation_untrusted", "format_unsupported", "credential_mismatch",
		"authdata_malformed", "key_unsupported", "internal",
	};
	struct wa_error	 err;
	int		 i;

	(void)state;
	for (i = 1; i < WA_ERR_MAX; i++)
		assert_string_equal(wa_err_code((enum wa_err)i), codes[i - 1]);
	assert_int_equal(wa_fail(&err, WA_BE_CHANGED, "flag %d", 3), -1);
	assert_int_equal(err.code, WA_BE_CHANGED);
	assert_string_equal(err.message, "flag 3");
	assert_int_equal(wa_fail(NULL, WA_BE_CHANGED, "x"), -1);
}

#define FX(f)	cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest minted[] = {
		cmocka_unit_test(test_error_codes),
		FX(test_register_and_sign_in),
		FX(test_algorithms),
		FX(test_synced_device_bound),
		FX(test_attestation_trust),
		FX(test_json_malformed),
		FX(test_cbor_malformed),
		FX(test_client_data),
		FX(test_client_data_assertion),
		FX(test_rp_id_hash),
		FX(test_flags),
		FX(test_be_changed),
		FX(test_counter),
		FX(test_bad_signature),
		FX(test_alg_not_allowed),
		FX(test_cred_id_length),
		FX(test_trailing_bytes),
		FX(test_format_unsupported),
		FX(test_credential_mismatch),
		FX(test_authdata_malformed),
		FX(test_key_unsupported),
		FX(test_stored_record_untrusted),
	};
	struct CMUnitTest	*cases;
	glob_t			 g;
	size_t			 i, nminted;
	int			 failed;

	if (cases_glob(&g) == -1)
		return 1;
	/* One group, so that the TAP output has one plan. */
	nminted = sizeof(minted) / sizeof(minted[0]);
	if ((cases = calloc(g.gl_pathc + nminted, sizeof(*cases))) == NULL)
		return 1;
	for (i = 0; i < g.gl_pathc; i++) {
		cases[i].name = strrchr(g.gl_pathv[i], '/') + 1;
		cases[i].test_func = cases_run;
		cases[i].initial_state = g.gl_pathv[i];
	}
	memcpy(cases + g.gl_pathc, minted, sizeof(minted));
	failed = _cmocka_run_group_tests("webauthn", cases, g.gl_pathc + nminted, NULL, NULL);
	free(cases);
	globfree(&g);
	return failed != 0;
}
