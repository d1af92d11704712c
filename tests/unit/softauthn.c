/*
 * softauthn.c: a software authenticator for the tests (see softauthn.h).
 * OpenSSL makes the keys, signatures and certificates, libcbor encodes the
 * COSE key and the attestationObject, jansson the JSON.  The encoding is
 * CTAP2 canonical, as a real authenticator's, so that a refusal in a test
 * is caused by the one field the test changed.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util.h"
#include "xmalloc.h"
#include "softauthn.h"

#define SA_AAGUID_OID	"1.3.6.1.4.1.45724.1.1.4"	/* id-fido-gen-ce-aaguid */

struct sa_ca {
	EVP_PKEY	*key;
	X509		*cert;
};

struct sa_buf {
	unsigned char	*p;
	size_t		 len;
};

static EVP_PKEY	*sa_keygen(int, int);
static X509	*sa_cert(EVP_PKEY *, const char *, const char *, EVP_PKEY *, X509 *, int,
		    const unsigned char *);
static int	 sa_sign(EVP_PKEY *, int, const unsigned char *, size_t, struct sa_buf *);
static void	 sa_append(struct sa_buf *, const void *, size_t);
static char	*sa_client_data(const struct sa_opts *, const char *, size_t *);
static void	 sa_authdata(const struct sa_cred *, const struct sa_opts *, int, struct sa_buf *);
static cbor_item_t *sa_cbor_int(int64_t);
static void	 sa_map_add(cbor_item_t *, cbor_item_t *, cbor_item_t *);
static char	*sa_b64(const struct sa_buf *);

struct sa_ca *
sa_ca_new(const char *cn)
{
	struct sa_ca	*ca;

	ca = xcalloc(1, sizeof(*ca));
	if ((ca->key = sa_keygen(-7, 0)) == NULL ||
	    (ca->cert = sa_cert(ca->key, cn, "Authenticator Attestation CA", NULL, NULL,
	    1, NULL)) == NULL) {
		sa_ca_free(ca);
		return NULL;
	}
	return ca;
}

void
sa_ca_free(struct sa_ca *ca)
{
	if (ca == NULL)
		return;
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca);
}

char *
sa_ca_pem(const struct sa_ca *ca)
{
	BIO	*bio;
	BUF_MEM	*mem;
	char	*pem = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509(bio, ca->cert) == 1) {
		BIO_get_mem_ptr(bio, &mem);
		pem = xstrndup(mem->data, mem->length);
	}
	BIO_free(bio);
	return pem;
}

