/*
 * mds.c: FIDO Metadata Service v3 BLOBs, verified and imported offline.
 * The BLOB is a JWS in compact serialization (RFC 7515 §7.1): base64url
 * header "." payload "." signature.  FIDO MDS3 §3.2 ("Metadata BLOB object
 * processing rules"): verify the x5c chain up to the MDS root, verify the
 * signature with the leaf key, refuse a BLOB whose "no" is not greater
 * than the last one processed, and honour nextUpdate.  Steps 4 and 5 of
 * §3.2 (fetching CRLs) are not possible on an offline appliance: the
 * administrator's download is the freshness check (docs/mds.md).
 *
 * The payload is a JSON object (MDS3 §3.1.6) with legalHeader, no,
 * nextUpdate and entries[]; each entry (§3.1.1) names an authenticator by
 * aaguid (FIDO2), attestationCertificateKeyIdentifiers (U2F) or aaid (UAF,
 * which is skipped), with metadataStatement.attestationRootCertificates
 * and statusReports[].
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "attest.h"
#include "conf.h"
#include "log.h"
#include "mds.h"
#include "util.h"
#include "xmalloc.h"

#define MDS_HEADER_MAX		(64 * 1024)	/* base64url bytes of the JWS header */
#define MDS_SIG_MAX		2048		/* base64url bytes of the signature */
#define MDS_X5C_MAX		8		/* certificates in the header's chain */
#define MDS_CERT_MAX		(16 * 1024)	/* base64 bytes of one certificate */
#define MDS_ENTRIES_MAX		65536
#define MDS_ROOTS_MAX		32		/* attestation roots of one entry */
#define MDS_KEYIDS_MAX		1024		/* U2F key identifiers of one entry */
#define MDS_DESC_MAX		1024		/* bytes of a description */
#define MDS_ROOTFILE_MAX	(1024 * 1024)
#define MDS_SERIAL_MAX		32

struct mds_jws {
	const char	*header;	/* base64url text, not NUL-terminated */
	size_t		 header_len;
	const char	*payload;
	size_t		 payload_len;
	const char	*sig;
	size_t		 sig_len;
};

static int	 mds_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 mds_split(const char *, size_t, struct mds_jws *, char *, size_t);
static unsigned char *mds_b64_decode(const char *, size_t, int, size_t *);
static int	 mds_header(const struct mds_jws *, char *, size_t,
		    STACK_OF(X509) **, char *, size_t);
static int	 mds_chain(STACK_OF(X509) *, const char *, size_t, time_t,
		    char *, size_t);
static int	 mds_signature(const struct mds_jws *, const char *, X509 *,
		    char *, size_t);
static int	 mds_payload(const struct mds_jws *, struct mds_blob *, char *,
		    size_t);
static int	 mds_entry(json_t *, size_t, struct attest_mds_entry *, int *,
		    char *, size_t);
static int	 mds_entry_roots(json_t *, size_t, struct attest_mds_entry *,
		    char *, size_t);
static int	 mds_entry_status(json_t *, size_t, struct attest_mds_entry *,
		    char *, size_t);
static void	 mds_entry_clear(struct attest_mds_entry *);
static int	 mds_date(const char *, time_t *);
static int	 mds_aaguid(const char *, unsigned char[16]);
static int	 mds_compromised(const char *);
static char	*mds_path(const char *, const char *);
static int	 mds_write_atomic(const char *, const char *, const void *,
		    size_t, char *, size_t);

/* MDS3 §3.1.4 AuthenticatorStatus values that forbid trusting the authenticator. */
static const char *const mds_bad_status[] = {
	"ATTESTATION_KEY_COMPROMISE",
	"USER_VERIFICATION_BYPASS",
	"USER_KEY_REMOTE_COMPROMISE",
	"USER_KEY_PHYSICAL_COMPROMISE",
	"REVOKED",
};

