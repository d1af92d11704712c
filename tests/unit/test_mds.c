/*
 * test_mds.c: FIDO metadata BLOBs as an administrator meets them.  The test
 * mints its own root, intermediate and signing certificates with OpenSSL,
 * signs BLOBs with RS256 and ES256, and checks what is imported and what is
 * refused (with which sentence); then the passkey provider name table.
 * attest_trust_add_mds is stubbed: it records what mds_load hands over.
 */
#include "config.h"

#include <sys/stat.h>

#include <inttypes.h>
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
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest.h"
#include "conf.h"
#include "log.h"
#include "mds.h"
#include "util.h"
#include "xmalloc.h"

#define DAY		(24 * 60 * 60)
#define FIDO_ROOT_SHA256 \
	"cbb522d7b7f127ad6a0113865bdf1cd4102e7d0759af635a7cf4720dc963c53b"

size_t			 aaguid_table_count(void);
const unsigned char	*aaguid_table_key(size_t);

/* The stub trust store: what mds_load added. */
struct attest_trust {
	size_t		 n;
	size_t		 ncompromised;
	char		 last_desc[64];
};

int
attest_trust_add_mds(struct attest_trust *t, const struct attest_mds_entry *e,
    char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	t->n++;
	if (e->compromised)
		t->ncompromised++;
	snprintf(t->last_desc, sizeof(t->last_desc), "%s", e->description);
	return 0;
}

/* The PKI every test uses, minted once. */
static struct pki {
	EVP_PKEY	*root_key, *int_key, *rsa_key, *ec_key, *other_key;
	X509		*root, *inter, *rsa_leaf, *ec_leaf, *short_leaf, *other;
	char		*root_pem, *other_pem;
	time_t		 now;
	char		 dir[PATH_MAX];
} pki;

static EVP_PKEY *
key_ec(void)
{
	EVP_PKEY	*k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

static EVP_PKEY *
key_rsa(void)
{
	EVP_PKEY	*k = EVP_RSA_gen(2048);

	assert_non_null(k);
	return k;
}

/* A certificate for cn, signed by issuer (NULL: self-signed), valid [nb, na]. */
static X509 *
cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int ca,
    time_t nb, time_t na)
{
	X509		*x = X509_new();
	X509_NAME	*name = X509_NAME_new();
	X509_EXTENSION	*ext;
	X509V3_CTX	 v3;
	static long	 serial = 1;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	assert_non_null(X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb));
	assert_non_null(X509_time_adj_ex(X509_getm_notAfter(x), 0, 0, &na));
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_NAME_free(name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ca) {
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
		    "critical,keyCertSign,cRLSign");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, issuer ? ikey : key, EVP_sha256()) > 0);
	return x;
}

static char *
pem_of(X509 *x)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p, *s;
	long	 n;

	assert_true(PEM_write_bio_X509(b, x) == 1);
	n = BIO_get_mem_data(b, &p);
	s = xmalloc((size_t)n + 1);
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

/* Standard base64 of a certificate's DER, as x5c and MDS roots carry it. */
static char *
b64_der(X509 *x)
{
	unsigned char	*der = NULL;
	char		*out;
	int		 n;

	assert_true((n = i2d_X509(x, &der)) > 0);
	out = xmalloc((size_t)(n + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)out, der, n);
	OPENSSL_free(der);
	return out;
}

static char *
b64url_str(const char *s)
{
	return util_b64url_encode(s, strlen(s));
}

