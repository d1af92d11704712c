/*
 * attest_android.c: the "android-key" attestation format (WebAuthn §8.4).
 * The statement is signed by the credential key itself, whose certificate
 * carries the Android key description (extension 1.3.6.1.4.1.11129.2.1.17,
 * "Key and ID attestation", KeyDescription).  The DER is walked with
 * ASN1_get_object and d2i_*, every element bounded by its parent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>

#include "attest_priv.h"
#include "xmalloc.h"

#define OID_ANDROID_KEY_DESC	"1.3.6.1.4.1.11129.2.1.17"
#define KM_TAG_PURPOSE		1
#define KM_TAG_ALL_APPLICATIONS	600
#define KM_TAG_ORIGIN		702
#define KM_ORIGIN_GENERATED	0
#define KM_PURPOSE_SIGN		2

/* One DER element: its tag, class and content. */
struct der_elem {
	int			 tag, cls, constructed;
	const unsigned char	*p;	/* content */
	long			 len;
	const unsigned char	*tlv;	/* the whole element */
	long			 tlvlen;
};

/* What an AuthorizationList says about the key. */
struct android_auth {
	int	 all_applications;
	int	 origin_generated;
	int	 purpose_sign;
};

static int	 der_next(const unsigned char **, const unsigned char *, struct der_elem *);
static int	 android_key_desc(X509 *, const unsigned char *cdh, struct android_auth *sw,
		    struct android_auth *tee, struct wa_error *);
static int	 android_auth_list(const struct der_elem *, struct android_auth *);
static int	 android_purpose(const struct der_elem *, struct android_auth *);
static int	 android_origin(const struct der_elem *, struct android_auth *);

/* §8.4.2: the verification procedure. */
int
attest_android_verify(struct attest_ctx *ctx, struct wa_error *err)
{
	const struct attest_stmt	*st = &ctx->st;
	const struct attest_input	*in = ctx->in;
	struct android_auth		 sw, tee;
	unsigned char			*tbs;
	X509				*cred_cert;
	EVP_PKEY			*cred;
	int				 rv;

	if (!st->has_alg || st->sig == NULL || !st->has_x5c)
		return wa_fail(err, WA_ATTESTATION_INVALID,
		    "the android-key attestation statement lacks alg, sig or x5c");
	cred_cert = sk_X509_value(st->x5c, 0);
	/* Step 2: sig over authenticatorData || clientDataHash by credCert's key. */
	tbs = xmalloc(in->authdata_len + 32);
	memcpy(tbs, in->authdata, in->authdata_len);
	memcpy(tbs + in->authdata_len, in->cdh, 32);
	rv = attest_sig_verify(X509_get0_pubkey(cred_cert), st->alg, tbs,
	    in->authdata_len + 32, st->sig, st->siglen, err, "android-key attestation signature");
	free(tbs);
	if (rv == -1)
		return -1;
	/* Step 3: credCert's key is the credential public key. */
	if ((cred = attest_cose_pkey(in->cose, in->cose_len)) == NULL)
		return wa_fail(err, WA_KEY_UNSUPPORTED, "the credential public key is not usable");
	rv = attest_x509_key_eq(cred_cert, cred, err, "android-key credential");
	EVP_PKEY_free(cred);
	if (rv == -1)
		return -1;
	/* Step 4: the key description. */
	if (android_key_desc(cred_cert, in->cdh, &sw, &tee, err) == -1)
		return -1;
	if (sw.all_applications || tee.all_applications)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the android key is usable by all "
		    "applications (allApplications), not scoped to this RP ID");
	/*
	 * Only keys the TEE vouches for: origin and purpose must come from
	 * teeEnforced; software-enforced values prove nothing about the key.
	 */
	if (!tee.origin_generated)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the android key description does "
		    "not show the key generated in the TEE (teeEnforced origin GENERATED)");
	if (!tee.purpose_sign)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the android key description does "
		    "not restrict the key to signing in the TEE (teeEnforced purpose SIGN)");
	ctx->type = ATTEST_TYPE_BASIC;
	return 0;
}

/*
 * KeyDescription ::= SEQUENCE { attestationVersion INTEGER,
 * attestationSecurityLevel ENUMERATED, keymasterVersion INTEGER,
 * keymasterSecurityLevel ENUMERATED, attestationChallenge OCTET STRING,
 * uniqueId OCTET STRING, softwareEnforced AuthorizationList,
 * teeEnforced AuthorizationList }
 */
static int
android_key_desc(X509 *x, const unsigned char *cdh, struct android_auth *sw,
    struct android_auth *tee, struct wa_error *err)
{
	static const int	 head[] = { V_ASN1_INTEGER, V_ASN1_ENUMERATED,
				    V_ASN1_INTEGER, V_ASN1_ENUMERATED, V_ASN1_OCTET_STRING };
	ASN1_OBJECT		*obj;
	ASN1_OCTET_STRING	*os, *chal = NULL;
	struct der_elem		 seq, e, swl, teel;
	const unsigned char	*p, *end, *q;
	size_t			 i;
	int			 idx, dup, ok;

