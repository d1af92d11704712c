/*
 * fuzz_assert.c: libFuzzer harness for wa_assertion_parse() and
 * wa_authenticate() (WebAuthn §7.2), and for passkey_decode() of the
 * stored record.  The input is three lines: the issued challenge in
 * base64url, the stored credential record (a latchkeyPasskey value, itself
 * untrusted directory data), and the AuthenticationResponseJSON.
 * Contract: a refusal has a known code and a sentence; an accepted
 * assertion comes from the stored credential and moves its counter
 * forward (or both counters are zero).
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_assert");
	return 0;
}

static void
check_refusal(const struct wa_error *err)
{
	if (err->code <= WA_OK || err->code >= WA_ERR_MAX || err->message[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wa_policy	 p;
	struct wa_error		 err;
	struct wa_assertion	*a = NULL;
	struct passkey		*stored = NULL, *pk = NULL;
	const char		*s = (const char *)data, *rec, *resp, *end = s + size;
	unsigned char		*chal = NULL;
	size_t			 clen, idlen;
	const unsigned char	*id;

	if ((rec = memchr(s, '\n', size)) == NULL)
		return 0;
	rec++;
	if ((resp = memchr(rec, '\n', (size_t)(end - rec))) == NULL)
		return 0;
	resp++;
	if ((chal = util_b64url_decode(s, (size_t)(rec - 1 - s), &clen)) == NULL)
		return 0;
	if ((stored = passkey_decode(rec, (size_t)(resp - 1 - rec), NULL, 0)) == NULL)
		goto done;
	memset(&err, 0, sizeof(err));
	if (wa_assertion_parse(resp, (size_t)(end - resp), &a, &err) == -1) {
		if (a != NULL)
			abort();
		check_refusal(&err);
		goto done;
	}
	id = wa_assertion_id(a, &idlen);
	if (id == NULL || idlen == 0)
		abort();
	memset(&p, 0, sizeof(p));
	p.rp_id = "example.org";
	p.origins = origins;
	p.norigins = 1;
	p.require_uv = size & 1;
	p.allow_clone = size & 2;
	p.now = 1767225600;
	if (wa_authenticate(&p, chal, clen, a, stored, &pk, &err) == -1) {
		if (pk != NULL)
			abort();
		check_refusal(&err);
		goto done;
	}
	if (pk == NULL || pk->idlen != stored->idlen || memcmp(pk->id, stored->id, pk->idlen) != 0 ||
	    pk->last_used != p.now || pk->be != stored->be)
		abort();
	if (!p.allow_clone && pk->sign_count <= stored->sign_count &&
	    (pk->sign_count != 0 || stored->sign_count != 0))
		abort();
done:
	passkey_free(pk);
	passkey_free(stored);
	wa_assertion_free(a);
	free(chal);
	return 0;
}
