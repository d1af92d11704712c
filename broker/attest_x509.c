/*
 * attest_x509.c: the attestation certificate requirements of packed
 * (WebAuthn §8.2.1) and tpm (§8.3.1), and the x5c chain built with
 * OpenSSL up to a trust anchor from metadata or the configuration.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "attest_priv.h"
#include "log.h"
#include "xmalloc.h"

#define OID_FIDO_AAGUID		"1.3.6.1.4.1.45724.1.1.4"	/* id-fido-gen-ce-aaguid */
#define OID_TCG_MANUFACTURER	"2.23.133.2.1"
#define OID_TCG_MODEL		"2.23.133.2.2"
#define OID_TCG_VERSION		"2.23.133.2.3"
#define OID_TCG_AIK_CERT	"2.23.133.8.3"			/* tcg-kp-AIKCertificate */
#define AAGUID_LEN		16

static int	 attest_x509_v3_leaf(X509 *, const char *, struct wa_error *);
static int	 attest_x509_name_text(X509_NAME *, int, char *, size_t);
static int	 attest_x509_has_oid(X509_NAME *, const char *);
static int	 attest_x509_tpm_san(X509 *);
static int	 attest_x509_tpm_eku(X509 *);
static int	 attest_x509_in(STACK_OF(X509) *, X509 *);
static int	 attest_x509_store_add(X509_STORE *, STACK_OF(X509) *);

/*
 * §8.2.1: version 3; Subject C (ISO 3166 code), O, OU "Authenticator
 * Attestation", CN; basicConstraints CA false; the AAGUID extension, if
 * present, non-critical and equal to the authData AAGUID.
 */
int
attest_x509_packed(X509 *x, const unsigned char aaguid[16], struct wa_error *err)
{
	X509_NAME	*subj = X509_get_subject_name(x);
	char		 c[8], o[256], ou[64], cn[256];

	if (attest_x509_v3_leaf(x, "packed", err) == -1)
		return -1;
	if (attest_x509_name_text(subj, NID_countryName, c, sizeof(c)) == -1 ||
	    strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the packed attestation certificate subject lacks a country code (C)");
	if (attest_x509_name_text(subj, NID_organizationName, o, sizeof(o)) == -1 || *o == '\0')
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the packed attestation certificate subject lacks the vendor (O)");
	if (attest_x509_name_text(subj, NID_organizationalUnitName, ou, sizeof(ou)) == -1 ||
	    strcmp(ou, "Authenticator Attestation") != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the packed attestation certificate "
		    "subject OU is not \"Authenticator Attestation\"");
	if (attest_x509_name_text(subj, NID_commonName, cn, sizeof(cn)) == -1 || *cn == '\0')
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the packed attestation certificate subject lacks a CN");
	return attest_x509_aaguid(x, aaguid, err);
}

/*
 * §8.3.1: version 3; empty Subject; a SAN directoryName with the TPM
 * manufacturer, model and version; EKU tcg-kp-AIKCertificate; CA false;
 * the AAGUID extension as for packed.
 */
int
attest_x509_tpm(X509 *x, const unsigned char aaguid[16], struct wa_error *err)
{
	if (attest_x509_v3_leaf(x, "TPM AIK", err) == -1)
		return -1;
	if (X509_NAME_entry_count(X509_get_subject_name(x)) != 0)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the TPM AIK certificate subject is not empty");
	if (attest_x509_tpm_san(x) == -1)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the TPM AIK certificate lacks a "
		    "subjectAltName with the TPM manufacturer, model and version");
	if (attest_x509_tpm_eku(x) == -1)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the TPM AIK certificate lacks the "
		    "extended key usage tcg-kp-AIKCertificate (2.23.133.8.3)");
	return attest_x509_aaguid(x, aaguid, err);
}

/*
 * §8.2.1/§8.3.1: id-fido-gen-ce-aaguid, if present, is non-critical and
 * its value (an OCTET STRING inside the extnValue) is the authData AAGUID.
 */
