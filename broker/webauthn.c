/*
 * webauthn.c: the relying party's verification of registrations (WebAuthn
 * Level 3 §7.1) and assertions (§7.2).  Step numbers follow the editor's
 * draft as condensed in research/webauthn-verify.md §4.  libfido2 checks
 * signatures (and, through attest.c, attestation statements); everything
 * else a relying party must check is done here, on input that is bounded
 * before it is read.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cbor.h>
#include <fido.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "attest.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "webauthn_priv.h"
#include "xmalloc.h"

#define WA_JSON_MAX		(64 * 1024)	/* a whole response */
#define WA_CLIENT_DATA_MAX	(8 * 1024)	/* clientDataJSON, decoded */
#define WA_SIG_MAX		1024		/* DER ECDSA, RSA 2048, Ed25519 */
#define WA_USER_HANDLE_MAX	64		/* §5.4.3: at most 64 bytes */
#define WA_CHALLENGE_MAX	1024
#define WA_FMT_MAX		32
#define WA_ID_PARSE_MAX		4096	/* ids above 1023 bytes are refused by name */
#define WA_TRANSPORTS_MAX	8
#define WA_TRANSPORT_LEN_MAX	32

struct wa_assertion {
	unsigned char	*id;
	size_t		 idlen;
	unsigned char	*cdj;		/* clientDataJSON */
	size_t		 cdjlen;
	unsigned char	*authdata;
	size_t		 adlen;
	unsigned char	*sig;
	size_t		 siglen;
	unsigned char	*uh;		/* userHandle; NULL if none */
	size_t		 uhlen;
};

/* The pieces of a RegistrationResponseJSON, decoded. */
struct wa_regresp {
	unsigned char	*id;
	size_t		 idlen;
	unsigned char	*cdj;
	size_t		 cdjlen;
	unsigned char	*attobj;
	size_t		 attobjlen;
	char		*transports[WA_TRANSPORTS_MAX];
	size_t		 ntransports;
};

/* The attestationObject's three members (§6.5.4), pointing into the CBOR item. */
struct wa_attobj {
	cbor_item_t		*item;
	char			 fmt[WA_FMT_MAX + 1];
	const cbor_item_t	*attstmt;
	const unsigned char	*authdata;
	size_t			 adlen;
};

static const char *const wa_err_codes[WA_ERR_MAX] = {
	[WA_OK] = "ok",
	[WA_JSON_MALFORMED] = "json_malformed",
	[WA_CBOR_MALFORMED] = "cbor_malformed",
	[WA_CLIENT_DATA_TYPE] = "client_data_type",
	[WA_CHALLENGE_MISMATCH] = "challenge_mismatch",
	[WA_ORIGIN_MISMATCH] = "origin_mismatch",
	[WA_CROSS_ORIGIN] = "cross_origin",
	[WA_RP_ID_HASH] = "rp_id_hash",
	[WA_UP_MISSING] = "up_missing",
	[WA_UV_REQUIRED] = "uv_required",
	[WA_BS_WITHOUT_BE] = "bs_without_be",
	[WA_BE_CHANGED] = "be_changed",
	[WA_COUNTER_REGRESSION] = "counter_regression",
	[WA_BAD_SIGNATURE] = "bad_signature",
	[WA_ALG_NOT_ALLOWED] = "alg_not_allowed",
	[WA_CRED_ID_TOO_LONG] = "cred_id_too_long",
	[WA_TRAILING_BYTES] = "trailing_bytes",
	[WA_ATTESTATION_INVALID] = "attestation_invalid",
	[WA_ATTESTATION_UNTRUSTED] = "attestation_untrusted",
	[WA_FORMAT_UNSUPPORTED] = "format_unsupported",
	[WA_CREDENTIAL_MISMATCH] = "credential_mismatch",
	[WA_AUTHDATA_MALFORMED] = "authdata_malformed",
	[WA_KEY_UNSUPPORTED] = "key_unsupported",
	[WA_INTERNAL] = "internal",
};

static json_t	*wa_json_load(const char *, size_t, struct wa_error *);
static int	 wa_json_str(const json_t *, const char *, const char *, int,
		    const char **, size_t *, struct wa_error *);
static int	 wa_json_b64(const json_t *, const char *, const char *, size_t,
		    unsigned char **, size_t *, struct wa_error *);
static int	 wa_json_credential(const json_t *, unsigned char **, size_t *,
		    const json_t **, struct wa_error *);