int
mds_verify_blob(const char *jws, size_t len, const char *roots_pem,
    size_t roots_len, time_t now, uint64_t last_no, int flags,
    struct mds_blob **out, char *err, size_t errlen)
{
	struct mds_jws	 j = { NULL, 0, NULL, 0, NULL, 0 };
	struct mds_blob	*blob = NULL;
	STACK_OF(X509)	*x5c = NULL;
	char		 alg[8];
	char		 when[32];

	*out = NULL;
	if (jws == NULL || len == 0)
		return mds_fail(err, errlen, "the BLOB is empty");
	if (len > MDS_BLOB_MAX)
		return mds_fail(err, errlen, "the BLOB is larger than %d bytes",
		    MDS_BLOB_MAX);
	if (mds_split(jws, len, &j, err, errlen) == -1 ||
	    mds_header(&j, alg, sizeof(alg), &x5c, err, errlen) == -1)
		goto fail;
	/* MDS3 §3.2 step 3: the chain first, so a forged key is never used. */
	if (mds_chain(x5c, roots_pem, roots_len, now, err, errlen) == -1 ||
	    mds_signature(&j, alg, sk_X509_value(x5c, 0), err, errlen) == -1)
		goto fail;
	blob = xcalloc(1, sizeof(*blob));
	if (mds_payload(&j, blob, err, errlen) == -1)
		goto fail;
	/* MDS3 §3.2 step 6: a BLOB no newer than the last one is a replay. */
	if (blob->no <= last_no) {
		mds_fail(err, errlen, "BLOB no %" PRIu64 " is not newer than the "
		    "imported BLOB no %" PRIu64, blob->no, last_no);
		goto fail;
	}
	/* MDS3 §3.1.6 nextUpdate: past it, a newer BLOB exists. */
	if (now >= blob->next_update_t) {
		if (!(flags & MDS_STALE_OK)) {
			util_time_fmt(now, when, sizeof(when));
			mds_fail(err, errlen, "BLOB no %" PRIu64 " is stale: its "
			    "nextUpdate %s has passed (now %s); download the "
			    "current BLOB", blob->no, blob->next_update, when);
			goto fail;
		}
		blob->stale = 1;
	}
	sk_X509_pop_free(x5c, X509_free);
	*out = blob;
	return 0;
fail:
	sk_X509_pop_free(x5c, X509_free);
	mds_blob_free(blob);
	return -1;
}

void
mds_blob_free(struct mds_blob *blob)
{
	size_t	 i;

	if (blob == NULL)
		return;
	for (i = 0; i < blob->nentries; i++)
		mds_entry_clear(&blob->entries[i]);
	free(blob->entries);
	free(blob->legal_header);
	free(blob);
}