int
attest_x509_aaguid(X509 *x, const unsigned char aaguid[16], struct wa_error *err)
{
	ASN1_OBJECT		*obj;
	X509_EXTENSION		*ext;
	ASN1_OCTET_STRING	*os, *val;
	const unsigned char	*p;
	int			 idx, dup, ok;

	if ((obj = OBJ_txt2obj(OID_FIDO_AAGUID, 1)) == NULL)
		return wa_fail(err, WA_INTERNAL, "out of memory");
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	dup = idx >= 0 ? X509_get_ext_by_OBJ(x, obj, idx) : -1;
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return 0;
	if (dup >= 0)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the attestation certificate carries the AAGUID extension twice");
	ext = X509_get_ext(x, idx);
	if (X509_EXTENSION_get_critical(ext))
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the attestation certificate's AAGUID extension is marked critical");
	os = X509_EXTENSION_get_data(ext);
	p = ASN1_STRING_get0_data(os);
	val = d2i_ASN1_OCTET_STRING(NULL, &p, ASN1_STRING_length(os));
	ok = val != NULL && p == ASN1_STRING_get0_data(os) + ASN1_STRING_length(os) &&
	    ASN1_STRING_length(val) == AAGUID_LEN &&
	    memcmp(ASN1_STRING_get0_data(val), aaguid, AAGUID_LEN) == 0;
	ASN1_OCTET_STRING_free(val);
	ERR_clear_error();
	if (!ok)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the attestation certificate's "
		    "AAGUID extension does not match the authenticator data AAGUID");
	return 0;
}

/* The certificate's public key equals the credential key. */
int
attest_x509_key_eq(X509 *x, EVP_PKEY *cred, struct wa_error *err, const char *what)
{
	EVP_PKEY	*pk = X509_get0_pubkey(x);

	if (pk == NULL || cred == NULL || EVP_PKEY_eq(pk, cred) != 1) {
		ERR_clear_error();
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s certificate key is not the credential public key", what);
	}
	return 0;
}

/*
 * WebAuthn §7.1 steps 23-24: builds the chain from x5c[0] over the
 * untrusted x5c[1..] to an anchor: the roots of the AAGUID's metadata entry
 * (unless the entry reports a compromise) and the configured PEM roots, at
 * the policy's clock.  A chain that ends at a certificate in the store is
 * accepted even if that certificate is not self-signed (partial chain), as
 * metadata may list an intermediate.  Sets TRUSTED (with the anchor) or
 * UNTRUSTED; -1 only on an internal failure.
 */
static X509	*attest_x509_anchor_by_key(X509 *, int, STACK_OF(X509) *, STACK_OF(X509) *,
		    time_t);