static int	 wa_json_extras(const json_t *, struct wa_error *);
static int	 wa_json_transports(const json_t *, struct wa_regresp *, struct wa_error *);
static int	 wa_regresp_parse(const char *, size_t, struct wa_regresp *, struct wa_error *);
static void	 wa_regresp_clear(struct wa_regresp *);
static int	 wa_str_in(const char *, size_t, const char *const *, size_t);
static int	 wa_attobj_parse(const unsigned char *, size_t, struct wa_attobj *,
		    struct wa_error *);
static int	 wa_flags_check(const struct wa_policy *, const struct wa_authdata *,
		    struct wa_error *);
static int	 wa_rp_id_hash_check(const struct wa_policy *, const struct wa_authdata *,
		    struct wa_error *);
static int	 wa_alg_allowed(const struct wa_policy *, int);
static int	 wa_attest(const struct wa_policy *, const struct wa_attobj *,
		    const struct wa_authdata *, const unsigned char *, struct attest_result *,
		    struct wa_error *);
static struct passkey *wa_record(const struct wa_policy *, const struct wa_attobj *,
		    const struct wa_authdata *, struct wa_regresp *, struct attest_result *);
static int	 wa_assert_signature(const struct wa_policy *, const struct wa_assertion *,
		    const struct wa_authdata *, const struct passkey *, struct wa_error *);
static time_t	 wa_now(const struct wa_policy *);

const char *
wa_err_code(enum wa_err e)
{
	if ((int)e < 0 || e >= WA_ERR_MAX || wa_err_codes[e] == NULL)
		return "internal";
	return wa_err_codes[e];
}

