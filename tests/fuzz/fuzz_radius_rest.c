/*
 * fuzz_radius_rest.c: libFuzzer harness for radius_rest_parse(), the first
 * code an rlm_rest body reaches on POST /api/v1/radius/authorize (after the
 * media type and size checks).  A refusal must name a code and say why; a
 * request that parses must keep the bounds radius_rest.h promises (a
 * User-Name of 1 to 253 bytes, a password of at most 128, a State of 1 to
 * 253 octets, strings free of NUL) and free cleanly.
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

#include "log.h"
#include "radius_pkt.h"
#include "radius_rest.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, LOG_LEVEL_WARN, "fuzz_radius_rest");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct radius_pkt	*p;
	const char		*code = NULL;
	char			 msg[160];

	msg[0] = '\0';
	p = radius_rest_parse(data, size, &code, msg, sizeof(msg));
	if (p == NULL) {
		if (code == NULL || msg[0] == '\0')
			abort();
		return 0;
	}
	if (code != NULL || p->code != RADIUS_CODE_ACCESS_REQUEST ||
	    p->user_name == NULL || strlen(p->user_name) == 0 ||
	    strlen(p->user_name) > RADIUS_PKT_ATTR_MAX ||
	    (p->password != NULL && (p->password_len > RADIUS_REST_PASSWORD_MAX ||
	    strlen(p->password) != p->password_len)) ||
	    (p->state.buf != NULL && (p->state.len < 1 ||
	    p->state.len > RADIUS_PKT_ATTR_MAX)) ||
	    (p->calling_station_id != NULL &&
	    strlen(p->calling_station_id) > RADIUS_PKT_ATTR_MAX) ||
	    strlen(p->nas_ip) >= sizeof(p->nas_ip) || p->fr != NULL)
		abort();
	radius_pkt_free(p);
	return 0;
}