int
mds_stored_serial(const char *state_dir, uint64_t *no, char *err, size_t errlen)
{
	char		*path, *text, *end;
	size_t		 len;
	unsigned long long v;

	*no = 0;
	path = mds_path(state_dir, "serial");
	if ((text = util_read_file(path, MDS_SERIAL_MAX, &len)) == NULL) {
		if (errno == ENOENT) {
			free(path);
			return 0;
		}
		mds_fail(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	errno = 0;
	v = strtoull(text, &end, 10);
	if (text[0] < '0' || text[0] > '9' || errno != 0 ||
	    (*end != '\0' && strcmp(end, "\n") != 0)) {
		mds_fail(err, errlen, "%s: not a BLOB serial number", path);
		free(text);
		free(path);
		return -1;
	}
	*no = v;
	free(text);
	free(path);
	return 0;
}

int
mds_import(const struct conf *conf, const char *path, const char *root_path,
    time_t now, struct mds_blob **out, char *err, size_t errlen)
{
	struct mds_blob	*blob = NULL;
	char		*jws = NULL, *roots = NULL, *dir = NULL, serial[32];
	size_t		 len, roots_len;
	uint64_t	 last;
	int		 rc = -1;

	*out = NULL;
	if (root_path == NULL)
		root_path = conf->mds_root;
	if ((jws = util_read_file(path, MDS_BLOB_MAX, &len)) == NULL) {
		/* The caller names the file it was given. */
		mds_fail(err, errlen, "%s", errno == EFBIG ?
		    "larger than 16 MiB, not a metadata BLOB" : strerror(errno));
		goto done;
	}
	/* A downloaded file may end with a newline; the JWS itself does not. */
	while (len > 0 && (jws[len - 1] == '\n' || jws[len - 1] == '\r'))
		jws[--len] = '\0';
	if ((roots = util_read_file(root_path, MDS_ROOTFILE_MAX,
	    &roots_len)) == NULL) {
		mds_fail(err, errlen, "%s: %s", root_path, strerror(errno));
		goto done;
	}
	if (mds_stored_serial(conf->state_dir, &last, err, errlen) == -1 ||
	    mds_verify_blob(jws, len, roots, roots_len, now, last, 0, &blob,
	    err, errlen) == -1)
		goto done;
	dir = mds_path(conf->state_dir, NULL);
	if (util_mkdirs(dir, 0755) == -1) {
		mds_fail(err, errlen, "%s: %s", dir, strerror(errno));
		goto done;
	}
	/* The BLOB first: a crash before the serial leaves the old serial,
	 * which only lets the same BLOB be imported again. */
	snprintf(serial, sizeof(serial), "%" PRIu64 "\n", blob->no);
	if (mds_write_atomic(dir, "blob.jwt", jws, len, err, errlen) == -1 ||
	    mds_write_atomic(dir, "serial", serial, strlen(serial), err,
	    errlen) == -1)
		goto done;
	*out = blob;
	blob = NULL;
	rc = 0;
done:
	mds_blob_free(blob);
	free(dir);
	free(roots);
	free(jws);
	return rc;
}

int
mds_stored(const struct conf *conf, time_t now, struct mds_blob **out,
    char *err, size_t errlen)
{
	struct mds_blob	*blob = NULL;
	char		*path, *jws = NULL, *roots = NULL;
	size_t		 len, roots_len;
	uint64_t	 serial;
	int		 rc = -1;

	*out = NULL;
	if (mds_stored_serial(conf->state_dir, &serial, err, errlen) == -1)
		return -1;
	path = mds_path(conf->state_dir, "blob.jwt");
	if ((jws = util_read_file(path, MDS_BLOB_MAX, &len)) == NULL) {
		if (errno == ENOENT && serial == 0)
			rc = 0;		/* nothing imported yet */
		else
			mds_fail(err, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if ((roots = util_read_file(conf->mds_root, MDS_ROOTFILE_MAX,
	    &roots_len)) == NULL) {
		mds_fail(err, errlen, "%s: %s", conf->mds_root, strerror(errno));
		goto done;
	}
	if (mds_verify_blob(jws, len, roots, roots_len, now, 0, MDS_STALE_OK,
	    &blob, err, errlen) == -1)
		goto done;
	/* A BLOB older than the recorded serial was put back by hand. */
	if (blob->no < serial) {
		mds_fail(err, errlen, "%s: BLOB no %" PRIu64 " is older than the "
		    "imported serial %" PRIu64, path, blob->no, serial);
		goto done;
	}
	*out = blob;
	blob = NULL;
	rc = 0;
done:
	mds_blob_free(blob);
	free(roots);
	free(jws);
	free(path);
	return rc;
}

/* Parsing and verification. */

static int
mds_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return -1;
}

/* RFC 7515 §7.1: exactly three non-empty base64url parts. */
static int
mds_split(const char *s, size_t len, struct mds_jws *j, char *err, size_t errlen)
{
	const char	*d1, *d2;

	if ((d1 = memchr(s, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s))) == NULL)
		return mds_fail(err, errlen, "not a JWS: expected "
		    "header.payload.signature");
	if (memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - s)) != NULL)
		return mds_fail(err, errlen, "not a JWS: more than three parts");
	j->header = s;
	j->header_len = (size_t)(d1 - s);
	j->payload = d1 + 1;
	j->payload_len = (size_t)(d2 - j->payload);
	j->sig = d2 + 1;
	j->sig_len = len - (size_t)(j->sig - s);
	if (j->header_len == 0 || j->payload_len == 0 || j->sig_len == 0)
		return mds_fail(err, errlen, "not a JWS: an empty part");
	if (j->header_len > MDS_HEADER_MAX)
		return mds_fail(err, errlen, "the JWS header is longer than %d "
		    "bytes", MDS_HEADER_MAX);
	if (j->sig_len > MDS_SIG_MAX)
		return mds_fail(err, errlen, "the JWS signature is longer than "
		    "%d bytes", MDS_SIG_MAX);
	return 0;
}

