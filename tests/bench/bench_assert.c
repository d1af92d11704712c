/*
 * bench_assert.c: assertion verifications per second on one core, ES256,
 * through the whole relying-party path latchkeyd runs at sign-in: parse the
 * AuthenticationResponseJSON (wa_assertion_parse), then verify it against
 * the stored record (wa_authenticate: clientDataJSON, authenticatorData, the
 * checks of WebAuthn §7.2, and the ECDSA verify).  Run by tests/bench/run.sh
 * beside `openssl speed ecdsap256`, which is the physical limit.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cbor.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "xmalloc.h"

#define RP_ID	"id.example.com"
#define ORIGIN	"https://id.example.com"

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The COSE_Key (RFC 9053 §7.1.1) of an EC P-256 public key. */
static unsigned char *
cose_es256(EVP_PKEY *pkey, size_t *len)
{
	unsigned char	 pub[65], *out = NULL;
	size_t		 publen = sizeof(pub), outsz;
	cbor_item_t	*m;

	if (EVP_PKEY_get_octet_string_param(pkey, "encoded-pub-key", pub, sizeof(pub), &publen) != 1 ||
	    publen != 65)
		abort();
	m = cbor_new_definite_map(5);
	cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_uint8(1)), cbor_move(cbor_build_uint8(2)) });
	cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_uint8(3)), cbor_move(cbor_build_negint8(6)) });
	cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(0)), cbor_move(cbor_build_uint8(1)) });
	cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(1)), cbor_move(cbor_build_bytestring(pub + 1, 32)) });
	cbor_map_add(m, (struct cbor_pair){ cbor_move(cbor_build_negint8(2)), cbor_move(cbor_build_bytestring(pub + 33, 32)) });
	*len = cbor_serialize_alloc(m, &out, &outsz);
	cbor_decref(&m);
	return out;
}

int
main(int argc, char *argv[])
{
	static const unsigned char cred_id[16] = "latchkey-bench-1";
	unsigned char	 challenge[32], authdata[37], cdh[32], msg[37 + 32], sig[80];
	unsigned char	*cose;
	size_t		 coselen, siglen = sizeof(sig);
	char		*cdj, *b_cdj, *b_ad, *b_sig, *b_id, *b_ch, *json;
	struct passkey	 stored;
	struct wa_policy pol;
	struct wa_error	 err;
	const char	*origins[] = { ORIGIN };
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*md;
	double		 seconds = argc > 1 ? atof(argv[1]) : 3.0, t0, t;
	long		 n = 0;

	pkey = EVP_EC_gen("P-256");
	cose = cose_es256(pkey, &coselen);
	util_random(challenge, sizeof(challenge));
	b_ch = util_b64url_encode(challenge, sizeof(challenge));
	xasprintf(&cdj, "{\"type\":\"webauthn.get\",\"challenge\":\"%s\",\"origin\":\"%s\","
	    "\"crossOrigin\":false}", b_ch, ORIGIN);
	SHA256((const unsigned char *)RP_ID, strlen(RP_ID), authdata);
	authdata[32] = 0x05;			/* UP | UV */
	memset(authdata + 33, 0, 4);		/* signCount 0, as synced passkeys report */
	SHA256((const unsigned char *)cdj, strlen(cdj), cdh);
	memcpy(msg, authdata, 37);
	memcpy(msg + 37, cdh, 32);
	md = EVP_MD_CTX_new();
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1)
		abort();
	EVP_MD_CTX_free(md);
	b_cdj = util_b64url_encode(cdj, strlen(cdj));
	b_ad = util_b64url_encode(authdata, sizeof(authdata));
	b_sig = util_b64url_encode(sig, siglen);
	b_id = util_b64url_encode(cred_id, sizeof(cred_id));
	xasprintf(&json, "{\"id\":\"%s\",\"rawId\":\"%s\",\"type\":\"public-key\",\"response\":"
	    "{\"clientDataJSON\":\"%s\",\"authenticatorData\":\"%s\",\"signature\":\"%s\"},"
	    "\"clientExtensionResults\":{},\"authenticatorAttachment\":\"platform\"}",
	    b_id, b_id, b_cdj, b_ad, b_sig);

	memset(&stored, 0, sizeof(stored));
	stored.v = PASSKEY_VERSION;
	stored.id = (unsigned char *)cred_id;
	stored.idlen = sizeof(cred_id);
	stored.alg = -7;
	stored.pubkey = cose;
	stored.pubkeylen = coselen;
	stored.uv = 1;
	memset(&pol, 0, sizeof(pol));
	pol.rp_id = RP_ID;
	pol.origins = origins;
	pol.norigins = 1;
	pol.require_uv = 1;

	t0 = now_s();
	do {
		struct wa_assertion	*as = NULL;
		struct passkey		*upd = NULL;
		int			 i;

		for (i = 0; i < 100; i++) {
			if (wa_assertion_parse(json, strlen(json), &as, &err) == -1 ||
			    wa_authenticate(&pol, challenge, sizeof(challenge), as, &stored, &upd,
			    &err) == -1) {
				fprintf(stderr, "bench_assert: refused: %s: %s\n",
				    wa_err_code(err.code), err.message);
				return 1;
			}
			wa_assertion_free(as);
			passkey_free(upd);
			as = NULL;
			upd = NULL;
		}
		n += 100;
		t = now_s() - t0;
	} while (t < seconds);
	printf("latchkey ES256 assertion verify: %ld in %.2f s: %.0f/s, %.1f us each\n",
	    n, t, (double)n / t, t * 1e6 / (double)n);
	EVP_PKEY_free(pkey);
	free(cose);
	free(cdj);
	free(b_cdj);
	free(b_ad);
	free(b_sig);
	free(b_id);
	free(b_ch);
	free(json);
	return 0;
}