int
attest_x509_chain(const struct attest_trust *trust, const struct attest_input *in,
    STACK_OF(X509) *x5c, struct attest_result *res)
{
	const struct attest_mds_entry	*entry = NULL;
	STACK_OF(X509)			*mds = NULL, *pem = NULL, *untrusted = NULL, *chain;
	X509_STORE			*store = NULL;
	X509_STORE_CTX			*sctx = NULL;
	X509				*anchor;
	int				 i, n = 0, rv = -1;

	res->trust = PASSKEY_TRUST_UNTRUSTED;
	if (trust != NULL) {
		entry = attest_trust_find_aaguid(trust, in->aaguid);
		if (entry != NULL && entry->compromised) {
			log_warnx("attestation: metadata for \"%s\" reports %s; not trusting it",
			    entry->description ? entry->description : "?",
			    entry->status ? entry->status : "a compromise");
			return 0;
		}
		mds = attest_trust_mds_roots(trust, in->aaguid);
		pem = attest_trust_pem_roots(trust);
	}
	if ((store = X509_STORE_new()) == NULL || (sctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_new_null()) == NULL)
		goto done;
	if ((n = attest_x509_store_add(store, mds)) == -1 ||
	    (i = attest_x509_store_add(store, pem)) == -1)
		goto done;
	if (n + i == 0) {
		rv = 0;		/* no anchors at all: untrusted */
		goto done;
	}
	for (i = 1; i < sk_X509_num(x5c); i++)
		if (sk_X509_push(untrusted, sk_X509_value(x5c, i)) <= 0)
			goto done;
	if (X509_STORE_CTX_init(sctx, store, sk_X509_value(x5c, 0), untrusted) != 1)
		goto done;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sctx),
	    in->now ? in->now : time(NULL));
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx), X509_V_FLAG_PARTIAL_CHAIN);
	if (X509_verify_cert(sctx) == 1) {
		chain = X509_STORE_CTX_get0_chain(sctx);
		anchor = sk_X509_value(chain, sk_X509_num(chain) - 1);
	} else if ((anchor = attest_x509_anchor_by_key(sk_X509_value(x5c, 0), sk_X509_num(x5c),
	    mds, pem, in->now ? in->now : time(NULL))) == NULL) {
		log_debug("attestation: chain not trusted: %s",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
		rv = 0;
		goto done;
	}
	res->trust = PASSKEY_TRUST_TRUSTED;
	if (entry != NULL && entry->description != NULL) {
		res->authenticator = xstrdup(entry->description);
		if (attest_x509_in(mds, anchor))
			res->source = xstrdup(entry->description);
	}
	if (res->source == NULL)
		res->source = attest_x509_subject(anchor);
	rv = 0;
 done:
	ERR_clear_error();
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	return rv;
}

/*
 * A lone self-issued certificate whose trust anchor is a configured root
 * with the same name and key (RFC 5280 §6.1.1(d): an anchor is a name and a
 * public key, not one encoding).  OpenSSL trusts a self-signed leaf only if
 * the very same certificate is in the store, but some authenticators mint a
 * new certificate over the same batch key at each registration (a fresh
 * validity period each time), which is still the anchor's key speaking.
 * The leaf must verify with the anchor's key and be valid at now.
 */
static X509 *
attest_x509_anchor_by_key(X509 *leaf, int nx5c, STACK_OF(X509) *mds, STACK_OF(X509) *pem,
    time_t now)
{
	STACK_OF(X509)	*sets[2] = { mds, pem };
	EVP_PKEY	*key;
	X509		*r;
	size_t		 s;
	int		 i;

	if (nx5c != 1 || X509_NAME_cmp(X509_get_issuer_name(leaf),
	    X509_get_subject_name(leaf)) != 0)
		return NULL;
	if (X509_cmp_time(X509_get0_notBefore(leaf), &now) >= 0 ||
	    X509_cmp_time(X509_get0_notAfter(leaf), &now) <= 0)
		return NULL;
	for (s = 0; s < 2; s++)
		for (i = 0; sets[s] != NULL && i < sk_X509_num(sets[s]); i++) {
			r = sk_X509_value(sets[s], i);
			key = X509_get0_pubkey(r);
			if (key != NULL && X509_NAME_cmp(X509_get_subject_name(r),
			    X509_get_subject_name(leaf)) == 0 &&
			    EVP_PKEY_eq(key, X509_get0_pubkey(leaf)) == 1 &&
			    X509_verify(leaf, key) == 1)
				return r;
		}
	return NULL;
}

/* The subject as one line ("CN=..., O=..."), a new string. */
char *
attest_x509_subject(X509 *x)
{
	BIO	*bio;
	char	*s, *p;
	long	 len;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return xstrdup("?");
	X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
	    XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(bio, &p);
	s = len > 0 ? xstrndup(p, (size_t)len) : xstrdup("(empty subject)");
	BIO_free(bio);
	return s;
}

