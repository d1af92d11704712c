/*
 * webauthn_authdata.c: the strict reader of authenticatorData (WebAuthn
 * Level 3 §6.1) and a bounded CBOR item scanner.  libfido2 accepts bytes
 * after authData (webauthn-verify.md §2.2); we refuse them, and check every
 * length before the read it guards.  Every CBOR item is measured by
 * wa_cbor_item_len() before cbor_load() builds it, so that a count announced
 * by an attacker never turns into an allocation.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cbor.h>

#include "passkey.h"
#include "webauthn.h"
#include "webauthn_priv.h"

/* What the last cbor_stream_decode() call saw. */
enum scan_kind { SCAN_LEAF, SCAN_COLLECTION, SCAN_REFUSED };

struct scan_ctx {
	enum scan_kind	 kind;
	uint64_t	 children;	/* items a collection announced */
	int		 map;		/* the collection is a map: two items per entry */
};

static void	scan_on_array(void *, size_t);
static void	scan_on_map(void *, size_t);
static void	scan_on_tag(void *, uint64_t);
static void	scan_on_refused(void *);
static int	authdata_attested(const unsigned char *, size_t, size_t *,
		    struct wa_authdata *, struct wa_error *);
static int	authdata_extensions(const unsigned char *, size_t, size_t *, int,
		    struct wa_authdata *, struct wa_error *);
static int	authdata_extension(const struct cbor_pair *, int, struct wa_authdata *,
		    struct wa_error *);
static int	text_is(const cbor_item_t *, const char *);

int
wa_cbor_item_len(const unsigned char *buf, size_t len, size_t *itemlen)
{
	struct cbor_callbacks		 cb = cbor_empty_callbacks;
	struct cbor_decoder_result	 r;
	struct scan_ctx			 ctx;
	uint64_t			 left[WA_CBOR_DEPTH_MAX + 1];
	size_t				 pos = 0;
	int				 depth = 0;

	cb.array_start = scan_on_array;
	cb.map_start = scan_on_map;
	cb.tag = scan_on_tag;
	cb.indef_array_start = scan_on_refused;
	cb.indef_map_start = scan_on_refused;
	cb.byte_string_start = scan_on_refused;
	cb.string_start = scan_on_refused;
	cb.indef_break = scan_on_refused;
	left[0] = 1;
	while (depth >= 0) {
		if (pos >= len)
			return -1;
		ctx.kind = SCAN_LEAF;
		r = cbor_stream_decode(buf + pos, len - pos, &cb, &ctx);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0 ||
		    ctx.kind == SCAN_REFUSED)
			return -1;
		pos += r.read;
		left[depth]--;
		if (ctx.kind == SCAN_COLLECTION && ctx.children > 0) {
			/* Each child takes at least one byte: a count beyond that is a lie. */
			if (ctx.children > len - pos ||
			    (ctx.map && ctx.children > (len - pos) / 2))
				return -1;
			if (depth == WA_CBOR_DEPTH_MAX)
				return -1;
			left[++depth] = ctx.map ? ctx.children * 2 : ctx.children;
		}
		while (depth >= 0 && left[depth] == 0)
			depth--;
	}
	*itemlen = pos;
	return 0;
}

cbor_item_t *
wa_cbor_load(const unsigned char *buf, size_t len, struct wa_error *err)
{
	struct cbor_load_result	 res;
	cbor_item_t		*item;
	size_t			 n;

	if (wa_cbor_item_len(buf, len, &n) == -1) {
		wa_fail(err, WA_CBOR_MALFORMED, "malformed, indefinite or too deeply nested CBOR");
		return NULL;
	}
	if (n != len) {
		wa_fail(err, WA_TRAILING_BYTES, "%zu bytes follow the CBOR item", len - n);
		return NULL;
	}
	if ((item = cbor_load(buf, len, &res)) == NULL ||
	    res.error.code != CBOR_ERR_NONE || res.read != len) {
		if (item != NULL)
			cbor_decref(&item);
		wa_fail(err, WA_CBOR_MALFORMED, "the CBOR item cannot be decoded");
		return NULL;
	}
	return item;
}

/*
 * WebAuthn §6.1: rpIdHash[32] flags[1] signCount[4], then attested
 * credential data if AT, then one extensions map if ED, then nothing.
 */
int
wa_authdata_parse(const unsigned char *buf, size_t len, int mode,
    struct wa_authdata *ad, struct wa_error *err)
{
	size_t	off = WA_AUTHDATA_MIN;