/* JWS over payload with alg, signed by key, x5c = chain[0..n). */
static char *
jws(const char *alg, EVP_PKEY *key, X509 **chain, int n, const char *payload)
{
	json_t		*h = json_pack("{s:s, s:s, s:[]}", "alg", alg, "typ",
			    "JWT", "x5c");
	EVP_MD_CTX	*md = EVP_MD_CTX_new();
	ECDSA_SIG	*es;
	const BIGNUM	*r, *s;
	const unsigned char *p;
	unsigned char	 sig[512], rs[64];
	char		*hj, *hb, *pb, *tbs, *sb, *out;
	size_t		 siglen = sizeof(sig);
	int		 i;

	for (i = 0; i < n; i++) {
		char	*c = b64_der(chain[i]);

		json_array_append_new(json_object_get(h, "x5c"), json_string(c));
		free(c);
	}
	hj = json_dumps(h, JSON_COMPACT);
	hb = b64url_str(hj);
	pb = b64url_str(payload);
	xasprintf(&tbs, "%s.%s", hb, pb);
	assert_true(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1);
	assert_true(EVP_DigestSign(md, sig, &siglen, (unsigned char *)tbs,
	    strlen(tbs)) == 1);
	if (strcmp(alg, "ES256") == 0) {
		p = sig;
		assert_non_null(es = d2i_ECDSA_SIG(NULL, &p, (long)siglen));
		ECDSA_SIG_get0(es, &r, &s);
		BN_bn2binpad(r, rs, 32);
		BN_bn2binpad(s, rs + 32, 32);
		ECDSA_SIG_free(es);
		sb = util_b64url_encode(rs, 64);
	} else
		sb = util_b64url_encode(sig, siglen);
	xasprintf(&out, "%s.%s", tbs, sb);
	free(sb);
	free(tbs);
	free(pb);
	free(hb);
	free(hj);
	json_decref(h);
	EVP_MD_CTX_free(md);
	return out;
}

/*
 * A payload with four entries: a FIDO2 key, a U2F key whose latest status
 * is a compromise, a UAF entry (skipped), and a FIDO2 key whose compromise
 * was followed by a newer certification.
 */
static char *
payload(long no, const char *next_update)
{
	char	*root = b64_der(pki.root), *s;
	json_t	*p;

	p = json_pack("{s:s, s:i, s:s, s:[{s:s, s:{s:s, s:[s]}, s:[{s:s, s:s}]},"
	    "{s:[s], s:{s:s}, s:[{s:s, s:s}, {s:s, s:s}]},"
	    "{s:s, s:{s:s}},"
	    "{s:s, s:{s:s}, s:[{s:s, s:s}, {s:s, s:s}]}]}",
	    "legalHeader", "Test metadata, not for production.",
	    "no", no, "nextUpdate", next_update, "entries",
	    "aaguid", "01020304-0506-0708-0102-030405060708",
	    "metadataStatement", "description", "Test Key FIDO2",
	    "attestationRootCertificates", root,
	    "statusReports", "status", "FIDO_CERTIFIED_L1", "effectiveDate",
	    "2020-01-01",
	    "attestationCertificateKeyIdentifiers",
	    "ABCDEF0123456789abcdef0123456789ABCDEF01",
	    "metadataStatement", "description", "Test Key U2F",
	    "statusReports", "status", "FIDO_CERTIFIED", "effectiveDate",
	    "2019-01-01", "status", "ATTESTATION_KEY_COMPROMISE",
	    "effectiveDate", "2021-05-01",
	    "aaid", "FFFF#0001", "metadataStatement", "description", "UAF",
	    "aaguid", "AAAAAAAA-0506-0708-0102-030405060708",
	    "metadataStatement", "description", "Recertified",
	    "statusReports", "status", "ATTESTATION_KEY_COMPROMISE",
	    "effectiveDate", "2020-01-01", "status", "FIDO_CERTIFIED_L2",
	    "effectiveDate", "2022-01-01");
	assert_non_null(p);
	s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	free(root);
	return s;
}

static char *
blob_rs256(long no, const char *next_update)
{
	X509	*chain[2] = { pki.rsa_leaf, pki.inter };
	char	*p = payload(no, next_update), *j;

	j = jws("RS256", pki.rsa_key, chain, 2, p);
	free(p);
	return j;
}

/* Verifies j against the test root at pki.now; returns the blob or NULL with err. */
static struct mds_blob *
verify(const char *j, const char *roots, time_t now, uint64_t last, int flags,
    char *err, size_t errlen)
{
	struct mds_blob	*b = NULL;
	int		 rc;

	err[0] = '\0';
	rc = mds_verify_blob(j, strlen(j), roots, strlen(roots), now, last,
	    flags, &b, err, errlen);
	assert_int_equal(rc == 0, b != NULL);
	return b;
}

