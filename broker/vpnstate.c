/*
 * vpnstate.c: sealing and opening the RADIUS State of a VPN sign-in
 * (vpnstate.h) with OpenSSL's AES-256-GCM.  The cipher contexts are kept
 * keyed, so a seal costs a nonce, one pass and a tag: the challenge path
 * runs once per Access-Request.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "log.h"
#include "util.h"
#include "vpnstate.h"
#include "xmalloc.h"

#define VPNSTATE_KEY_LEN	32
#define VPNSTATE_INFO		"latchkey vpn state v1"

struct vpnstate_ctx {
	EVP_CIPHER_CTX	*enc;
	EVP_CIPHER_CTX	*dec;
};

static size_t	 vpnstate_aad(const char *, unsigned char *, size_t);
static void	 vpnstate_derive(const unsigned char *, unsigned char *);

struct vpnstate_ctx *
vpnstate_new(const unsigned char tap_key[TAP_KEY_LEN])
{
	struct vpnstate_ctx	*c;
	unsigned char		 key[VPNSTATE_KEY_LEN];

	c = xcalloc(1, sizeof(*c));
	vpnstate_derive(tap_key, key);
	if ((c->enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (c->dec = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c->enc, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(c->dec, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_SET_IVLEN, VPNSTATE_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_IVLEN, VPNSTATE_NONCE_LEN,
	    NULL) != 1)
		fatalx("vpnstate: AES-256-GCM is not available");
	explicit_bzero(key, sizeof(key));
	return (c);
}

void
vpnstate_free(struct vpnstate_ctx *c)
{
	if (c == NULL)
		return;
	/* EVP_CIPHER_CTX_free cleanses the key schedule. */
	EVP_CIPHER_CTX_free(c->enc);
	EVP_CIPHER_CTX_free(c->dec);
	free(c);
}

void
vpnstate_seal(struct vpnstate_ctx *c, const char *user, const struct vpnstate *vs,
    const unsigned char *rnd, unsigned char out[VPNSTATE_LEN])
{
	unsigned char	 plain[VPNSTATE_PLAIN_LEN], aad[1 + APPROVAL_USER_MAX];
	unsigned char	*nonce = out + 1, *ct = nonce + VPNSTATE_NONCE_LEN;
	uint64_t	 exp = (uint64_t)vs->expiry;
	size_t		 aadlen;
	int		 n, i;

	for (i = 0; i < 8; i++)
		plain[i] = (unsigned char)(exp >> (56 - 8 * i));
	memcpy(plain + 8, vs->id, APPROVAL_STATE_LEN);
	memcpy(plain + 8 + APPROVAL_STATE_LEN, vs->code, APPROVAL_CODE_LEN);
	aadlen = vpnstate_aad(user, aad, sizeof(aad));
	out[0] = VPNSTATE_VERSION;
	if (rnd != NULL)
		memcpy(nonce, rnd, VPNSTATE_NONCE_LEN);
	else
		util_random(nonce, VPNSTATE_NONCE_LEN);
	if (EVP_EncryptInit_ex(c->enc, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(c->enc, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_EncryptUpdate(c->enc, ct, &n, plain, sizeof(plain)) != 1 ||
	    n != (int)sizeof(plain) ||
	    EVP_EncryptFinal_ex(c->enc, ct + n, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->enc, EVP_CTRL_GCM_GET_TAG, VPNSTATE_TAG_LEN,
	    ct + VPNSTATE_PLAIN_LEN) != 1)
		fatalx("vpnstate: sealing failed");
	explicit_bzero(plain, sizeof(plain));
}

enum vpnstate_err
vpnstate_open(struct vpnstate_ctx *c, const unsigned char *buf, size_t len,
    const char *user, time_t now, struct vpnstate *vs)
{
	unsigned char		 plain[VPNSTATE_PLAIN_LEN], aad[1 + APPROVAL_USER_MAX];
	unsigned char		 tag[VPNSTATE_TAG_LEN];
	const unsigned char	*nonce = buf + 1, *ct = nonce + VPNSTATE_NONCE_LEN;
	uint64_t		 exp = 0;
	size_t			 aadlen;
	int			 n, i;

	memset(vs, 0, sizeof(*vs));
	/* Length and version first: nothing else of buf is read before. */
	if (len != VPNSTATE_LEN || buf[0] != VPNSTATE_VERSION)
		return (VPNSTATE_FORGED);
	aadlen = vpnstate_aad(user, aad, sizeof(aad));
	memcpy(tag, ct + VPNSTATE_PLAIN_LEN, sizeof(tag));
	if (EVP_DecryptInit_ex(c->dec, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(c->dec, NULL, &n, aad, (int)aadlen) != 1 ||
	    EVP_DecryptUpdate(c->dec, plain, &n, ct, VPNSTATE_PLAIN_LEN) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->dec, EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) != 1 ||
	    EVP_DecryptFinal_ex(c->dec, plain + n, &n) != 1) {
		explicit_bzero(plain, sizeof(plain));
		return (VPNSTATE_FORGED);
	}
	for (i = 0; i < 8; i++)
		exp = exp << 8 | plain[i];
	memcpy(vs->id, plain + 8, APPROVAL_STATE_LEN);
	memcpy(vs->code, plain + 8 + APPROVAL_STATE_LEN, APPROVAL_CODE_LEN);
	vs->code[APPROVAL_CODE_LEN] = '\0';
	explicit_bzero(plain, sizeof(plain));
	/* Only a node seals, so the fields have the form a node gave them. */
	vs->expiry = exp > (uint64_t)INT64_MAX ? (time_t)INT64_MAX : (time_t)exp;
	return (now >= vs->expiry ? VPNSTATE_EXPIRED : VPNSTATE_OK);
}

/* The version octet and the user name in ASCII lower case, cut at the RADIUS bound. */
static size_t
vpnstate_aad(const char *user, unsigned char *aad, size_t len)
{
	size_t	 n = 0;

	aad[n++] = VPNSTATE_VERSION;
	for (; *user != '\0' && n < len; user++)
		aad[n++] = (unsigned char)tolower((unsigned char)*user);
	return (n);
}

/* HKDF-SHA-256 (RFC 5869) of the TAP key, so the State key is used for nothing else. */
static void
vpnstate_derive(const unsigned char *tap_key, unsigned char *key)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx;
	OSSL_PARAM	 params[4];

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		fatalx("vpnstate: HKDF is not available");
	EVP_KDF_free(kdf);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)tap_key, TAP_KEY_LEN);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)VPNSTATE_INFO, strlen(VPNSTATE_INFO));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, key, VPNSTATE_KEY_LEN, params) != 1)
		fatalx("vpnstate: HKDF failed");
	EVP_KDF_CTX_free(kctx);
}