	memset(ad, 0, sizeof(*ad));
	if (len < WA_AUTHDATA_MIN)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "authenticatorData is %zu bytes, shorter than %d", len, WA_AUTHDATA_MIN);
	if (len > WA_AUTHDATA_MAX)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "authenticatorData is %zu bytes, longer than %d", len, WA_AUTHDATA_MAX);
	ad->raw = buf;
	ad->len = len;
	ad->rp_id_hash = buf;
	ad->flags = buf[32];
	ad->sign_count = (uint32_t)buf[33] << 24 | (uint32_t)buf[34] << 16 |
	    (uint32_t)buf[35] << 8 | (uint32_t)buf[36];
	if (mode == WA_AD_REGISTER && !(ad->flags & WA_FLAG_AT))
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "authenticatorData of a registration has no attested credential data (AT clear)");
	if (mode == WA_AD_ASSERT && (ad->flags & WA_FLAG_AT))
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "authenticatorData of an assertion carries attested credential data (AT set)");
	if ((ad->flags & WA_FLAG_AT) && authdata_attested(buf, len, &off, ad, err) == -1)
		return -1;
	if ((ad->flags & WA_FLAG_ED) && authdata_extensions(buf, len, &off, mode, ad, err) == -1)
		return -1;
	if (off != len)
		return wa_fail(err, WA_TRAILING_BYTES,
		    "%zu bytes follow the authenticatorData", len - off);
	return 0;
}

/* §6.5.1: aaguid[16] credentialIdLength[2] credentialId credentialPublicKey. */
static int
authdata_attested(const unsigned char *buf, size_t len, size_t *offp,
    struct wa_authdata *ad, struct wa_error *err)
{
	cbor_item_t	*item;
	size_t		 off = *offp, n;
	int		 rc;

	if (len - off < WA_AAGUID_LEN + 2)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "attested credential data is cut short before the credential id length");
	ad->aaguid = buf + off;
	n = (size_t)buf[off + 16] << 8 | buf[off + 17];
	off += WA_AAGUID_LEN + 2;
	/* §7.1 step 25: a credential id longer than 1023 bytes is refused. */
	if (n > PASSKEY_ID_MAX)
		return wa_fail(err, WA_CRED_ID_TOO_LONG,
		    "the credential id is %zu bytes, more than %d", n, PASSKEY_ID_MAX);
	if (n == 0)
		return wa_fail(err, WA_AUTHDATA_MALFORMED, "the credential id is empty");
	if (n > len - off)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "the credential id (%zu bytes) runs past the authenticatorData", n);
	ad->cred_id = buf + off;
	ad->cred_id_len = n;
	off += n;
	if (off == len)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "attested credential data has no credential public key");
	if (wa_cbor_item_len(buf + off, len - off, &n) == -1)
		return wa_fail(err, WA_CBOR_MALFORMED,
		    "the credential public key is not one well-formed CBOR item");
	if ((item = wa_cbor_load(buf + off, n, err)) == NULL)
		return -1;
	rc = cose_key_from_item(item, &ad->key, err);
	cbor_decref(&item);
	if (rc == -1)
		return -1;
	ad->cose = buf + off;
	ad->cose_len = n;
	*offp = off + n;
	return 0;
}

/* §6.1 ED: one CBOR map of extension outputs keyed by identifier. */
static int
authdata_extensions(const unsigned char *buf, size_t len, size_t *offp, int mode,
    struct wa_authdata *ad, struct wa_error *err)
{
	cbor_item_t		*item;
	struct cbor_pair	*pairs;
	size_t			 off = *offp, n, i, j;
	int			 rc = -1;