/* Refused, with want in the sentence. */
static void
refused(const char *j, const char *roots, time_t now, uint64_t last,
    const char *want)
{
	char	 err[MDS_ERR_MAX];

	if (verify(j, roots, now, last, 0, err, sizeof(err)) != NULL)
		fail_msg("accepted, expected: %s", want);
	if (strstr(err, want) == NULL)
		fail_msg("got: %s\nwant: ...%s...", err, want);
}

static void
test_good_rs256(void **state)
{
	struct mds_blob	*b;
	char		 err[MDS_ERR_MAX], *j;
	static const unsigned char aaguid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 1, 2,
	    3, 4, 5, 6, 7, 8 };

	(void)state;
	j = blob_rs256(7, "2099-12-31");
	b = verify(j, pki.root_pem, pki.now, 6, 0, err, sizeof(err));
	if (b == NULL)
		fail_msg("refused: %s", err);
	assert_int_equal(b->no, 7);
	assert_string_equal(b->next_update, "2099-12-31");
	assert_false(b->stale);
	assert_string_equal(b->legal_header, "Test metadata, not for production.");
	assert_int_equal(b->nentries, 3);
	assert_int_equal(b->nskipped, 1);
	assert_int_equal(b->ncompromised, 1);

	assert_true(b->entries[0].has_aaguid);
	assert_memory_equal(b->entries[0].aaguid, aaguid, 16);
	assert_string_equal(b->entries[0].description, "Test Key FIDO2");
	assert_string_equal(b->entries[0].status, "FIDO_CERTIFIED_L1");
	assert_false(b->entries[0].compromised);
	assert_int_equal(b->entries[0].nroots, 1);
	assert_true(b->entries[0].root_lens[0] > 100);

	assert_false(b->entries[1].has_aaguid);
	assert_int_equal(b->entries[1].nkey_ids, 1);
	assert_string_equal(b->entries[1].key_ids[0],
	    "abcdef0123456789abcdef0123456789abcdef01");
	assert_string_equal(b->entries[1].status, "ATTESTATION_KEY_COMPROMISE");
	assert_true(b->entries[1].compromised);

	/* The latest report counts: certified again after a compromise. */
	assert_string_equal(b->entries[2].status, "FIDO_CERTIFIED_L2");
	assert_false(b->entries[2].compromised);
	assert_int_equal(b->entries[2].aaguid[0], 0xaa);
	mds_blob_free(b);
	free(j);
}

static void
test_good_es256(void **state)
{
	struct mds_blob	*b;
	X509		*chain[2] = { pki.ec_leaf, pki.inter };
	char		 err[MDS_ERR_MAX], *p, *j;

	(void)state;
	p = payload(3, "2099-01-01");
	j = jws("ES256", pki.ec_key, chain, 2, p);
	b = verify(j, pki.root_pem, pki.now, 0, 0, err, sizeof(err));
	if (b == NULL)
		fail_msg("refused: %s", err);
	assert_int_equal(b->no, 3);
	assert_int_equal(b->nentries, 3);
	mds_blob_free(b);
	free(j);
	free(p);
}