/* Version 3 and not a CA (basicConstraints absent or CA false). */
static int
attest_x509_v3_leaf(X509 *x, const char *what, struct wa_error *err)
{
	BASIC_CONSTRAINTS	*bc;
	int			 crit = -1, ca;

	if (X509_get_version(x) != X509_VERSION_3)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s attestation certificate is not X.509 version 3", what);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	if (bc == NULL && crit != -1) {
		ERR_clear_error();
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s attestation certificate's basicConstraints cannot be read", what);
	}
	ca = bc != NULL && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	if (ca)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the %s attestation certificate is a CA (basicConstraints CA true)", what);
	return 0;
}

/* The single value of a name attribute as UTF-8 in buf; -1 if absent or repeated. */
static int
attest_x509_name_text(X509_NAME *name, int nid, char *buf, size_t len)
{
	unsigned char	*utf8 = NULL;
	int		 idx, n;

	if ((idx = X509_NAME_get_index_by_NID(name, nid, -1)) < 0 ||
	    X509_NAME_get_index_by_NID(name, nid, idx) >= 0)
		return -1;
	n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx)));
	if (n < 0 || (size_t)n >= len || memchr(utf8, '\0', (size_t)n) != NULL) {
		OPENSSL_free(utf8);
		return -1;
	}
	memcpy(buf, utf8, (size_t)n);
	buf[n] = '\0';
	OPENSSL_free(utf8);
	return 0;
}

static int
attest_x509_has_oid(X509_NAME *name, const char *oid)
{
	ASN1_OBJECT	*obj;
	int		 idx;

	if ((obj = OBJ_txt2obj(oid, 1)) == NULL)
		return 0;
	idx = X509_NAME_get_index_by_OBJ(name, obj, -1);
	ASN1_OBJECT_free(obj);
	return idx >= 0;
}

/* A SAN directoryName holding the three TCG attributes (TPMv2 EK profile §3.2.9). */
static int
attest_x509_tpm_san(X509 *x)
{
	GENERAL_NAMES	*san;
	GENERAL_NAME	*gn;
	int		 i, found = 0;

	if ((san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) == NULL) {
		ERR_clear_error();
		return -1;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(san) && !found; i++) {
		gn = sk_GENERAL_NAME_value(san, i);
		if (gn->type != GEN_DIRNAME)
			continue;
		found = attest_x509_has_oid(gn->d.dirn, OID_TCG_MANUFACTURER) &&
		    attest_x509_has_oid(gn->d.dirn, OID_TCG_MODEL) &&
		    attest_x509_has_oid(gn->d.dirn, OID_TCG_VERSION);
	}
	GENERAL_NAMES_free(san);
	return found ? 0 : -1;
}

static int
attest_x509_tpm_eku(X509 *x)
{
	EXTENDED_KEY_USAGE	*eku;
	ASN1_OBJECT		*want;
	int			 i, found = 0;

	if ((eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL)) == NULL) {
		ERR_clear_error();
		return -1;
	}
	if ((want = OBJ_txt2obj(OID_TCG_AIK_CERT, 1)) != NULL)
		for (i = 0; i < sk_ASN1_OBJECT_num(eku) && !found; i++)
			found = OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), want) == 0;
	ASN1_OBJECT_free(want);
	EXTENDED_KEY_USAGE_free(eku);
	return found ? 0 : -1;
}

static int
attest_x509_in(STACK_OF(X509) *sk, X509 *x)
{
	int	 i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return 1;
	return 0;
}

/* Adds the certificates as anchors; the count added, or -1. */
static int
attest_x509_store_add(X509_STORE *store, STACK_OF(X509) *sk)
{
	int	 i;

	for (i = 0; i < sk_X509_num(sk); i++)
		if (X509_STORE_add_cert(store, sk_X509_value(sk, i)) != 1) {
			/* The same root named twice is not an error. */
			if (ERR_GET_REASON(ERR_peek_last_error()) !=
			    X509_R_CERT_ALREADY_IN_HASH_TABLE)
				return -1;
			ERR_clear_error();
		}
	return sk_X509_num(sk) < 0 ? 0 : sk_X509_num(sk);
}
