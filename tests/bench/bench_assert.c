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

struct bench_case {
	char		*json;
	struct passkey	 stored;
};

/* One credential and an assertion made with it, as a browser would send it. */
static void
bench_case_make(struct bench_case *bc, const unsigned char *challenge, size_t clen, int n)
{
	unsigned char	 authdata[37], cdh[32], msg[37 + 32], sig[80], cred_id[16];
	char		 idtext[sizeof(cred_id) + 1];
	unsigned char	*cose;
	size_t		 coselen, siglen = sizeof(sig);
	char		*cdj, *b_cdj, *b_ad, *b_sig, *b_id, *b_ch;
	EVP_PKEY	*pkey;
	EVP_MD_CTX	*md;

	pkey = EVP_EC_gen("P-256");
	cose = cose_es256(pkey, &coselen);
	snprintf(idtext, sizeof(idtext), "bench-%010d", n);
	memcpy(cred_id, idtext, sizeof(cred_id));
	b_ch = util_b64url_encode(challenge, clen);
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
	xasprintf(&bc->json, "{\"id\":\"%s\",\"rawId\":\"%s\",\"type\":\"public-key\",\"response\":"
	    "{\"clientDataJSON\":\"%s\",\"authenticatorData\":\"%s\",\"signature\":\"%s\"},"
	    "\"clientExtensionResults\":{},\"authenticatorAttachment\":\"platform\"}",
	    b_id, b_id, b_cdj, b_ad, b_sig);
	memset(&bc->stored, 0, sizeof(bc->stored));
	bc->stored.v = PASSKEY_VERSION;
	bc->stored.id = xmemdup(cred_id, sizeof(cred_id));
	bc->stored.idlen = sizeof(cred_id);
	bc->stored.alg = -7;
	bc->stored.pubkey = cose;
	bc->stored.pubkeylen = coselen;
	bc->stored.uv = 1;
	EVP_PKEY_free(pkey);
	free(cdj);
	free(b_cdj);
	free(b_ad);
	free(b_sig);
	free(b_id);
	free(b_ch);
}

/* Verifies the cases in turn for about `seconds`; prints and returns verifications per second. */
static double
bench_run(const char *name, struct bench_case *bc, size_t ncases, const unsigned char *challenge,
    size_t clen, double seconds)
{
	const char	*origins[] = { ORIGIN };
	struct wa_policy pol;
	struct wa_error	 err;
	double		 t0, t;
	long		 n = 0;
	size_t		 k = 0;

	memset(&pol, 0, sizeof(pol));
	pol.rp_id = RP_ID;
	pol.origins = origins;
	pol.norigins = 1;
	pol.require_uv = 1;
	t0 = now_s();
	do {
		int	 i;

		for (i = 0; i < 100; i++) {
			struct wa_assertion	*as = NULL;
			struct passkey		*upd = NULL;
			struct bench_case	*c = &bc[k];

			k = (k + 1) % ncases;
			if (wa_assertion_parse(c->json, strlen(c->json), &as, &err) == -1 ||
			    wa_authenticate(&pol, challenge, clen, as, &c->stored, &upd, &err) == -1) {
				fprintf(stderr, "bench_assert: refused: %s: %s\n",
				    wa_err_code(err.code), err.message);
				exit(1);
			}
			wa_assertion_free(as);
			passkey_free(upd);
		}
		n += 100;
		t = now_s() - t0;
	} while (t < seconds);
	printf("latchkey ES256 assertion verify, %s: %ld in %.2f s: %.0f/s, %.1f us each\n",
	    name, n, t, (double)n / t, t * 1e6 / (double)n);
	return (double)n / t;
}

/*
 * warm: one passkey signing in again and again (its prepared key stays in
 * the verifier's cache); cold: 1024 passkeys in turn, more than the cache
 * holds, so every verification parses the COSE key and prepares it anew.
 */
int
main(int argc, char *argv[])
{
	unsigned char		 challenge[32];
	double			 seconds = argc > 1 ? atof(argv[1]) : 3.0;
	struct bench_case	*cold;
	size_t			 ncold = 1024, i;

	util_random(challenge, sizeof(challenge));
	cold = xcalloc(ncold, sizeof(*cold));
	for (i = 0; i < ncold; i++)
		bench_case_make(&cold[i], challenge, sizeof(challenge), (int)i);
	bench_run("warm", cold, 1, challenge, sizeof(challenge), seconds);
	bench_run("cold", cold, ncold, challenge, sizeof(challenge), seconds);
	for (i = 0; i < ncold; i++) {
		free(cold[i].json);
		free(cold[i].stored.id);
		free(cold[i].stored.pubkey);
	}
	free(cold);
	return 0;
}
