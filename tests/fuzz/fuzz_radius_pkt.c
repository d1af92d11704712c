/*
 * fuzz_radius_pkt.c: libFuzzer harness for radius_pkt_decode(), the first
 * code any UDP datagram on the RADIUS port reaches, with a fixed secret,
 * once requiring Message-Authenticator and once not.  A drop must name a
 * known reason; a request that decodes must keep the rules radius_pkt.h
 * promises (Access-Request only, Proxy-State never without a verified
 * Message-Authenticator, strings free of NUL) and must be answerable: the
 * reply starts with Message-Authenticator and fits 4096 octets.  Then the
 * challenge path's next step: the State it brings must not open (only a
 * node seals one: anything the fuzzer makes is a forgery), and a State
 * sealed for its User-Name must open for that name.
 */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "radius_pkt.h"
#include "vpnstate.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_SECRET	"fuzz-secret"
#define FUZZ_NOW	((time_t)1796601600)

static struct vpnstate_ctx	*fuzz_vs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[256];

	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_radius_pkt");
	if (radius_pkt_init(NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	fuzz_vs = vpnstate_new((const unsigned char *)"fuzz-tap-key-0123456789abcdef-01");
	return 0;
}

static void
fuzz_state(const struct radius_pkt *p)
{
	struct vpnstate		 vs, out;
	unsigned char		 sealed[VPNSTATE_LEN];
	const char		*user = p->user_name != NULL ? p->user_name : "";

	if (p->state.buf != NULL && vpnstate_open(fuzz_vs, p->state.buf, p->state.len,
	    user, FUZZ_NOW, &out) != VPNSTATE_FORGED)
		abort();	/* a State nobody sealed opened */
	memset(&vs, 0, sizeof(vs));
	memcpy(vs.code, "K7Q2MX", 7);
	vs.expiry = FUZZ_NOW + 300;
	vpnstate_seal(fuzz_vs, user, &vs, NULL, sealed);
	if (vpnstate_open(fuzz_vs, sealed, sizeof(sealed), user, FUZZ_NOW, &out) !=
	    VPNSTATE_OK || strcmp(out.code, "K7Q2MX") != 0 || out.expiry != vs.expiry)
		abort();
}

static void
fuzz_one(const uint8_t *data, size_t size, int require_ma)
{
	static const unsigned char	 st[16] = "fuzz-state-00001";
	struct radius_pkt		*p;
	struct radius_reply		 r;
	enum radius_pkt_err		 why = RADIUS_PKT_ERR_MAX;
	unsigned char			 out[RADIUS_PKT_MAX_LEN];
	char				 err[256];
	size_t				 outlen;

	p = radius_pkt_decode(data, size, NULL, FUZZ_SECRET, require_ma, &why);
	if (p == NULL) {
		if (why == RADIUS_PKT_OK || why >= RADIUS_PKT_ERR_MAX ||
		    strcmp(radius_pkt_err_name(why), "unknown") == 0)
			abort();	/* a drop always has a known reason */
		return;
	}
	if (why != RADIUS_PKT_OK || p->code != RADIUS_CODE_ACCESS_REQUEST)
		abort();
	if (require_ma && !p->has_ma)
		abort();
	if (p->nproxy_state > 0 && !p->has_ma)
		abort();	/* BlastRADIUS */
	if (p->user_name != NULL && strlen(p->user_name) > RADIUS_PKT_ATTR_MAX)
		abort();
	if (p->password != NULL && strlen(p->password) != p->password_len)
		abort();

	memset(&r, 0, sizeof(r));
	r.code = RADIUS_CODE_ACCESS_CHALLENGE;
	r.message = "Unlock with your passkey, then press Continue";
	r.state = st;
	r.state_len = sizeof(st);
	if (radius_pkt_reply(p, FUZZ_SECRET, &r, out, sizeof(out), &outlen,
	    err, sizeof(err)) == 0) {
		if (outlen < RADIUS_PKT_MIN_LEN + 18 || outlen > sizeof(out) ||
		    out[0] != RADIUS_CODE_ACCESS_CHALLENGE || out[1] != p->id ||
		    out[20] != 80 || out[21] != 18)
			abort();
	} else if (err[0] == '\0')
		abort();	/* a refusal says why */
	fuzz_state(p);
	radius_pkt_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_one(data, size, 1);
	fuzz_one(data, size, 0);
	return 0;
}
