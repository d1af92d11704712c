/*
 * fuzz_b64url.c: libFuzzer harness for util_b64url_decode(), which reads
 * the base64url fields of every WebAuthn message (RFC 4648 §5).  Any bytes
 * must decode or be refused without a crash; what decodes must survive an
 * encode/decode round trip unchanged, and the encoder must write only the
 * base64url alphabet, unpadded.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_b64url_alphabet(const char *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_b64url");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*dec, *again;
	char		*enc;
	size_t		 declen, againlen;

	if ((dec = util_b64url_decode((const char *)data, size, &declen)) == NULL)
		return 0;
	/* Four characters carry three bytes; padding and the tail carry none. */
	if (declen > size / 4 * 3 + 2 || dec[declen] != '\0')
		abort();
	enc = util_b64url_encode(dec, declen);
	if (!fuzz_b64url_alphabet(enc) || strlen(enc) != (declen * 4 + 2) / 3)
		abort();
	again = util_b64url_decode(enc, strlen(enc), &againlen);
	if (again == NULL || againlen != declen ||
	    memcmp(again, dec, declen) != 0)
		abort();
	free(again);
	free(enc);
	free(dec);
	return 0;
}

/* RFC 4648 §5: A-Z a-z 0-9 - _, and no '=' since latchkey never pads. */
static int
fuzz_b64url_alphabet(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}