/*
 * Decodes base64url (url: RFC 4648 §5, unpadded as JWS requires) or base64
 * (RFC 4648 §4, optional padding, as in x5c and attestationRootCertificates)
 * with OpenSSL.  util_b64url_decode is bounded at 1 MiB for network input;
 * a BLOB payload is bigger, and it is signed and size-checked before this.
 */
static unsigned char *
mds_b64_decode(const char *s, size_t len, int url, size_t *outlen)
{
	unsigned char	*out;
	char		*t, c;
	size_t		 i, n, pad = 0;
	int		 r;

	while (!url && len > 0 && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (len == 0 || len % 4 == 1 || (pad > 0 && (len + pad) % 4 != 0))
		return NULL;
	n = (len + 3) / 4 * 4;
	t = xmalloc(n + 1);
	for (i = 0; i < len; i++) {
		c = s[i];
		if (url && c == '-')
			c = '+';
		else if (url && c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || (!url && (c == '+' || c == '/')))) {
			free(t);
			return NULL;
		}
		t[i] = c;
	}
	memset(t + len, '=', n - len);
	out = xmalloc(n / 4 * 3 + 1);
	r = EVP_DecodeBlock(out, (unsigned char *)t, (int)n);
	free(t);
	if (r < 0 || (size_t)r < n - len) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)r - (n - len);	/* EVP_DecodeBlock counts padding */
	return out;
}

/* RFC 7515 §4.1: alg RS256 or ES256 (the two MDS3 uses), x5c leaf first. */
static int
mds_header(const struct mds_jws *j, char *alg, size_t alglen,
    STACK_OF(X509) **x5cp, char *err, size_t errlen)
{
	STACK_OF(X509)	*x5c = NULL;
	json_t		*h = NULL, *v, *c;
	json_error_t	 jerr;
	unsigned char	*buf, *der;
	const unsigned char *p;
	const char	*a;
	size_t		 len, dlen, i;
	X509		*x;
	int		 rc = -1;

	if ((buf = mds_b64_decode(j->header, j->header_len, 1, &len)) == NULL)
		return mds_fail(err, errlen, "the JWS header is not base64url");
	if ((h = json_loadb((char *)buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(h)) {
		mds_fail(err, errlen, "the JWS header is not a JSON object");
		goto done;
	}
	a = json_string_value(json_object_get(h, "alg"));
	if (a == NULL || (strcmp(a, "RS256") != 0 && strcmp(a, "ES256") != 0)) {
		mds_fail(err, errlen, "the JWS alg is %s%s%s, not RS256 or ES256",
		    a ? "\"" : "", a ? a : "missing", a ? "\"" : "");
		goto done;
	}
	snprintf(alg, alglen, "%s", a);
	/* RFC 7515 §4.1.11: no extension is understood here. */
	if (json_object_get(h, "crit") != NULL) {
		mds_fail(err, errlen, "the JWS header has \"crit\" extensions");
		goto done;
	}
	v = json_object_get(h, "x5c");
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > MDS_X5C_MAX) {
		mds_fail(err, errlen, "the JWS header needs x5c: 1 to %d "
		    "certificates", MDS_X5C_MAX);
		goto done;
	}
	x5c = sk_X509_new_null();
	json_array_foreach(v, i, c) {
		if (!json_is_string(c) || json_string_length(c) > MDS_CERT_MAX ||
		    (der = mds_b64_decode(json_string_value(c),
		    json_string_length(c), 0, &dlen)) == NULL) {
			mds_fail(err, errlen, "x5c[%zu] is not base64", i);
			goto done;
		}
		p = der;
		x = d2i_X509(NULL, &p, (long)dlen);
		if (x == NULL || p != der + dlen) {
			X509_free(x);
			free(der);
			mds_fail(err, errlen, "x5c[%zu] is not one DER certificate",
			    i);
			goto done;
		}
		free(der);
		if (sk_X509_push(x5c, x) <= 0)
			fatalx("sk_X509_push failed");
	}
	*x5cp = x5c;
	x5c = NULL;
	rc = 0;
done:
	sk_X509_pop_free(x5c, X509_free);
	json_decref(h);
	free(buf);
	return rc;
}

/* MDS3 §3.2 step 3: the leaf chains to a configured root at time now. */
static int
mds_chain(STACK_OF(X509) *x5c, const char *pem, size_t pemlen, time_t now,
    char *err, size_t errlen)
{
	X509_STORE	*store;
	X509_STORE_CTX	*ctx = NULL;
	BIO		*bio;
	X509		*x;
	int		 nroots = 0, rc = -1, e;

	if ((store = X509_STORE_new()) == NULL)
		fatalx("X509_STORE_new failed");
	if ((bio = BIO_new_mem_buf(pem, (int)pemlen)) == NULL)
		fatalx("BIO_new_mem_buf failed");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(store, x) == 1)
			nroots++;
		X509_free(x);
	}
	BIO_free(bio);
	ERR_clear_error();	/* the loop ends on "no start line" */
	if (nroots == 0) {
		mds_fail(err, errlen, "the root file holds no PEM certificate");
		goto done;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, store, sk_X509_value(x5c, 0), x5c) != 1)
		fatalx("X509_STORE_CTX_init failed");
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), now);
	if (X509_verify_cert(ctx) != 1) {
		e = X509_STORE_CTX_get_error(ctx);
		mds_fail(err, errlen, "the BLOB's certificate chain does not "
		    "verify: %s (certificate %d)", X509_verify_cert_error_string(e),
		    X509_STORE_CTX_get_error_depth(ctx));
		goto done;
	}
	rc = 0;
done:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

/*
 * RFC 7515 §5.2 step 8 with RFC 7518 §3.3 (RS256: RSASSA-PKCS1-v1_5 with
 * SHA-256) or §3.4 (ES256: P-256, SHA-256, R||S of 32 bytes each, turned
 * into the DER ECDSA-Sig-Value OpenSSL verifies).
 */
static int
mds_signature(const struct mds_jws *j, const char *alg, X509 *leaf, char *err,
    size_t errlen)
{
	EVP_PKEY	*pk = X509_get0_pubkey(leaf);
	EVP_MD_CTX	*md = NULL;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r, *s;
	unsigned char	*sig, *der = NULL;
	char		 group[64];
	size_t		 siglen, tbslen;
	int		 derlen = 0, rc = -1, es256 = strcmp(alg, "ES256") == 0;

	if ((sig = mds_b64_decode(j->sig, j->sig_len, 1, &siglen)) == NULL)
		return mds_fail(err, errlen, "the JWS signature is not base64url");
	if (pk == NULL || (es256 && (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) != 1 ||
	    strcmp(group, "prime256v1") != 0)) ||
	    (!es256 && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)) {
		mds_fail(err, errlen, "the signing certificate's key does not "
		    "fit alg %s", alg);
		goto done;
	}
	if (es256) {
		if (siglen != 64) {
			mds_fail(err, errlen, "bad BLOB signature: ES256 wants 64 "
			    "bytes, got %zu", siglen);
			goto done;
		}
		es = ECDSA_SIG_new();
		r = BN_bin2bn(sig, 32, NULL);
		s = BN_bin2bn(sig + 32, 32, NULL);
		if (es == NULL || r == NULL || s == NULL ||
		    ECDSA_SIG_set0(es, r, s) != 1)
			fatalx("ECDSA_SIG_set0 failed");
		if ((derlen = i2d_ECDSA_SIG(es, &der)) <= 0)
			fatalx("i2d_ECDSA_SIG failed");
	}
	/* The signing input is the ASCII of "header.payload" as received. */
	tbslen = j->header_len + 1 + j->payload_len;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) != 1)
		fatalx("EVP_DigestVerifyInit failed");
	if (EVP_DigestVerify(md, es256 ? der : sig, es256 ? (size_t)derlen :
	    siglen, (const unsigned char *)j->header, tbslen) != 1) {
		mds_fail(err, errlen, "bad BLOB signature (%s): the BLOB was "
		    "altered or not signed by its certificate", alg);
		goto done;
	}
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	free(sig);
	return rc;
}

