/*
 * fuzz_tap.c: libFuzzer harness for tap_decode(), which reads the
 * latchkeyTap value of a directory entry (untrusted: any directory writer
 * can put bytes there), and for tap_check() on the codes people type.
 * Whatever decodes must encode to a value that decodes to the same
 * encoding; no input may crash, leak or read out of bounds.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tap.h"
#include "xmalloc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char fuzz_key[TAP_KEY_LEN] = "latchkey fuzz key, not a secret";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_tap");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tap	*t, *again;
	char		 err[256], *enc, *enc2, *code;

	/* The same bytes as a code someone typed. */
	code = xmalloc(size + 1);
	memcpy(code, data, size);
	code[size] = '\0';
	if ((t = tap_decode((const char *)data, size, err, sizeof(err))) == NULL) {
		if (err[0] == '\0')
			abort();	/* a refusal always says why */
		free(code);
		return 0;
	}
	(void)tap_check(t, fuzz_key, code, (time_t)1800000000);
	(void)tap_locked_for(t, (time_t)1800000000);
	enc = tap_encode(t);
	if ((again = tap_decode(enc, strlen(enc), err, sizeof(err))) == NULL)
		abort();	/* what we write we must read */
	enc2 = tap_encode(again);
	if (strcmp(enc, enc2) != 0)
		abort();
	(void)tap_fail(again, (time_t)1800000000);
	free(enc);
	free(enc2);
	tap_free(t);
	tap_free(again);
	free(code);
	return 0;
}