static void
test_bad_signature(void **state)
{
	X509	*chain[2] = { pki.ec_leaf, pki.inter };
	char	*j, *dot, *p;

	(void)state;
	j = blob_rs256(7, "2099-12-31");
	dot = strrchr(j, '.');
	dot[10] = dot[10] == 'A' ? 'B' : 'A';
	refused(j, pki.root_pem, pki.now, 0, "bad BLOB signature (RS256)");
	free(j);

	p = payload(7, "2099-12-31");
	j = jws("ES256", pki.ec_key, chain, 2, p);
	dot = strrchr(j, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	refused(j, pki.root_pem, pki.now, 0, "bad BLOB signature (ES256)");
	free(j);
	/* ES256 signatures are R||S, 64 bytes: a DER signature is refused. */
	j = jws("ES256", pki.ec_key, chain, 2, p);
	dot = strrchr(j, '.');
	strcpy(dot + 1, "MEUCIQ");
	refused(j, pki.root_pem, pki.now, 0, "ES256 wants 64 bytes");
	free(j);
	/* The key must fit the alg. */
	j = jws("RS256", pki.ec_key, chain, 2, p);
	refused(j, pki.root_pem, pki.now, 0, "key does not fit alg RS256");
	free(j);
	free(p);
}

/* Another payload under the original header and signature. */
static void
test_payload_tampered(void **state)
{
	char	*j, *j2, *p, *pb, *d1, *d2;

	(void)state;
	j = blob_rs256(7, "2099-12-31");
	p = payload(8, "2099-12-31");
	pb = b64url_str(p);
	d1 = strchr(j, '.');
	d2 = strchr(d1 + 1, '.');
	*d1 = '\0';
	xasprintf(&j2, "%s.%s%s", j, pb, d2);
	refused(j2, pki.root_pem, pki.now, 0, "bad BLOB signature");
	free(j2);
	free(pb);
	free(p);
	free(j);
}

static void
test_chain(void **state)
{
	X509	*only_leaf[1] = { pki.rsa_leaf };
	X509	*chain[2] = { pki.short_leaf, pki.inter };
	char	*j, *p;

	(void)state;
	j = blob_rs256(7, "2099-12-31");
	refused(j, pki.other_pem, pki.now, 0, "certificate chain does not verify");
	refused(j, "not a certificate", pki.now, 0, "no PEM certificate");
	/* Before the certificates were valid. */
	refused(j, pki.root_pem, pki.now - 10 * DAY, 0, "not yet valid");
	free(j);
	/* The intermediate is missing from x5c. */
	p = payload(7, "2099-12-31");
	j = jws("RS256", pki.rsa_key, only_leaf, 1, p);
	refused(j, pki.root_pem, pki.now, 0, "unable to get local issuer");
	free(j);
	/* A leaf valid for two days, verified a month later. */
	j = jws("RS256", pki.rsa_key, chain, 2, p);
	refused(j, pki.root_pem, pki.now + 30 * DAY, 0, "certificate has expired");
	free(j);
	free(p);
}

static void
test_serial(void **state)
{
	struct mds_blob	*b;
	char		 err[MDS_ERR_MAX], *j;

	(void)state;
	j = blob_rs256(7, "2099-12-31");
	refused(j, pki.root_pem, pki.now, 7,
	    "BLOB no 7 is not newer than the imported BLOB no 7");
	refused(j, pki.root_pem, pki.now, 9, "not newer");
	b = verify(j, pki.root_pem, pki.now, 6, 0, err, sizeof(err));
	assert_non_null(b);
	mds_blob_free(b);
	free(j);
}

static void
test_next_update(void **state)
{
	struct mds_blob	*b;
	char		 err[MDS_ERR_MAX], *j;

	(void)state;
	j = blob_rs256(7, "2020-01-01");
	refused(j, pki.root_pem, pki.now, 0,
	    "BLOB no 7 is stale: its nextUpdate 2020-01-01 has passed");
	/* At start-up a stale BLOB is still used, marked. */
	b = verify(j, pki.root_pem, pki.now, 0, MDS_STALE_OK, err, sizeof(err));
	assert_non_null(b);
	assert_true(b->stale);
	mds_blob_free(b);
	free(j);
	/* Not a real day. */
	j = blob_rs256(7, "2099-02-30");
	refused(j, pki.root_pem, pki.now, 0, "nextUpdate is not a date");
	free(j);
	j = blob_rs256(7, "2099-1-01");
	refused(j, pki.root_pem, pki.now, 0, "nextUpdate is not a date");
	free(j);
}

/* A JWS whose header is h (raw JSON), with a dummy payload and signature. */
static char *
with_header(const char *h)
{
	char	*hb = b64url_str(h), *j;

	xasprintf(&j, "%s.eyJ9.c2ln", hb);
	free(hb);
	return j;
}

static void
test_malformed(void **state)
{
	struct mds_blob	*b = NULL;
	char		 err[MDS_ERR_MAX], *big, *j;
	size_t		 i;
	static const struct {
		const char	*jws;
		const char	*want;
	} cases[] = {
		{ "abc", "expected header.payload.signature" },
		{ "a.b", "expected header.payload.signature" },
		{ "a.b.c.d", "more than three parts" },
		{ "..", "an empty part" },
		{ "a..c", "an empty part" },
		{ "!!!!.eyJ9.c2ln", "header is not base64url" },
		{ "eyJ9=.eyJ9.c2ln", "header is not base64url" },
		{ "A.eyJ9.c2ln", "header is not base64url" },
		{ "bm90IGpzb24.eyJ9.c2ln", "header is not a JSON object" },
	};

	(void)state;
	assert_int_equal(mds_verify_blob("", 0, pki.root_pem,
	    strlen(pki.root_pem), pki.now, 0, 0, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "the BLOB is empty");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		refused(cases[i].jws, pki.root_pem, pki.now, 0, cases[i].want);

	big = xmalloc(70000 + sizeof(".eyJ9.c2ln"));
	memset(big, 'A', 70000);
	strcpy(big + 70000, ".eyJ9.c2ln");
	refused(big, pki.root_pem, pki.now, 0, "header is longer than 65536");
	free(big);

	j = with_header("{\"alg\":\"none\",\"x5c\":[]}");
	refused(j, pki.root_pem, pki.now, 0, "alg is \"none\", not RS256 or ES256");
	free(j);
	j = with_header("{\"alg\":\"HS256\"}");
	refused(j, pki.root_pem, pki.now, 0, "not RS256 or ES256");
	free(j);
	j = with_header("{\"x5c\":[]}");
	refused(j, pki.root_pem, pki.now, 0, "alg is missing");
	free(j);
	j = with_header("{\"alg\":\"RS256\"}");
	refused(j, pki.root_pem, pki.now, 0, "needs x5c");
	free(j);
	j = with_header("{\"alg\":\"RS256\",\"x5c\":[]}");
	refused(j, pki.root_pem, pki.now, 0, "needs x5c");
	free(j);
	j = with_header("{\"alg\":\"RS256\",\"x5c\":[\"%%%\"]}");
	refused(j, pki.root_pem, pki.now, 0, "x5c[0] is not base64");
	free(j);
	j = with_header("{\"alg\":\"RS256\",\"x5c\":[\"AAAA\"]}");
	refused(j, pki.root_pem, pki.now, 0, "x5c[0] is not one DER certificate");
	free(j);
	j = with_header("{\"alg\":\"RS256\",\"alg\":\"ES256\",\"x5c\":[]}");
	refused(j, pki.root_pem, pki.now, 0, "header is not a JSON object");
	free(j);
	j = with_header("{\"alg\":\"RS256\",\"crit\":[\"b64\"],\"x5c\":[]}");
	refused(j, pki.root_pem, pki.now, 0, "\"crit\" extensions");
	free(j);
}

/* A payload that is signed but wrong is still refused, with the reason. */
static void
test_bad_payload(void **state)
{
	X509		*chain[2] = { pki.rsa_leaf, pki.inter };
	char		*j;
	size_t		 i;
	static const struct {
		const char	*payload;
		const char	*want;
	} cases[] = {
		{ "[]", "payload is not a JSON object" },
		{ "{\"no\":0,\"nextUpdate\":\"2099-01-01\",\"legalHeader\":\"x\","
		  "\"entries\":[]}", "no positive \"no\"" },
		{ "{\"no\":1,\"legalHeader\":\"x\",\"entries\":[]}",
		  "nextUpdate is not a date" },
		{ "{\"no\":1,\"nextUpdate\":\"2099-01-01\",\"entries\":[]}",
		  "no legalHeader" },
		{ "{\"no\":1,\"nextUpdate\":\"2099-01-01\",\"legalHeader\":\"x\"}",
		  "entries are not an array" },
		{ "{\"no\":1,\"nextUpdate\":\"2099-01-01\",\"legalHeader\":\"x\","
		  "\"entries\":[{\"aaguid\":\"xyz\"}]}",
		  "entry 0: aaguid \"xyz\" is not 8-4-4-4-12 hex" },
		{ "{\"no\":1,\"nextUpdate\":\"2099-01-01\",\"legalHeader\":\"x\","
		  "\"entries\":[{\"attestationCertificateKeyIdentifiers\":[\"ab\"]}]}",
		  "entry 0: key identifier 0 is not 40 hex digits" },
		{ "{\"no\":1,\"nextUpdate\":\"2099-01-01\",\"legalHeader\":\"x\","
		  "\"entries\":[{\"aaguid\":\"01020304-0506-0708-0102-030405060708\","
		  "\"metadataStatement\":{\"attestationRootCertificates\":[\"AAAA\"]}}]}",
		  "entry 0: attestation root 0 is not one DER certificate" },
		{ "{\"no\":1,\"nextUpdate\":\"2099-01-01\",\"legalHeader\":\"x\","
		  "\"entries\":[{\"aaguid\":\"01020304-0506-0708-0102-030405060708\","
		  "\"statusReports\":[{\"effectiveDate\":\"2020-01-01\"}]}]}",
		  "entry 0: status report 0 has no status" },
	};

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		j = jws("RS256", pki.rsa_key, chain, 2, cases[i].payload);
		refused(j, pki.root_pem, pki.now, 0, cases[i].want);
		free(j);
	}
}

static char *
write_tmp(const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	xasprintf(&path, "%s/%s", pki.dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* import: stored atomically, serial recorded, a replay refused; then load. */
static void
test_import_and_load(void **state)
{
	struct conf		 conf;
	struct mds_blob		*b;
	struct attest_trust	 trust;
	char			 err[MDS_ERR_MAX], *j, *path, *root, *p;
	char			 tomorrow[16];
	time_t			 t = pki.now + DAY;
	uint64_t		 no;

	(void)state;
	strftime(tomorrow, sizeof(tomorrow), "%Y-%m-%d", gmtime(&t));
	memset(&conf, 0, sizeof(conf));
	xasprintf(&conf.state_dir, "%s/state", pki.dir);
	root = write_tmp("root.pem", pki.root_pem);
	conf.mds_root = root;

	/* Nothing stored yet. */
	assert_int_equal(mds_stored_serial(conf.state_dir, &no, err,
	    sizeof(err)), 0);
	assert_int_equal(no, 0);
	assert_int_equal(mds_stored(&conf, pki.now, &b, err, sizeof(err)), 0);
	assert_null(b);
	memset(&trust, 0, sizeof(trust));
	assert_int_equal(mds_load(&conf, &trust, err, sizeof(err)), 0);
	assert_int_equal(trust.n, 0);

	j = blob_rs256(12, "2099-12-31");
	p = xmalloc(strlen(j) + 2);
	sprintf(p, "%s\n", j);		/* as downloaded, with a newline */
	path = write_tmp("blob.jwt", p);
	if (mds_import(&conf, path, NULL, pki.now, &b, err, sizeof(err)) == -1)
		fail_msg("refused: %s", err);
	assert_int_equal(b->no, 12);
	mds_blob_free(b);
	assert_int_equal(mds_stored_serial(conf.state_dir, &no, err,
	    sizeof(err)), 0);
	assert_int_equal(no, 12);

	/* The same BLOB again: a replay. */
	assert_int_equal(mds_import(&conf, path, NULL, pki.now, &b, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "BLOB no 12 is not newer than the imported "
	    "BLOB no 12"));
	/* Another root: refused before anything is written. */
	free(path);
	path = write_tmp("other.pem", pki.other_pem);
	assert_int_equal(mds_import(&conf, "/nonexistent/blob", path, pki.now,
	    &b, err, sizeof(err)), -1);
	assert_string_equal(err, "No such file or directory");

	/* Start-up: every entry handed over, the compromised one marked. */
	assert_int_equal(mds_stored(&conf, pki.now, &b, err, sizeof(err)), 0);
	assert_non_null(b);
	assert_int_equal(b->no, 12);
	mds_blob_free(b);
	memset(&trust, 0, sizeof(trust));
	assert_int_equal(mds_load(&conf, &trust, err, sizeof(err)), 0);
	assert_int_equal(trust.n, 3);
	assert_int_equal(trust.ncompromised, 1);
	/* A newer BLOB due tomorrow; three days on it is stale but still used. */
	free(j);
	j = blob_rs256(13, tomorrow);
	free(path);
	path = write_tmp("blob.jwt", j);
	if (mds_import(&conf, path, root, pki.now, &b, err, sizeof(err)) == -1)
		fail_msg("refused: %s", err);
	mds_blob_free(b);
	assert_int_equal(mds_stored(&conf, pki.now + 3 * DAY, &b, err,
	    sizeof(err)), 0);
	assert_non_null(b);
	assert_int_equal(b->no, 13);
	assert_true(b->stale);
	mds_blob_free(b);

	/* A tampered stored BLOB is refused at start-up. */
	free(path);
	xasprintf(&path, "%s/mds/blob.jwt", conf.state_dir);
	j[strlen(j) - 3] = j[strlen(j) - 3] == 'A' ? 'B' : 'A';
	free(write_tmp("state/mds/blob.jwt", j));
	assert_int_equal(mds_load(&conf, &trust, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad BLOB signature"));
	unlink(path);
	free(path);
	xasprintf(&path, "%s/mds/serial", conf.state_dir);
	unlink(path);
	free(path);
	xasprintf(&path, "%s/mds", conf.state_dir);
	rmdir(path);
	rmdir(conf.state_dir);
	free(path);
	xasprintf(&path, "%s/blob.jwt", pki.dir);
	unlink(path);
	free(path);
	xasprintf(&path, "%s/other.pem", pki.dir);
	unlink(path);
	free(path);
	unlink(root);
	free(root);
	free(p);
	free(j);
	free(conf.state_dir);
}

/* data/fido-mds-root.pem is the published FIDO MDS root. */
static void
test_fido_root(void **state)
{
	const char	*top = getenv("top_srcdir");
	char		 path[PATH_MAX], hex[65];
	unsigned char	 md[32];
	unsigned int	 mdlen;
	FILE		*f;
	X509		*x;
	int		 i;

	(void)state;
	snprintf(path, sizeof(path), "%s/data/fido-mds-root.pem",
	    top != NULL ? top : ".");
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(x = PEM_read_X509(f, NULL, NULL, NULL));
	fclose(f);
	assert_true(X509_digest(x, EVP_sha256(), md, &mdlen) == 1);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hex, FIDO_ROOT_SHA256);
	X509_free(x);
}

static void
test_aaguid_names(void **state)
{
	static const struct {
		unsigned char	 aaguid[16];
		const char	*name;
	} known[] = {
		{ { 0xba, 0xda, 0x55, 0x66, 0xa7, 0xaa, 0x40, 0x1f, 0xbd, 0x96,
		    0x45, 0x61, 0x9a, 0x55, 0x12, 0x0d }, "1Password" },
		{ { 0xea, 0x9b, 0x8d, 0x66, 0x4d, 0x01, 0x1d, 0x21, 0x3c, 0xe4,
		    0xb6, 0xb4, 0x8c, 0xb5, 0x75, 0xd4 }, "Google Password Manager" },
		{ { 0x08, 0x98, 0x70, 0x58, 0xca, 0xdc, 0x4b, 0x81, 0xb6, 0xe1,
		    0x30, 0xde, 0x50, 0xdc, 0xbe, 0x96 }, "Windows Hello" },
		{ { 0xfb, 0xfc, 0x30, 0x07, 0x15, 0x4e, 0x4e, 0xcc, 0x8c, 0x0b,
		    0x6e, 0x02, 0x05, 0x57, 0xd7, 0xbd }, "Apple Passwords" },
		{ { 0xd5, 0x48, 0x82, 0x6e, 0x79, 0xb4, 0xdb, 0x40, 0xa3, 0xd8,
		    0x11, 0x11, 0x6f, 0x7e, 0x83, 0x49 }, "Bitwarden" },
		{ { 0x53, 0x41, 0x4d, 0x53, 0x55, 0x4e, 0x47, 0x00, 0x00, 0x00,
		    0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, "Samsung Pass" },
	};
	static const unsigned char unknown[16] = { 0 };
	size_t	 i, n = aaguid_table_count();

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_non_null(attest_aaguid_name(known[i].aaguid));
		assert_string_equal(attest_aaguid_name(known[i].aaguid),
		    known[i].name);
	}
	assert_null(attest_aaguid_name(unknown));
	assert_null(attest_aaguid_name(NULL));
	/* bsearch needs strictly ascending keys: sorted, no duplicates. */
	assert_true(n > 40);
	for (i = 1; i < n; i++)
		assert_true(memcmp(aaguid_table_key(i - 1), aaguid_table_key(i),
		    16) < 0);
	assert_null(aaguid_table_key(n));
	/* Every key is findable. */
	for (i = 0; i < n; i++)
		assert_non_null(attest_aaguid_name(aaguid_table_key(i)));
}

static int
setup(void **state)
{
	(void)state;
	pki.now = time(NULL);
	snprintf(pki.dir, sizeof(pki.dir), "%s/test_mds.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(pki.dir) == NULL)
		return -1;
	pki.root_key = key_ec();
	pki.int_key = key_ec();
	pki.rsa_key = key_rsa();
	pki.ec_key = key_ec();
	pki.other_key = key_ec();
	pki.root = cert("Test MDS Root", pki.root_key, NULL, NULL, 1,
	    pki.now - DAY, pki.now + 3650 * DAY);
	pki.inter = cert("Test MDS Intermediate", pki.int_key, pki.root,
	    pki.root_key, 1, pki.now - DAY, pki.now + 3650 * DAY);
	pki.rsa_leaf = cert("Test MDS Signer RSA", pki.rsa_key, pki.inter,
	    pki.int_key, 0, pki.now - DAY, pki.now + 365 * DAY);
	pki.ec_leaf = cert("Test MDS Signer EC", pki.ec_key, pki.inter,
	    pki.int_key, 0, pki.now - DAY, pki.now + 365 * DAY);
	pki.short_leaf = cert("Test MDS Signer short", pki.rsa_key, pki.inter,
	    pki.int_key, 0, pki.now - DAY, pki.now + DAY);
	pki.other = cert("Another Root", pki.other_key, NULL, NULL, 1,
	    pki.now - DAY, pki.now + 3650 * DAY);
	pki.root_pem = pem_of(pki.root);
	pki.other_pem = pem_of(pki.other);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(pki.root);
	X509_free(pki.inter);
	X509_free(pki.rsa_leaf);
	X509_free(pki.ec_leaf);
	X509_free(pki.short_leaf);
	X509_free(pki.other);
	EVP_PKEY_free(pki.root_key);
	EVP_PKEY_free(pki.int_key);
	EVP_PKEY_free(pki.rsa_key);
	EVP_PKEY_free(pki.ec_key);
	EVP_PKEY_free(pki.other_key);
	free(pki.root_pem);
	free(pki.other_pem);
	return rmdir(pki.dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_rs256),
		cmocka_unit_test(test_good_es256),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_payload_tampered),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_serial),
		cmocka_unit_test(test_next_update),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_payload),
		cmocka_unit_test(test_import_and_load),
		cmocka_unit_test(test_fido_root),
		cmocka_unit_test(test_aaguid_names),
	};

	log_init(1, LOG_LEVEL_WARN, "test_mds");
	return cmocka_run_group_tests(tests, setup, teardown);
}