/* MDS3 §3.1.6 MetadataBLOBPayload. */
static int
mds_payload(const struct mds_jws *j, struct mds_blob *blob, char *err,
    size_t errlen)
{
	json_t		*p = NULL, *v, *e;
	json_error_t	 jerr;
	unsigned char	*buf;
	const char	*s;
	size_t		 len, i;
	int		 rc = -1, keep;

	if ((buf = mds_b64_decode(j->payload, j->payload_len, 1, &len)) == NULL)
		return mds_fail(err, errlen, "the JWS payload is not base64url");
	if ((p = json_loadb((char *)buf, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL || !json_is_object(p)) {
		mds_fail(err, errlen, "the BLOB payload is not a JSON object%s%s",
		    p == NULL ? ": " : "", p == NULL ? jerr.text : "");
		goto done;
	}
	v = json_object_get(p, "no");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		mds_fail(err, errlen, "the BLOB payload has no positive \"no\"");
		goto done;
	}
	blob->no = (uint64_t)json_integer_value(v);
	s = json_string_value(json_object_get(p, "nextUpdate"));
	if (s == NULL || mds_date(s, &blob->next_update_t) == -1) {
		mds_fail(err, errlen, "the BLOB's nextUpdate is not a date "
		    "YYYY-MM-DD");
		goto done;
	}
	snprintf(blob->next_update, sizeof(blob->next_update), "%s", s);
	if ((s = json_string_value(json_object_get(p, "legalHeader"))) == NULL) {
		mds_fail(err, errlen, "the BLOB has no legalHeader");
		goto done;
	}
	blob->legal_header = xstrdup(s);
	v = json_object_get(p, "entries");
	if (!json_is_array(v) || json_array_size(v) > MDS_ENTRIES_MAX) {
		mds_fail(err, errlen, "the BLOB's entries are not an array of at "
		    "most %d", MDS_ENTRIES_MAX);
		goto done;
	}
	blob->entries = xcalloc(json_array_size(v) + 1, sizeof(*blob->entries));
	json_array_foreach(v, i, e) {
		if (mds_entry(e, i, &blob->entries[blob->nentries], &keep, err,
		    errlen) == -1)
			goto done;
		if (!keep) {
			blob->nskipped++;
			continue;
		}
		if (blob->entries[blob->nentries].compromised)
			blob->ncompromised++;
		blob->nentries++;
	}
	rc = 0;
done:
	json_decref(p);
	free(buf);
	return rc;
}

/*
 * MDS3 §3.1.1 MetadataBLOBPayloadEntry.  *keep is 0 for an entry that is
 * neither FIDO2 nor U2F (UAF has aaid only): nothing here can use it.
 */
static int
mds_entry(json_t *e, size_t idx, struct attest_mds_entry *me, int *keep,
    char *err, size_t errlen)
{
	json_t		*ids, *ms, *id;
	const char	*s, *d;
	size_t		 i, k;

	*keep = 0;
	memset(me, 0, sizeof(*me));
	if (!json_is_object(e))
		return mds_fail(err, errlen, "entry %zu is not an object", idx);
	if ((s = json_string_value(json_object_get(e, "aaguid"))) != NULL) {
		if (mds_aaguid(s, me->aaguid) == -1)
			return mds_fail(err, errlen, "entry %zu: aaguid \"%.40s\" "
			    "is not 8-4-4-4-12 hex", idx, s);
		me->has_aaguid = 1;
	}
	ids = json_object_get(e, "attestationCertificateKeyIdentifiers");
	if (ids != NULL && (!json_is_array(ids) ||
	    json_array_size(ids) > MDS_KEYIDS_MAX))
		return mds_fail(err, errlen, "entry %zu: attestation key "
		    "identifiers are not an array of at most %d", idx,
		    MDS_KEYIDS_MAX);
	if (!me->has_aaguid && json_array_size(ids) == 0)
		return 0;
	me->key_ids = xcalloc(json_array_size(ids) + 1, sizeof(*me->key_ids));
	json_array_foreach(ids, i, id) {
		s = json_string_value(id);
		for (k = 0; s != NULL && s[k] != '\0'; k++)
			if (!((s[k] >= '0' && s[k] <= '9') ||
			    ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'f')))
				break;
		if (s == NULL || k != 40 || s[k] != '\0') {
			mds_entry_clear(me);
			return mds_fail(err, errlen, "entry %zu: key identifier "
			    "%zu is not 40 hex digits (SHA-1)", idx, i);
		}
		me->key_ids[me->nkey_ids] = xstrdup(s);
		for (k = 0; k < 40; k++)	/* compared in lower case */
			if (me->key_ids[me->nkey_ids][k] >= 'A' &&
			    me->key_ids[me->nkey_ids][k] <= 'F')
				me->key_ids[me->nkey_ids][k] |= 0x20;
		me->nkey_ids++;
	}
	ms = json_object_get(e, "metadataStatement");
	d = json_string_value(json_object_get(ms, "description"));
	if (d != NULL && strlen(d) > MDS_DESC_MAX) {
		mds_entry_clear(me);
		return mds_fail(err, errlen, "entry %zu: description longer than "
		    "%d bytes", idx, MDS_DESC_MAX);
	}
	me->description = xstrdup(d != NULL ? d : "(no description)");
	if (mds_entry_roots(ms, idx, me, err, errlen) == -1 ||
	    mds_entry_status(json_object_get(e, "statusReports"), idx, me, err,
	    errlen) == -1) {
		mds_entry_clear(me);
		return -1;
	}
	*keep = 1;
	return 0;
}