int
wa_fail(struct wa_error *err, enum wa_err code, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* §7.1 (registration), steps cited as in research/webauthn-verify.md §4. */
int
wa_register(const struct wa_policy *policy, const void *challenge, size_t challenge_len,
    const char *json, size_t json_len, struct passkey **out, struct wa_error *err)
{
	struct wa_regresp	 resp;
	struct wa_attobj	 ao;
	struct wa_authdata	 ad;
	struct attest_result	 ares;
	unsigned char		 cdh[SHA256_DIGEST_LENGTH];
	int			 rc = -1;

	*out = NULL;
	memset(&resp, 0, sizeof(resp));
	memset(&ao, 0, sizeof(ao));
	memset(&ares, 0, sizeof(ares));
	/* Steps 3-4: the response is a public-key credential with an attestation response. */
	if (wa_regresp_parse(json, json_len, &resp, err) == -1)
		goto done;
	/* Steps 5-11: clientDataJSON: type, challenge, origin, crossOrigin, topOrigin. */
	if (wa_client_data_check(policy, "webauthn.create", challenge, challenge_len,
	    resp.cdj, resp.cdjlen, err) == -1)
		goto done;
	/* Step 12: hash = SHA-256(clientDataJSON). */
	SHA256(resp.cdj, resp.cdjlen, cdh);
	/* Step 13: CBOR-decode the attestationObject into fmt, authData, attStmt. */
	if (wa_attobj_parse(resp.attobj, resp.attobjlen, &ao, err) == -1)
		goto done;
	/* Step 25 (credential id at most 1023 bytes) is enforced by the parser. */
	if (wa_authdata_parse(ao.authdata, ao.adlen, WA_AD_REGISTER, &ad, err) == -1)
		goto done;
	/* The response's id names the credential it created. */
	if (ad.cred_id_len != resp.idlen || memcmp(ad.cred_id, resp.id, resp.idlen) != 0) {
		wa_fail(err, WA_CREDENTIAL_MISMATCH,
		    "the response id is not the credential id in authenticatorData");
		goto done;
	}
	/* Steps 14-17: rpIdHash, UP, UV, BS without BE. */
	if (wa_rp_id_hash_check(policy, &ad, err) == -1 || wa_flags_check(policy, &ad, err) == -1)
		goto done;
	/* Step 20: the key's alg is one the options offered (pubKeyCredParams). */
	if (!wa_alg_allowed(policy, ad.key.alg)) {
		wa_fail(err, WA_ALG_NOT_ALLOWED,
		    "the credential algorithm %d was not offered", ad.key.alg);
		goto done;
	}
	if (cose_key_check(&ad.key, err) == -1)
		goto done;
	/* Steps 21-24: the statement by its format, and its trust. */
	if (wa_attest(policy, &ao, &ad, cdh, &ares, err) == -1)
		goto done;
	/*
	 * Steps 27-28: the credential record.  Extension outputs in authData
	 * went to the attestation check; the client's (credProps) carry nothing
	 * the record keeps.  Step 26 (id unused) is the caller's, with the store.
	 */
	*out = wa_record(policy, &ao, &ad, &resp, &ares);
	rc = 0;
done:
	attest_result_clear(&ares);
	if (ao.item != NULL)
		cbor_decref(&ao.item);
	wa_regresp_clear(&resp);
	return rc;
}

int
wa_assertion_parse(const char *json, size_t json_len, struct wa_assertion **out,
    struct wa_error *err)
{
	json_t	*root;
	int	 rc;

	*out = NULL;
	if ((root = wa_json_load(json, json_len, err)) == NULL)
		return -1;
	rc = wa_assertion_parse_json(root, out, err);
	json_decref(root);
	return rc;
}

/*
 * The same from a JSON value the caller parsed already (the credential
 * member of a request body), so the bytes are not serialised and parsed
 * again on the sign-in path.
 */
int
wa_assertion_parse_json(const json_t *root, struct wa_assertion **out, struct wa_error *err)
{
	struct wa_assertion	*a;
	const json_t		*resp, *uh;
	int			 rc = -1;

	*out = NULL;
	if (!json_is_object(root))
		return wa_fail(err, WA_JSON_MALFORMED, "the credential is not a JSON object");
	a = xcalloc(1, sizeof(*a));
	/* §7.2 steps 3-4: a public-key credential carrying an assertion response. */
	if (wa_json_credential(root, &a->id, &a->idlen, &resp, err) == -1)
		goto done;
	if (wa_json_b64(resp, "clientDataJSON", "response.clientDataJSON",
	    WA_CLIENT_DATA_MAX, &a->cdj, &a->cdjlen, err) == -1 ||
	    wa_json_b64(resp, "authenticatorData", "response.authenticatorData",
	    WA_AUTHDATA_MAX, &a->authdata, &a->adlen, err) == -1 ||
	    wa_json_b64(resp, "signature", "response.signature", WA_SIG_MAX,
	    &a->sig, &a->siglen, err) == -1)
		goto done;
	/* userHandle: absent, null, or the user's handle (§5.4.3: at most 64 bytes). */
	uh = json_object_get(resp, "userHandle");
	if (uh != NULL && !json_is_null(uh) &&
	    !(json_is_string(uh) && json_string_length(uh) == 0) &&
	    wa_json_b64(resp, "userHandle", "response.userHandle", WA_USER_HANDLE_MAX,
	    &a->uh, &a->uhlen, err) == -1)
		goto done;
	if (wa_json_extras(root, err) == -1)
		goto done;
	*out = a;
	a = NULL;
	rc = 0;
done:
	wa_assertion_free(a);
	return rc;
}

const unsigned char *
wa_assertion_id(const struct wa_assertion *a, size_t *len)
{
	*len = a->idlen;
	return a->id;
}

const unsigned char *
wa_assertion_user_handle(const struct wa_assertion *a, size_t *len)
{
	*len = a->uh != NULL ? a->uhlen : 0;
	return a->uh;
}

void
wa_assertion_free(struct wa_assertion *a)
{
	if (a == NULL)
		return;
	free(a->id);
	free(a->cdj);
	free(a->authdata);
	free(a->sig);
	free(a->uh);
	free(a);
}

/* §7.2 (authentication), with the record the caller found by the assertion's id. */
int
wa_authenticate(const struct wa_policy *policy, const void *challenge, size_t challenge_len,
    const struct wa_assertion *a, const struct passkey *stored, struct passkey **updated,
    struct wa_error *err)
{
	struct wa_authdata	 ad;
	struct passkey		*pk;
	int			 regress;

	*updated = NULL;
	if (a == NULL || stored == NULL)
		return wa_fail(err, WA_INTERNAL, "no assertion or no stored credential");
	/* Step 6: the credential used is the one the caller looked up. */
	if (a->idlen != stored->idlen || memcmp(a->id, stored->id, a->idlen) != 0)
		return wa_fail(err, WA_CREDENTIAL_MISMATCH,
		    "the assertion is for another credential than the stored one");
	/* Steps 9-14: clientDataJSON: type, challenge, origin, crossOrigin, topOrigin. */
	if (wa_client_data_check(policy, "webauthn.get", challenge, challenge_len,
	    a->cdj, a->cdjlen, err) == -1)
		return -1;
	/* authenticatorData: strict, no attested credential data, nothing after it. */
	if (wa_authdata_parse(a->authdata, a->adlen, WA_AD_ASSERT, &ad, err) == -1)
		return -1;
	/* Steps 15-18: rpIdHash, UP, UV, BS without BE. */
	if (wa_rp_id_hash_check(policy, &ad, err) == -1 || wa_flags_check(policy, &ad, err) == -1)
		return -1;
	/* Step 19: a credential does not change between synced and device-bound. */
	if (!!(ad.flags & WA_FLAG_BE) != !!stored->be)
		return wa_fail(err, WA_BE_CHANGED,
		    "backup eligibility changed since registration (stored %s, now %s)",
		    stored->be ? "set" : "clear", (ad.flags & WA_FLAG_BE) ? "set" : "clear");
	/* Steps 20-21: the signature over authData || SHA-256(cData). */
	if (wa_assert_signature(policy, a, &ad, stored, err) == -1)
		return -1;
	/* Step 22: if either counter is non-zero it must grow, else a clone is suspected. */
	regress = (ad.sign_count != 0 || stored->sign_count != 0) &&
	    ad.sign_count <= stored->sign_count;
	if (regress && !policy->allow_clone)
		return wa_fail(err, WA_COUNTER_REGRESSION,
		    "the signature counter went from %u to %u: the authenticator may be cloned",
		    stored->sign_count, ad.sign_count);
	/* Step 24: the updated record (a tolerated regression keeps the higher counter). */
	pk = passkey_dup(stored);
	if (!regress)
		pk->sign_count = ad.sign_count;
	pk->bs = !!(ad.flags & WA_FLAG_BS);
	pk->uv = pk->uv || (ad.flags & WA_FLAG_UV);
	pk->last_used = wa_now(policy);
	*updated = pk;
	return 0;
}

/*
 * §7.1 steps 5-11 and §7.2 steps 9-14: clientDataJSON, UTF-8 JSON (a BOM
 * stripped), with the expected type, our challenge, an accepted origin,
 * and crossOrigin/topOrigin only as the policy allows.  Unknown members
 * (extraData in the W3C vectors) are ignored.
 */
int
wa_client_data_check(const struct wa_policy *policy, const char *type,
    const void *challenge, size_t challenge_len, const unsigned char *cdj,
    size_t cdj_len, struct wa_error *err)
{
	json_t		*root;
	const json_t	*co, *tb;
	const char	*s, *top;
	char		*want = NULL;
	size_t		 len, toplen;
	int		 cross = 0, rc = -1;

	if (cdj_len >= 3 && memcmp(cdj, "\xef\xbb\xbf", 3) == 0) {
		cdj += 3;
		cdj_len -= 3;
	}
	if (cdj_len > WA_CLIENT_DATA_MAX)
		return wa_fail(err, WA_JSON_MALFORMED, "clientDataJSON is longer than %d bytes",
		    WA_CLIENT_DATA_MAX);
	if (challenge_len == 0 || challenge_len > WA_CHALLENGE_MAX)
		return wa_fail(err, WA_INTERNAL, "the issued challenge has a bad length");
	if ((root = wa_json_load((const char *)cdj, cdj_len, err)) == NULL)
		return -1;
	/* §7.1 step 7, §7.2 step 10: the ceremony type. */
	if (wa_json_str(root, "type", "clientDataJSON.type", 1, &s, &len, err) == -1) {
		if (err != NULL)
			err->code = WA_CLIENT_DATA_TYPE;
		goto done;
	}
	if (len != strlen(type) || memcmp(s, type, len) != 0) {
		wa_fail(err, WA_CLIENT_DATA_TYPE, "clientDataJSON type is \"%.32s\", not \"%s\"",
		    s, type);
		goto done;
	}
	/* §7.1 step 8, §7.2 step 11: the challenge, as base64url, is the one issued. */
	want = util_b64url_encode(challenge, challenge_len);
	if (wa_json_str(root, "challenge", "clientDataJSON.challenge", 1, &s, &len, err) == -1) {
		if (err != NULL)
			err->code = WA_CHALLENGE_MISMATCH;
		goto done;
	}
	if (len != strlen(want) || !util_ct_eq(s, want, len)) {
		wa_fail(err, WA_CHALLENGE_MISMATCH,
		    "clientDataJSON carries another challenge than the one issued");
		goto done;
	}
	/* §7.1 step 9, §7.2 step 12: the origin is one we expect, exactly. */
	if (wa_json_str(root, "origin", "clientDataJSON.origin", 1, &s, &len, err) == -1) {
		if (err != NULL)
			err->code = WA_ORIGIN_MISMATCH;
		goto done;
	}
	if (!wa_str_in(s, len, policy->origins, policy->norigins)) {
		wa_fail(err, WA_ORIGIN_MISMATCH, "the origin \"%.64s\" is not accepted", s);
		goto done;
	}
	/* §7.1 step 10, §7.2 step 13: crossOrigin true only where embedding is expected. */
	if ((co = json_object_get(root, "crossOrigin")) != NULL) {
		if (!json_is_boolean(co)) {
			wa_fail(err, WA_JSON_MALFORMED, "clientDataJSON.crossOrigin is not a boolean");
			goto done;
		}
		cross = json_is_true(co);
	}
	if (cross && !policy->allow_cross_origin) {
		wa_fail(err, WA_CROSS_ORIGIN, "the ceremony ran in a cross-origin frame");
		goto done;
	}
	/* §7.1 step 11, §7.2 step 14: topOrigin only with crossOrigin, and accepted. */
	if (wa_json_str(root, "topOrigin", "clientDataJSON.topOrigin", 0, &top, &toplen,
	    err) == -1)
		goto done;
	if (top != NULL && (!cross ||
	    !wa_str_in(top, toplen, policy->top_origins, policy->ntop_origins))) {
		wa_fail(err, WA_CROSS_ORIGIN, "the top-level origin \"%.64s\" is not accepted", top);
		goto done;
	}
	/* Level 2 §7.1 step 10: token binding in use is not supported here. */
	if ((tb = json_object_get(root, "tokenBinding")) != NULL) {
		if (!json_is_object(tb) || wa_json_str(tb, "status", "tokenBinding.status", 1,
		    &s, &len, err) == -1) {
			wa_fail(err, WA_JSON_MALFORMED, "clientDataJSON.tokenBinding is malformed");
			goto done;
		}
		if (len == 7 && memcmp(s, "present", 7) == 0) {
			wa_fail(err, WA_CLIENT_DATA_TYPE,
			    "the client used token binding, which this relying party does not support");
			goto done;
		}
	}
	rc = 0;
done:
	free(want);
	json_decref(root);
	return rc;
}

/* A bounded JSON object, duplicate members refused. */
static json_t *
wa_json_load(const char *json, size_t len, struct wa_error *err)
{
	json_error_t	 jerr;
	json_t		*root;

	if (len > WA_JSON_MAX) {
		wa_fail(err, WA_JSON_MALFORMED, "the JSON is longer than %d bytes", WA_JSON_MAX);
		return NULL;
	}
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		wa_fail(err, WA_JSON_MALFORMED, "malformed JSON at line %d: %s", jerr.line, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		wa_fail(err, WA_JSON_MALFORMED, "the JSON is not an object");
		return NULL;
	}
	return root;
}

/* A string member (NULL if absent and optional); json_malformed otherwise. */
static int
wa_json_str(const json_t *obj, const char *key, const char *what, int required,
    const char **s, size_t *len, struct wa_error *err)
{
	const json_t	*v;

	*s = NULL;
	*len = 0;
	if ((v = json_object_get(obj, key)) == NULL) {
		if (required)
			return wa_fail(err, WA_JSON_MALFORMED, "%s is missing", what);
		return 0;
	}
	if (!json_is_string(v))
		return wa_fail(err, WA_JSON_MALFORMED, "%s is not a string", what);
	*s = json_string_value(v);
	*len = json_string_length(v);
	return 0;
}

/* A required base64url member of at most max decoded bytes. */
static int
wa_json_b64(const json_t *obj, const char *key, const char *what, size_t max,
    unsigned char **out, size_t *outlen, struct wa_error *err)
{
	const char	*s;
	size_t		 len;

	if (wa_json_str(obj, key, what, 1, &s, &len, err) == -1)
		return -1;
	if (len > (max + 2) / 3 * 4)
		return wa_fail(err, WA_JSON_MALFORMED, "%s is longer than %zu bytes", what, max);
	if ((*out = util_b64url_decode(s, len, outlen)) == NULL)
		return wa_fail(err, WA_JSON_MALFORMED, "%s is not base64url", what);
	if (*outlen > max) {
		free(*out);
		*out = NULL;
		return wa_fail(err, WA_JSON_MALFORMED, "%s is longer than %zu bytes", what, max);
	}
	return 0;
}

/* id, rawId (the same), type "public-key" and the response object. */
static int
wa_json_credential(const json_t *root, unsigned char **id, size_t *idlen,
    const json_t **resp, struct wa_error *err)
{
	const char	*s, *raw;
	size_t		 len, rawlen;

	if (wa_json_str(root, "type", "type", 1, &s, &len, err) == -1)
		return -1;
	if (len != 10 || memcmp(s, "public-key", 10) != 0)
		return wa_fail(err, WA_JSON_MALFORMED, "the credential type is not \"public-key\"");
	if (wa_json_str(root, "rawId", "rawId", 1, &raw, &rawlen, err) == -1 ||
	    wa_json_b64(root, "id", "id", WA_ID_PARSE_MAX, id, idlen, err) == -1)
		return -1;
	/* §7.1 step 25: the most specific reason, before anything else is read. */
	if (*idlen > PASSKEY_ID_MAX)
		return wa_fail(err, WA_CRED_ID_TOO_LONG,
		    "the credential id is %zu bytes, more than %d", *idlen, PASSKEY_ID_MAX);
	s = json_string_value(json_object_get(root, "id"));
	if (rawlen != strlen(s) || memcmp(raw, s, rawlen) != 0)
		return wa_fail(err, WA_JSON_MALFORMED, "id and rawId differ");
	if (*idlen == 0)
		return wa_fail(err, WA_JSON_MALFORMED, "the credential id is empty");
	if ((*resp = json_object_get(root, "response")) == NULL || !json_is_object(*resp))
		return wa_fail(err, WA_JSON_MALFORMED, "response is missing or not an object");
	return 0;
}

/* authenticatorAttachment and clientExtensionResults: typed, otherwise unused. */
static int
wa_json_extras(const json_t *root, struct wa_error *err)
{
	const json_t	*v, *props, *rk;
	const char	*s;
	size_t		 len;

	if (wa_json_str(root, "authenticatorAttachment", "authenticatorAttachment", 0,
	    &s, &len, err) == -1)
		return -1;
	if ((v = json_object_get(root, "clientExtensionResults")) == NULL)
		return 0;
	if (!json_is_object(v))
		return wa_fail(err, WA_JSON_MALFORMED, "clientExtensionResults is not an object");
	if ((props = json_object_get(v, "credProps")) != NULL &&
	    (!json_is_object(props) || ((rk = json_object_get(props, "rk")) != NULL &&
	    !json_is_boolean(rk))))
		return wa_fail(err, WA_JSON_MALFORMED, "clientExtensionResults.credProps is malformed");
	return 0;
}

/* response.transports: at most a few short printable strings, kept as given. */
static int
wa_json_transports(const json_t *resp, struct wa_regresp *r, struct wa_error *err)
{
	const json_t	*arr, *v;
	const char	*s;
	size_t		 i, j, len;

	if ((arr = json_object_get(resp, "transports")) == NULL)
		return 0;
	if (!json_is_array(arr))
		return wa_fail(err, WA_JSON_MALFORMED, "response.transports is not an array");
	if (json_array_size(arr) > WA_TRANSPORTS_MAX)
		return wa_fail(err, WA_JSON_MALFORMED, "response.transports has more than %d entries",
		    WA_TRANSPORTS_MAX);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return wa_fail(err, WA_JSON_MALFORMED, "a transport is not a string");
		s = json_string_value(v);
		len = json_string_length(v);
		if (len == 0 || len > WA_TRANSPORT_LEN_MAX)
			return wa_fail(err, WA_JSON_MALFORMED, "a transport has a bad length");
		for (j = 0; j < len; j++)
			if (s[j] <= 0x20 || s[j] >= 0x7f)
				return wa_fail(err, WA_JSON_MALFORMED,
				    "a transport is not printable ASCII");
		r->transports[r->ntransports++] = xstrndup(s, len);
	}
	return 0;
}