	if (off == len)
		return wa_fail(err, WA_AUTHDATA_MALFORMED,
		    "the ED flag is set but no extensions follow");
	if (wa_cbor_item_len(buf + off, len - off, &n) == -1)
		return wa_fail(err, WA_CBOR_MALFORMED,
		    "the authenticator extensions are not one well-formed CBOR item");
	if ((item = wa_cbor_load(buf + off, n, err)) == NULL)
		return -1;
	if (!cbor_isa_map(item) || !cbor_map_is_definite(item)) {
		wa_fail(err, WA_CBOR_MALFORMED, "the authenticator extensions are not a map");
		goto done;
	}
	if (cbor_map_size(item) > WA_EXT_MAX) {
		wa_fail(err, WA_AUTHDATA_MALFORMED, "more than %d authenticator extensions",
		    WA_EXT_MAX);
		goto done;
	}
	pairs = cbor_map_handle(item);
	for (i = 0; i < cbor_map_size(item); i++) {
		if (!cbor_isa_string(pairs[i].key) || !cbor_string_is_definite(pairs[i].key)) {
			wa_fail(err, WA_CBOR_MALFORMED, "an authenticator extension id is not text");
			goto done;
		}
		for (j = 0; j < i; j++) {
			if (cbor_string_length(pairs[j].key) == cbor_string_length(pairs[i].key) &&
			    memcmp(cbor_string_handle(pairs[j].key), cbor_string_handle(pairs[i].key),
			    cbor_string_length(pairs[i].key)) == 0) {
				wa_fail(err, WA_CBOR_MALFORMED,
				    "an authenticator extension appears twice");
				goto done;
			}
		}
		if (authdata_extension(&pairs[i], mode, ad, err) == -1)
			goto done;
	}
	*offp = off + n;
	rc = 0;
done:
	cbor_decref(&item);
	return rc;
}

/*
 * The outputs libfido2 compares with what is set on its fido_cred_t
 * (webauthn-verify.md §1.4); others are ignored here, as §7.1 step 28
 * allows unsolicited extension outputs.
 */
static int
authdata_extension(const struct cbor_pair *p, int mode, struct wa_authdata *ad,
    struct wa_error *err)
{
	const cbor_item_t	*v = p->value;

	if (mode == WA_AD_ASSERT) {
		/* In an assertion these two carry bytes; libfido2 wants their presence mirrored. */
		if (text_is(p->key, "hmac-secret") || text_is(p->key, "credBlob")) {
			if (!cbor_isa_bytestring(v))
				return wa_fail(err, WA_AUTHDATA_MALFORMED,
				    "an hmac-secret or credBlob output is not a byte string");
			if (text_is(p->key, "hmac-secret"))
				ad->hmac_secret = 1;
			else
				ad->cred_blob = 1;
		}
		return 0;
	}
	if (text_is(p->key, "credProtect")) {
		if (!cbor_isa_uint(v) || cbor_get_int(v) < 1 || cbor_get_int(v) > 3)
			return wa_fail(err, WA_AUTHDATA_MALFORMED,
			    "the credProtect output is not 1, 2 or 3");
		ad->cred_protect = (int)cbor_get_int(v);
	} else if (text_is(p->key, "hmac-secret")) {
		if (!cbor_is_bool(v))
			return wa_fail(err, WA_AUTHDATA_MALFORMED,
			    "the hmac-secret output is not a boolean");
		ad->hmac_secret = cbor_get_bool(v);
	} else if (text_is(p->key, "credBlob")) {
		if (!cbor_is_bool(v))
			return wa_fail(err, WA_AUTHDATA_MALFORMED,
			    "the credBlob output is not a boolean");
		ad->cred_blob = cbor_get_bool(v);
	} else if (text_is(p->key, "minPinLength")) {
		if (!cbor_isa_uint(v) || cbor_get_int(v) < 1 || cbor_get_int(v) > 255)
			return wa_fail(err, WA_AUTHDATA_MALFORMED,
			    "the minPinLength output is not a number from 1 to 255");
		ad->min_pin_length = (int)cbor_get_int(v);
	}
	return 0;
}

static int
text_is(const cbor_item_t *item, const char *s)
{
	size_t	n = strlen(s);

	return cbor_string_length(item) == n &&
	    memcmp(cbor_string_handle(item), s, n) == 0;
}

static void
scan_on_array(void *arg, size_t n)
{
	struct scan_ctx	*ctx = arg;

	ctx->kind = SCAN_COLLECTION;
	ctx->children = n;
	ctx->map = 0;
}

static void
scan_on_map(void *arg, size_t n)
{
	struct scan_ctx	*ctx = arg;

	ctx->kind = SCAN_COLLECTION;
	ctx->children = n;
	ctx->map = 1;
}

/* A tag is followed by exactly one item. */
static void
scan_on_tag(void *arg, uint64_t tag)
{
	struct scan_ctx	*ctx = arg;

	(void)tag;
	ctx->kind = SCAN_COLLECTION;
	ctx->children = 1;
	ctx->map = 0;
}

/* Indefinite lengths have no place in CTAP2 canonical CBOR. */
static void
scan_on_refused(void *arg)
{
	struct scan_ctx	*ctx = arg;

	ctx->kind = SCAN_REFUSED;
}