/* metadataStatement.attestationRootCertificates: base64 DER (MDS3 §3.1.1). */
static int
mds_entry_roots(json_t *ms, size_t idx, struct attest_mds_entry *me,
    char *err, size_t errlen)
{
	json_t		*roots, *r;
	unsigned char	*der;
	const unsigned char *p;
	size_t		 i, len;
	X509		*x;

	roots = json_object_get(ms, "attestationRootCertificates");
	if (roots == NULL)
		return 0;
	if (!json_is_array(roots) || json_array_size(roots) > MDS_ROOTS_MAX)
		return mds_fail(err, errlen, "entry %zu: attestation roots are "
		    "not an array of at most %d", idx, MDS_ROOTS_MAX);
	me->roots = xcalloc(json_array_size(roots) + 1, sizeof(*me->roots));
	me->root_lens = xcalloc(json_array_size(roots) + 1,
	    sizeof(*me->root_lens));
	json_array_foreach(roots, i, r) {
		if (!json_is_string(r) || json_string_length(r) > MDS_CERT_MAX ||
		    (der = mds_b64_decode(json_string_value(r),
		    json_string_length(r), 0, &len)) == NULL)
			return mds_fail(err, errlen, "entry %zu: attestation root "
			    "%zu is not base64", idx, i);
		p = der;
		if ((x = d2i_X509(NULL, &p, (long)len)) == NULL ||
		    p != der + len) {
			X509_free(x);
			free(der);
			return mds_fail(err, errlen, "entry %zu: attestation root "
			    "%zu is not one DER certificate", idx, i);
		}
		X509_free(x);
		me->roots[me->nroots] = der;
		me->root_lens[me->nroots++] = len;
	}
	return 0;
}

/*
 * statusReports (MDS3 §3.1.3): the latest report is the one with the
 * greatest effectiveDate (ISO dates compare as strings), the later one in
 * the array on a tie or when dates are missing.
 */