	memset(sw, 0, sizeof(*sw));
	memset(tee, 0, sizeof(*tee));
	if ((obj = OBJ_txt2obj(OID_ANDROID_KEY_DESC, 1)) == NULL)
		return wa_fail(err, WA_INTERNAL, "out of memory");
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	dup = idx >= 0 ? X509_get_ext_by_OBJ(x, obj, idx) : -1;
	ASN1_OBJECT_free(obj);
	if (idx < 0 || dup >= 0)
		return wa_fail(err, WA_ATTESTATION_INVALID, "the android-key certificate lacks "
		    "one key description extension (1.3.6.1.4.1.11129.2.1.17)");
	os = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	p = ASN1_STRING_get0_data(os);
	end = p + ASN1_STRING_length(os);
	if (der_next(&p, end, &seq) == -1 || p != end || seq.tag != V_ASN1_SEQUENCE ||
	    seq.cls != V_ASN1_UNIVERSAL || !seq.constructed)
		goto bad;
	p = seq.p;
	end = seq.p + seq.len;
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		if (der_next(&p, end, &e) == -1 || e.cls != V_ASN1_UNIVERSAL || e.tag != head[i])
			goto bad;
	/* e is attestationChallenge: step 4, it equals clientDataHash. */
	q = e.tlv;
	chal = d2i_ASN1_OCTET_STRING(NULL, &q, e.tlvlen);
	ok = chal != NULL && ASN1_STRING_length(chal) == 32 &&
	    memcmp(ASN1_STRING_get0_data(chal), cdh, 32) == 0;
	ASN1_OCTET_STRING_free(chal);
	if (!ok) {
		ERR_clear_error();
		return wa_fail(err, WA_ATTESTATION_INVALID, "the android key description's "
		    "attestationChallenge is not the client data hash");
	}
	if (der_next(&p, end, &e) == -1 || e.tag != V_ASN1_OCTET_STRING ||	/* uniqueId */
	    der_next(&p, end, &swl) == -1 || swl.tag != V_ASN1_SEQUENCE ||
	    der_next(&p, end, &teel) == -1 || teel.tag != V_ASN1_SEQUENCE || p != end ||
	    android_auth_list(&swl, sw) == -1 || android_auth_list(&teel, tee) == -1)
		goto bad;
	return 0;
 bad:
	ERR_clear_error();
	return wa_fail(err, WA_ATTESTATION_INVALID,
	    "the android key description extension is malformed");
}

/* AuthorizationList ::= SEQUENCE { [tag] EXPLICIT ... OPTIONAL, ... } */
static int
android_auth_list(const struct der_elem *list, struct android_auth *a)
{
	const unsigned char	*p = list->p, *end = list->p + list->len;
	struct der_elem		 e;

	if (!list->constructed || list->cls != V_ASN1_UNIVERSAL)
		return -1;
	while (p < end) {
		if (der_next(&p, end, &e) == -1 || e.cls != V_ASN1_CONTEXT_SPECIFIC ||
		    !e.constructed)
			return -1;
		if (e.tag == KM_TAG_ALL_APPLICATIONS)
			a->all_applications = 1;
		else if (e.tag == KM_TAG_PURPOSE && android_purpose(&e, a) == -1)
			return -1;
		else if (e.tag == KM_TAG_ORIGIN && android_origin(&e, a) == -1)
			return -1;
	}
	return 0;
}

/* purpose [1] EXPLICIT SET OF INTEGER: SIGN among them. */
static int
android_purpose(const struct der_elem *tagged, struct android_auth *a)
{
	const unsigned char	*p = tagged->p, *end = tagged->p + tagged->len, *q;
	struct der_elem		 set, e;
	ASN1_INTEGER		*v;

	if (der_next(&p, end, &set) == -1 || p != end || set.tag != V_ASN1_SET ||
	    !set.constructed)
		return -1;
	p = set.p;
	end = set.p + set.len;
	while (p < end) {
		if (der_next(&p, end, &e) == -1 || e.tag != V_ASN1_INTEGER)
			return -1;
		q = e.tlv;
		if ((v = d2i_ASN1_INTEGER(NULL, &q, e.tlvlen)) == NULL)
			return -1;
		if (ASN1_INTEGER_get(v) == KM_PURPOSE_SIGN)
			a->purpose_sign = 1;
		ASN1_INTEGER_free(v);
	}
	return 0;
}

/* origin [702] EXPLICIT INTEGER: GENERATED. */
static int
android_origin(const struct der_elem *tagged, struct android_auth *a)
{
	const unsigned char	*p = tagged->p, *q;
	struct der_elem		 e;
	ASN1_INTEGER		*v;

	if (der_next(&p, tagged->p + tagged->len, &e) == -1 || p != tagged->p + tagged->len ||
	    e.tag != V_ASN1_INTEGER)
		return -1;
	q = e.tlv;
	if ((v = d2i_ASN1_INTEGER(NULL, &q, e.tlvlen)) == NULL)
		return -1;
	a->origin_generated = ASN1_INTEGER_get(v) == KM_ORIGIN_GENERATED;
	ASN1_INTEGER_free(v);
	return 0;
}

/*
 * Reads the next element between *pp and end with ASN1_get_object, which
 * bounds its length by what is left; indefinite lengths are not DER.
 */
static int
der_next(const unsigned char **pp, const unsigned char *end, struct der_elem *e)
{
	const unsigned char	*start = *pp, *p = *pp;
	long			 len;
	int			 r, tag, cls;

	if (p >= end)
		return -1;
	r = ASN1_get_object(&p, &len, &tag, &cls, end - p);
	if ((r & 0x80) || (r & 0x01) || len < 0 || len > end - p)
		return -1;
	e->tag = tag;
	e->cls = cls;
	e->constructed = (r & V_ASN1_CONSTRUCTED) != 0;
	e->p = p;
	e->len = len;
	e->tlv = start;
	e->tlvlen = (p - start) + len;
	*pp = p + len;
	return 0;
}
