/*
 * fuzz_register.c: libFuzzer harness for wa_register() (WebAuthn §7.1),
 * the whole registration path: RegistrationResponseJSON, clientDataJSON,
 * the attestationObject, authenticatorData, COSE keys and the attestation
 * statement (attest.c).  The input is the issued challenge in base64url,
 * a newline, then the response, so that mutations reach past the
 * challenge check.  Contract: a refusal has a known code and a sentence;
 * an accepted credential is a record that encodes and decodes unchanged.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const origins[] = { "https://example.org" };
static const char *const top_origins[] = { "https://example.com" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_register");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_policy	 p;
	struct wa_error		 err;
	struct passkey		*pk = NULL, *back;
	const uint8_t		*nl;
	unsigned char		*chal;
	char			*enc, *again;
	size_t			 clen;

	if ((nl = memchr(data, '\n', size)) == NULL)
		return 0;
	if ((chal = util_b64url_decode((const char *)data, (size_t)(nl - data), &clen)) == NULL)
		return 0;
	memset(&p, 0, sizeof(p));
	p.rp_id = "example.org";
	p.origins = origins;
	p.norigins = 1;
	p.top_origins = top_origins;
	p.ntop_origins = 1;
	p.allow_cross_origin = size & 1;
	p.now = 1767225600;
	memset(&err, 0, sizeof(err));
	if (wa_register(&p, chal, clen, (const char *)nl + 1, size - (size_t)(nl - data) - 1,
	    &pk, &err) == -1) {
		if (pk != NULL || err.code <= WA_OK || err.code >= WA_ERR_MAX ||
		    err.message[0] == '\0')
			abort();
	} else {
		if (pk == NULL || pk->idlen == 0 || pk->idlen > PASSKEY_ID_MAX)
			abort();
		enc = passkey_encode(pk);
		if ((back = passkey_decode(enc, strlen(enc), NULL, 0)) == NULL)
			abort();
		again = passkey_encode(back);
		if (strcmp(enc, again) != 0)
			abort();
		free(again);
		free(enc);
		passkey_free(back);
		passkey_free(pk);
	}
	free(chal);
	return 0;
}