static int
mds_entry_status(json_t *reports, size_t idx, struct attest_mds_entry *me,
    char *err, size_t errlen)
{
	json_t		*r;
	const char	*st, *date, *best = NULL, *best_date = "";
	size_t		 i;

	if (reports == NULL)
		return 0;
	if (!json_is_array(reports))
		return mds_fail(err, errlen, "entry %zu: statusReports is not an "
		    "array", idx);
	json_array_foreach(reports, i, r) {
		if ((st = json_string_value(json_object_get(r, "status"))) == NULL)
			return mds_fail(err, errlen, "entry %zu: status report "
			    "%zu has no status", idx, i);
		date = json_string_value(json_object_get(r, "effectiveDate"));
		if (date == NULL)
			date = "";
		if (best == NULL || strcmp(date, best_date) >= 0) {
			best = st;
			best_date = date;
		}
	}
	if (best != NULL) {
		me->status = xstrdup(best);
		me->compromised = mds_compromised(best);
	}
	return 0;
}

static void
mds_entry_clear(struct attest_mds_entry *me)
{
	size_t	 i;

	for (i = 0; i < me->nkey_ids; i++)
		free(me->key_ids[i]);
	free(me->key_ids);
	for (i = 0; i < me->nroots; i++)
		free(me->roots[i]);
	free(me->roots);
	free(me->root_lens);
	free(me->description);
	free(me->status);
	memset(me, 0, sizeof(*me));
}

static int
mds_compromised(const char *status)
{
	size_t	 i;

	for (i = 0; i < sizeof(mds_bad_status) / sizeof(mds_bad_status[0]); i++)
		if (strcmp(status, mds_bad_status[i]) == 0)
			return 1;
	return 0;
}

/* YYYY-MM-DD, a real calendar day, as 00:00 UTC. */
static int
mds_date(const char *s, time_t *t)
{
	struct tm	 tm, chk;
	int		 i;

	for (i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	if (s[10] != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	chk = tm;
	if ((*t = timegm(&tm)) == (time_t)-1 || tm.tm_year != chk.tm_year ||
	    tm.tm_mon != chk.tm_mon || tm.tm_mday != chk.tm_mday)
		return -1;
	return 0;
}

/* An AAGUID as 8-4-4-4-12 hex digits (MDS3 §3.1.1 "aaguid"). */
static int
mds_aaguid(const char *s, unsigned char out[16])
{
	size_t	 i, n = 0;
	int	 hi = -1, v;

	if (strlen(s) != 36)
		return -1;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		if (s[i] >= '0' && s[i] <= '9')
			v = s[i] - '0';
		else if ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')
			v = (s[i] | 0x20) - 'a' + 10;
		else
			return -1;
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return 0;
}

/* Storage. */

/* STATE_DIR/mds, or a file in it (new string). */
static char *
mds_path(const char *state_dir, const char *name)
{
	char	*p;

	if (name == NULL)
		xasprintf(&p, "%s/mds", state_dir);
	else
		xasprintf(&p, "%s/mds/%s", state_dir, name);
	return p;
}

/* Replaces dir/name with data: a temporary file, fsync, rename, fsync of dir. */
static int
mds_write_atomic(const char *dir, const char *name, const void *data,
    size_t len, char *err, size_t errlen)
{
	char		*tmp, *path;
	const char	*p = data;
	ssize_t		 n;
	int		 fd, dfd, rc = -1;

	xasprintf(&tmp, "%s/.%s.XXXXXX", dir, name);
	xasprintf(&path, "%s/%s", dir, name);
	if ((fd = mkstemp(tmp)) == -1) {
		mds_fail(err, errlen, "%s: %s", tmp, strerror(errno));
		goto done;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	/* The BLOB is public data the daemon (another user) reads. */
	if (len != 0 || fchmod(fd, 0644) == -1 || fsync(fd) == -1) {
		mds_fail(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto done;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		mds_fail(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto done;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(dfd);	/* the rename itself reaches the disk */
		close(dfd);
	}
	rc = 0;
done:
	free(path);
	free(tmp);
	return rc;
}