struct sa_cred *
sa_cred_new(int alg, size_t idlen, int rsa_bits)
{
	struct sa_cred	*c;

	if (idlen > SA_ID_MAX)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->alg = alg;
	c->idlen = idlen;
	util_random(c->id, idlen);
	memcpy(c->aaguid, "latchkey-softaut", 16);
	if ((c->pkey = sa_keygen(alg, rsa_bits)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
sa_cred_free(struct sa_cred *c)
{
	if (c == NULL)
		return;
	EVP_PKEY_free(c->pkey);
	free(c);
}

/* The key as COSE_Key (RFC 9053), labels in CTAP2 canonical order. */
unsigned char *
sa_cred_cose(const struct sa_cred *c, size_t *len)
{
	cbor_item_t	*map;
	unsigned char	 x[66], y[66], pub[133], *out = NULL;
	BIGNUM		*n = NULL, *e = NULL;
	size_t		 plen, sz, bufsz;
	unsigned char	*nb = NULL, eb[8];
	int		 nlen, elen;

	map = cbor_new_definite_map(5);
	switch (c->alg) {
	case -7:
	case -35:
		sz = c->alg == -7 ? 32 : 48;
		if (EVP_PKEY_get_octet_string_param(c->pkey, OSSL_PKEY_PARAM_PUB_KEY, pub,
		    sizeof(pub), &plen) != 1 || plen != 1 + 2 * sz)
			goto done;
		memcpy(x, pub + 1, sz);
		memcpy(y, pub + 1 + sz, sz);
		sa_map_add(map, sa_cbor_int(1), sa_cbor_int(2));
		sa_map_add(map, sa_cbor_int(3), sa_cbor_int(c->alg));
		sa_map_add(map, sa_cbor_int(-1), sa_cbor_int(c->alg == -7 ? 1 : 2));
		sa_map_add(map, sa_cbor_int(-2), cbor_build_bytestring(x, sz));
		sa_map_add(map, sa_cbor_int(-3), cbor_build_bytestring(y, sz));
		break;
	case -8:
		plen = sizeof(pub);
		if (EVP_PKEY_get_raw_public_key(c->pkey, pub, &plen) != 1)
			goto done;
		sa_map_add(map, sa_cbor_int(1), sa_cbor_int(1));
		sa_map_add(map, sa_cbor_int(3), sa_cbor_int(-8));
		sa_map_add(map, sa_cbor_int(-1), sa_cbor_int(6));
		sa_map_add(map, sa_cbor_int(-2), cbor_build_bytestring(pub, plen));
		break;
	case -257:
		if (EVP_PKEY_get_bn_param(c->pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
		    EVP_PKEY_get_bn_param(c->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
			goto done;
		nlen = BN_num_bytes(n);
		elen = BN_num_bytes(e);
		if (elen > (int)sizeof(eb))
			goto done;
		nb = xmalloc(nlen);
		BN_bn2bin(n, nb);
		BN_bn2bin(e, eb);
		sa_map_add(map, sa_cbor_int(1), sa_cbor_int(3));
		sa_map_add(map, sa_cbor_int(3), sa_cbor_int(-257));
		sa_map_add(map, sa_cbor_int(-1), cbor_build_bytestring(nb, nlen));
		sa_map_add(map, sa_cbor_int(-2), cbor_build_bytestring(eb, elen));
		break;
	default:
		goto done;
	}
	if ((*len = cbor_serialize_alloc(map, &out, &bufsz)) == 0) {
		free(out);
		out = NULL;
	}
done:
	free(nb);
	BN_free(n);
	BN_free(e);
	cbor_decref(&map);
	return out;
}

void
sa_opts_init(struct sa_opts *o, const char *rp_id, const char *origin,
    const void *challenge, size_t challenge_len)
{
	memset(o, 0, sizeof(*o));
	o->rp_id = rp_id;
	o->origin = origin;
	o->challenge = challenge;
	o->challenge_len = challenge_len;
	o->cross_origin = 0;
	o->flags = SA_UP | SA_UV;
	o->fmt = "none";
}

/*
 * RegistrationResponseJSON: authData with attested credential data, the
 * statement of o->fmt (packed: sig over authData || SHA-256(clientDataJSON),
 * by the credential key or by a leaf the CA issues), the attestationObject.
 */
char *
sa_register(struct sa_cred *c, const struct sa_opts *o)
{
	struct sa_buf	 ad = { 0 }, sig = { 0 }, att = { 0 }, cdj;
	cbor_item_t	*obj = NULL, *stmt = NULL, *x5c;
	EVP_PKEY	*leafkey = NULL;
	X509		*leaf = NULL;
	unsigned char	 cdh[32], *der = NULL, *buf = NULL;
	char		*cd, *s_cdj = NULL, *s_att = NULL, *s_id = NULL, *out = NULL;
	size_t		 cdlen, bufsz, n;
	int		 derlen, leafalg;
	json_t		*j;

	if ((cd = sa_client_data(o, "webauthn.create", &cdlen)) == NULL)
		return NULL;
	SHA256((unsigned char *)cd, cdlen, cdh);
	sa_authdata(c, o, 1, &ad);

	if (strcmp(o->fmt, "packed") == 0) {
		stmt = cbor_new_definite_map(3);
		sa_append(&sig, ad.p, ad.len);
		sa_append(&sig, cdh, sizeof(cdh));
		if (o->ca != NULL) {
			leafalg = -7;
			if ((leafkey = sa_keygen(-7, 0)) == NULL ||
			    (leaf = sa_cert(leafkey, "latchkey softauthn",
			    o->cert_bad_ou ? "Authenticator" : "Authenticator Attestation",
			    o->ca->key, o->ca->cert, 0, o->cert_bad_aaguid ?
			    (const unsigned char *)"0000000000000000" : c->aaguid)) == NULL)
				goto done;
		} else
			leafalg = c->alg;
		{
			struct sa_buf	 tbs = sig;

			memset(&sig, 0, sizeof(sig));
			if (sa_sign(leafkey != NULL ? leafkey : c->pkey, leafalg, tbs.p, tbs.len,
			    &sig) == -1) {
				free(tbs.p);
				goto done;
			}
			free(tbs.p);
		}
		if (o->bad_signature)
			sig.p[sig.len / 2] ^= 0x01;
		sa_map_add(stmt, cbor_build_string("alg"), sa_cbor_int(leafalg));
		sa_map_add(stmt, cbor_build_string("sig"), cbor_build_bytestring(sig.p, sig.len));
		if (leaf != NULL) {
			if ((derlen = i2d_X509(leaf, &der)) <= 0)
				goto done;
			x5c = cbor_new_definite_array(2);
			(void)cbor_array_push(x5c, cbor_move(cbor_build_bytestring(der, derlen)));
			OPENSSL_free(der);
			der = NULL;
			if ((derlen = i2d_X509(o->ca->cert, &der)) <= 0) {
				cbor_decref(&x5c);
				goto done;
			}
			(void)cbor_array_push(x5c, cbor_move(cbor_build_bytestring(der, derlen)));
			sa_map_add(stmt, cbor_build_string("x5c"), x5c);
		}
	} else if (strcmp(o->fmt, "android-safetynet") == 0) {
		stmt = cbor_new_definite_map(2);
		sa_map_add(stmt, cbor_build_string("ver"), cbor_build_string("1"));
		sa_map_add(stmt, cbor_build_string("response"),
		    cbor_build_bytestring((const unsigned char *)"a.b.c", 5));
	} else
		stmt = cbor_new_definite_map(0);

	obj = cbor_new_definite_map(3);
	sa_map_add(obj, cbor_build_string("fmt"), cbor_build_string(o->fmt));
	sa_map_add(obj, cbor_build_string("attStmt"), stmt);
	stmt = NULL;
	sa_map_add(obj, cbor_build_string("authData"), cbor_build_bytestring(ad.p, ad.len));
	if ((n = cbor_serialize_alloc(obj, &buf, &bufsz)) == 0)
		goto done;
	sa_append(&att, buf, n);
	for (n = 0; n < o->trailing_attobj; n++)
		sa_append(&att, "\0", 1);

	cdj.p = (unsigned char *)cd;
	cdj.len = cdlen;
	s_cdj = sa_b64(&cdj);
	s_att = sa_b64(&att);
	s_id = util_b64url_encode(c->id, c->idlen);
	j = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:[s]}, s:{}, s:s}",
	    "id", s_id, "rawId", s_id, "type", "public-key",
	    "response", "clientDataJSON", s_cdj, "attestationObject", s_att,
	    "transports", "usb", "clientExtensionResults",
	    "authenticatorAttachment", "cross-platform");
	if (j != NULL) {
		out = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
done:
	if (stmt != NULL)
		cbor_decref(&stmt);
	if (obj != NULL)
		cbor_decref(&obj);
	OPENSSL_free(der);
	X509_free(leaf);
	EVP_PKEY_free(leafkey);
	free(buf);
	free(ad.p);
	free(sig.p);
	free(att.p);
	free(cd);
	free(s_cdj);
	free(s_att);
	free(s_id);
	return out;
}

/* AuthenticationResponseJSON: sig over authData || SHA-256(clientDataJSON). */
char *
sa_assert(struct sa_cred *c, const struct sa_opts *o)
{
	struct sa_buf	 ad = { 0 }, tbs = { 0 }, sig = { 0 }, cdj;
	unsigned char	 cdh[32];
	char		*cd, *s_cdj = NULL, *s_ad = NULL, *s_sig = NULL, *s_id = NULL;
	char		*s_uh = NULL, *out = NULL;
	size_t		 cdlen;
	json_t		*j, *resp;

	if ((cd = sa_client_data(o, "webauthn.get", &cdlen)) == NULL)
		return NULL;
	SHA256((unsigned char *)cd, cdlen, cdh);
	sa_authdata(c, o, 0, &ad);
	/* The trailing bytes were appended after the signed part: sign what is sent. */
	sa_append(&tbs, ad.p, ad.len);
	sa_append(&tbs, cdh, sizeof(cdh));
	if (sa_sign(c->pkey, c->alg, tbs.p, tbs.len, &sig) == -1)
		goto done;
	if (o->bad_signature)
		sig.p[sig.len / 2] ^= 0x01;
	cdj.p = (unsigned char *)cd;
	cdj.len = cdlen;
	s_cdj = sa_b64(&cdj);
	s_ad = sa_b64(&ad);
	s_sig = sa_b64(&sig);
	s_id = util_b64url_encode(c->id, c->idlen);
	resp = json_pack("{s:s, s:s, s:s}", "clientDataJSON", s_cdj,
	    "authenticatorData", s_ad, "signature", s_sig);
	if (resp != NULL && o->user_handle != NULL) {
		s_uh = util_b64url_encode(o->user_handle, o->user_handle_len);
		json_object_set_new(resp, "userHandle", json_string(s_uh));
	}
	j = json_pack("{s:s, s:s, s:s, s:o, s:{}}", "id", s_id, "rawId", s_id,
	    "type", "public-key", "response", resp, "clientExtensionResults");
	if (j != NULL) {
		out = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
done:
	free(ad.p);
	free(tbs.p);
	free(sig.p);
	free(cd);
	free(s_cdj);
	free(s_ad);
	free(s_sig);
	free(s_id);
	free(s_uh);
	return out;
}

/* clientDataJSON with members in the order browsers write them. */
static char *
sa_client_data(const struct sa_opts *o, const char *type, size_t *len)
{
	json_t	*j;
	char	*chal, *s;

	chal = util_b64url_encode(o->challenge, o->challenge_len);
	j = json_pack("{s:s, s:s, s:s}", "type", o->type != NULL ? o->type : type,
	    "challenge", chal, "origin", o->origin);
	free(chal);
	if (j == NULL)
		return NULL;
	if (o->cross_origin >= 0)
		json_object_set_new(j, "crossOrigin", json_boolean(o->cross_origin));
	if (o->top_origin != NULL)
		json_object_set_new(j, "topOrigin", json_string(o->top_origin));
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s != NULL)
		*len = strlen(s);
	return s;
}

/* rpIdHash, flags, signCount, [aaguid, credIdLen, credId, COSE key], [trailing]. */
static void
sa_authdata(const struct sa_cred *c, const struct sa_opts *o, int reg, struct sa_buf *ad)
{
	unsigned char	 h[32], cnt[4], l[2], *cose = NULL;
	uint8_t		 flags = o->flags;
	size_t		 coselen = 0, i;

	SHA256((const unsigned char *)o->rp_id, strlen(o->rp_id), h);
	if ((reg && !o->no_at) || (!reg && o->set_at))
		flags |= SA_AT;
	cnt[0] = c->count >> 24;
	cnt[1] = c->count >> 16;
	cnt[2] = c->count >> 8;
	cnt[3] = c->count;
	sa_append(ad, h, sizeof(h));
	sa_append(ad, &flags, 1);
	sa_append(ad, cnt, sizeof(cnt));
	if (reg && !o->no_at) {
		l[0] = c->idlen >> 8;
		l[1] = c->idlen;
		sa_append(ad, c->aaguid, sizeof(c->aaguid));
		sa_append(ad, l, sizeof(l));
		sa_append(ad, c->id, c->idlen);
		if (o->cose_override != NULL)
			sa_append(ad, o->cose_override, o->cose_override_len);
		else if ((cose = sa_cred_cose(c, &coselen)) != NULL)
			sa_append(ad, cose, coselen);
		free(cose);
	}
	for (i = 0; i < o->trailing_authdata; i++)
		sa_append(ad, "\0", 1);
}

static EVP_PKEY *
sa_keygen(int alg, int rsa_bits)
{
	switch (alg) {
	case -7:
		return EVP_EC_gen("P-256");
	case -35:
		return EVP_EC_gen("P-384");
	case -8:
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	case -257:
		return EVP_RSA_gen(rsa_bits > 0 ? (unsigned int)rsa_bits : 2048);
	default:
		return NULL;
	}
}

/*
 * A certificate for key: self-signed CA when ca is set, else a leaf with
 * the packed attestation profile of WebAuthn §8.2.1 (v3, C/O/OU/CN,
 * CA:FALSE, the AAGUID extension when aaguid is given) signed by cakey.
 */
static X509 *
sa_cert(EVP_PKEY *key, const char *cn, const char *ou, EVP_PKEY *cakey, X509 *cacert,
    int ca, const unsigned char *aaguid)
{
	X509			*x;
	X509_NAME		*name;
	X509_EXTENSION		*ext;
	X509V3_CTX		 ctx;
	ASN1_OBJECT		*obj;
	ASN1_OCTET_STRING	*os;
	unsigned char		 der[18];
	unsigned char		 serial[8];

	if ((x = X509_new()) == NULL)
		return NULL;
	util_random(serial, sizeof(serial));
	serial[0] &= 0x7f;
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
	    ((uint64_t)serial[0] << 24) | (serial[1] << 16) | (serial[2] << 8) | serial[3]);
	X509_gmtime_adj(X509_getm_notBefore(x), -86400);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"SE", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"latchkey tests",
	    -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (const unsigned char *)ou, -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, ca ? name : X509_get_subject_name(cacert));
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, ca ? x : cacert, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	if (ext != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (ca && (ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage,
	    "critical,keyCertSign,cRLSign")) != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (aaguid != NULL) {
		der[0] = 0x04;
		der[1] = 16;
		memcpy(der + 2, aaguid, 16);
		obj = OBJ_txt2obj(SA_AAGUID_OID, 1);
		os = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(os, der, sizeof(der));
		if ((ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL) {
			X509_add_ext(x, ext, -1);
			X509_EXTENSION_free(ext);
		}
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(obj);
	}
	if (X509_sign(x, ca ? key : cakey, EVP_sha256()) == 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* The signature WebAuthn expects for alg: DER ECDSA, PKCS#1 v1.5, raw Ed25519. */
static int
sa_sign(EVP_PKEY *key, int alg, const unsigned char *msg, size_t len, struct sa_buf *out)
{
	EVP_MD_CTX	*ctx;
	const EVP_MD	*md;
	size_t		 siglen = 0;
	int		 r = -1;

	md = alg == -35 ? EVP_sha384() : alg == -8 ? NULL : EVP_sha256();
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit(ctx, NULL, md, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, msg, len) != 1)
		goto done;
	out->p = xmalloc(siglen);
	if (EVP_DigestSign(ctx, out->p, &siglen, msg, len) != 1)
		goto done;
	out->len = siglen;
	r = 0;
done:
	EVP_MD_CTX_free(ctx);
	return r;
}

static void
sa_append(struct sa_buf *b, const void *p, size_t len)
{
	b->p = xreallocarray(b->p, b->len + len + 1, 1);
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* An integer in its shortest encoding (CTAP2 canonical CBOR). */
static cbor_item_t *
sa_cbor_int(int64_t v)
{
	uint64_t	 u = v >= 0 ? (uint64_t)v : (uint64_t)(-1 - v);

	if (u <= UINT8_MAX)
		return v >= 0 ? cbor_build_uint8(u) : cbor_build_negint8(u);
	if (u <= UINT16_MAX)
		return v >= 0 ? cbor_build_uint16(u) : cbor_build_negint16(u);
	if (u <= UINT32_MAX)
		return v >= 0 ? cbor_build_uint32(u) : cbor_build_negint32(u);
	return v >= 0 ? cbor_build_uint64(u) : cbor_build_negint64(u);
}

/* Adds a pair to a definite map, giving up the caller's references. */
static void
sa_map_add(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	(void)cbor_map_add(map, (struct cbor_pair){ .key = cbor_move(k),
	    .value = cbor_move(v) });
}

static char *
sa_b64(const struct sa_buf *b)
{
	return util_b64url_encode(b->p, b->len);
}