/* §7.1 steps 3-4: RegistrationResponseJSON. */
static int
wa_regresp_parse(const char *json, size_t len, struct wa_regresp *r, struct wa_error *err)
{
	const json_t	*resp;
	json_t		*root;
	int		 rc = -1;

	if ((root = wa_json_load(json, len, err)) == NULL)
		return -1;
	if (wa_json_credential(root, &r->id, &r->idlen, &resp, err) == -1 ||
	    wa_json_b64(resp, "clientDataJSON", "response.clientDataJSON",
	    WA_CLIENT_DATA_MAX, &r->cdj, &r->cdjlen, err) == -1 ||
	    wa_json_b64(resp, "attestationObject", "response.attestationObject",
	    WA_JSON_MAX, &r->attobj, &r->attobjlen, err) == -1 ||
	    wa_json_transports(resp, r, err) == -1 || wa_json_extras(root, err) == -1)
		goto done;
	rc = 0;
done:
	json_decref(root);
	return rc;
}

static void
wa_regresp_clear(struct wa_regresp *r)
{
	size_t	i;

	free(r->id);
	free(r->cdj);
	free(r->attobj);
	for (i = 0; i < r->ntransports; i++)
		free(r->transports[i]);
	memset(r, 0, sizeof(*r));
}

/* 1 if s (len bytes, perhaps with a NUL inside) is exactly one of list. */
static int
wa_str_in(const char *s, size_t len, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (list[i] != NULL && strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * §6.5.4: the attestationObject is a definite CBOR map of exactly fmt
 * (text), attStmt (map) and authData (bytes), with nothing after it.
 */
static int
wa_attobj_parse(const unsigned char *buf, size_t len, struct wa_attobj *ao,
    struct wa_error *err)
{
	struct cbor_pair	*p;
	const cbor_item_t	*fmt = NULL, *ad = NULL, *k;
	size_t			 i, n;

	if ((ao->item = wa_cbor_load(buf, len, err)) == NULL)
		return -1;
	if (!cbor_isa_map(ao->item) || !cbor_map_is_definite(ao->item) ||
	    cbor_map_size(ao->item) != 3)
		return wa_fail(err, WA_CBOR_MALFORMED,
		    "the attestationObject is not a map of fmt, attStmt and authData");
	p = cbor_map_handle(ao->item);
	for (i = 0; i < 3; i++) {
		k = p[i].key;
		if (!cbor_isa_string(k) || !cbor_string_is_definite(k))
			return wa_fail(err, WA_CBOR_MALFORMED,
			    "an attestationObject key is not text");
		n = cbor_string_length(k);
		if (n == 3 && memcmp(cbor_string_handle(k), "fmt", 3) == 0 && fmt == NULL)
			fmt = p[i].value;
		else if (n == 7 && memcmp(cbor_string_handle(k), "attStmt", 7) == 0 &&
		    ao->attstmt == NULL)
			ao->attstmt = p[i].value;
		else if (n == 8 && memcmp(cbor_string_handle(k), "authData", 8) == 0 &&
		    ad == NULL)
			ad = p[i].value;
		else
			return wa_fail(err, WA_CBOR_MALFORMED,
			    "the attestationObject has an unknown or repeated key");
	}
	if (!cbor_isa_string(fmt) || !cbor_string_is_definite(fmt))
		return wa_fail(err, WA_CBOR_MALFORMED, "the attestation fmt is not text");
	if ((n = cbor_string_length(fmt)) == 0 || n > WA_FMT_MAX ||
	    memchr(cbor_string_handle(fmt), '\0', n) != NULL)
		return wa_fail(err, WA_FORMAT_UNSUPPORTED, "the attestation fmt is not a format name");
	memcpy(ao->fmt, cbor_string_handle(fmt), n);
	ao->fmt[n] = '\0';
	if (!cbor_isa_map(ao->attstmt) || !cbor_map_is_definite(ao->attstmt))
		return wa_fail(err, WA_CBOR_MALFORMED, "the attestation statement is not a map");
	if (!cbor_isa_bytestring(ad) || !cbor_bytestring_is_definite(ad))
		return wa_fail(err, WA_CBOR_MALFORMED, "authData is not a byte string");
	ao->authdata = cbor_bytestring_handle(ad);
	ao->adlen = cbor_bytestring_length(ad);
	return 0;
}

/* §7.1 steps 15-17, §7.2 steps 16-18: UP always, UV per policy, no BS without BE. */
static int
wa_flags_check(const struct wa_policy *policy, const struct wa_authdata *ad,
    struct wa_error *err)
{
	if (!(ad->flags & WA_FLAG_UP))
		return wa_fail(err, WA_UP_MISSING, "the user was not present (UP clear)");
	if (policy->require_uv && !(ad->flags & WA_FLAG_UV))
		return wa_fail(err, WA_UV_REQUIRED, "the user was not verified (UV clear)");
	if ((ad->flags & WA_FLAG_BS) && !(ad->flags & WA_FLAG_BE))
		return wa_fail(err, WA_BS_WITHOUT_BE,
		    "backup state is set on a credential that is not backup eligible");
	return 0;
}

/* §7.1 step 14, §7.2 step 15: rpIdHash is SHA-256 of our RP ID (for every fmt). */
static int
wa_rp_id_hash_check(const struct wa_policy *policy, const struct wa_authdata *ad,
    struct wa_error *err)
{
	unsigned char	h[SHA256_DIGEST_LENGTH];

	if (policy->rp_id == NULL)
		return wa_fail(err, WA_INTERNAL, "no RP ID configured");
	SHA256((const unsigned char *)policy->rp_id, strlen(policy->rp_id), h);
	if (memcmp(h, ad->rp_id_hash, sizeof(h)) != 0)
		return wa_fail(err, WA_RP_ID_HASH,
		    "the credential is scoped to another RP ID than \"%.64s\"", policy->rp_id);
	return 0;
}

/* Offered in the options (an empty list offers all four) and supported. */
static int
wa_alg_allowed(const struct wa_policy *policy, int alg)
{
	size_t	i;

	if (!cose_alg_supported(alg))
		return 0;
	if (policy->nalgs == 0)
		return 1;
	for (i = 0; i < policy->nalgs; i++)
		if (policy->algs[i] == alg)
			return 1;
	return 0;
}

/* §7.1 steps 21-24 through attest.c; the policy decides whether untrusted is enough. */
static int
wa_attest(const struct wa_policy *policy, const struct wa_attobj *ao,
    const struct wa_authdata *ad, const unsigned char *cdh, struct attest_result *res,
    struct wa_error *err)
{
	struct attest_input	 in;
	unsigned char		*stmt = NULL;
	size_t			 stmtsz = 0, stmtlen;
	int			 rc;

	if ((stmtlen = cbor_serialize_alloc(ao->attstmt, &stmt, &stmtsz)) == 0)
		return wa_fail(err, WA_INTERNAL, "cannot re-encode the attestation statement");
	memset(&in, 0, sizeof(in));
	in.fmt = ao->fmt;
	in.attstmt = stmt;
	in.attstmt_len = stmtlen;
	in.authdata = ad->raw;
	in.authdata_len = ad->len;
	in.cdh = cdh;
	in.rp_id = policy->rp_id;
	in.alg = ad->key.alg;
	in.cose = ad->cose;
	in.cose_len = ad->cose_len;
	in.aaguid = ad->aaguid;
	in.cred_id = ad->cred_id;
	in.cred_id_len = ad->cred_id_len;
	in.require_uv = policy->require_uv;
	in.cred_protect = ad->cred_protect;
	in.hmac_secret = ad->hmac_secret;
	in.cred_blob = ad->cred_blob;
	in.min_pin_length = ad->min_pin_length;
	in.now = wa_now(policy);
	rc = attest_verify(policy->trust, &in, res, err);
	free(stmt);
	if (rc == -1)
		return -1;
	/* Step 24: untrusted attestation fails only where the policy demands trust. */
	if (policy->require_trusted_attestation && res->trust != PASSKEY_TRUST_TRUSTED)
		return wa_fail(err, WA_ATTESTATION_UNTRUSTED,
		    "the attestation (%s, trust %s) does not chain to a trusted root",
		    ao->fmt, passkey_trust_name(res->trust));
	return 0;
}

/* §7.1 step 27: the credential record; takes the strings out of r and res. */
static struct passkey *
wa_record(const struct wa_policy *policy, const struct wa_attobj *ao,
    const struct wa_authdata *ad, struct wa_regresp *r, struct attest_result *res)
{
	struct passkey	*pk;
	const char	*name;
	size_t		 i;

	pk = xcalloc(1, sizeof(*pk));
	pk->v = PASSKEY_VERSION;
	pk->id = xmemdup(ad->cred_id, ad->cred_id_len);
	pk->idlen = ad->cred_id_len;
	pk->alg = ad->key.alg;
	pk->pubkey = xmemdup(ad->cose, ad->cose_len);
	pk->pubkeylen = ad->cose_len;
	pk->sign_count = ad->sign_count;
	pk->uv = !!(ad->flags & WA_FLAG_UV);
	pk->be = !!(ad->flags & WA_FLAG_BE);
	pk->bs = !!(ad->flags & WA_FLAG_BS);
	memcpy(pk->aaguid, ad->aaguid, sizeof(pk->aaguid));
	pk->fmt = xstrdup(ao->fmt);
	pk->trust = res->trust;
	pk->trust_source = res->source;
	res->source = NULL;
	if (res->authenticator != NULL && res->trust == PASSKEY_TRUST_TRUSTED) {
		pk->authenticator = res->authenticator;
		res->authenticator = NULL;
		pk->authenticator_verified = 1;
	} else if ((name = attest_aaguid_name(pk->aaguid)) != NULL)
		pk->authenticator = xstrdup(name);	/* a hint, not proven */
	if (r->ntransports > 0) {
		pk->transports = xcalloc(r->ntransports, sizeof(char *));
		for (i = 0; i < r->ntransports; i++) {
			pk->transports[i] = r->transports[i];
			r->transports[i] = NULL;
		}
		pk->ntransports = r->ntransports;
		r->ntransports = 0;
	}
	pk->created = wa_now(policy);
	return pk;
}

/*
 * §7.2 steps 20-21: the signature over authData || SHA-256(cData) by the
 * stored key (wa_sig.c).  UP and UV were checked with the other flags.
 */
static int
wa_assert_signature(const struct wa_policy *policy, const struct wa_assertion *a,
    const struct wa_authdata *ad, const struct passkey *stored, struct wa_error *err)
{
	unsigned char	 cdh[SHA256_DIGEST_LENGTH];

	(void)policy;
	(void)ad;
	SHA256(a->cdj, a->cdjlen, cdh);
	return wa_sig_verify(stored->alg, stored->pubkey, stored->pubkeylen, a->authdata,
	    a->adlen, cdh, a->sig, a->siglen, err);
}

static time_t
wa_now(const struct wa_policy *policy)
{
	return policy->now != 0 ? policy->now : time(NULL);
}
