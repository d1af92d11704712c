/*
 * vpn_approve: the person on /vpn, for tests where a real VPN client (PAM's
 * pam_radius_auth under pamtester) waits at its challenge prompt.  Redeems
 * the user's pass, registers a synced passkey with the software
 * authenticator, signs in with it (a fresh passkey sign-in) and posts the
 * code the client showed to /api/v1/vpn/approve.  Prints TAP.
 *
 *   vpn_approve URL TAP_FILE USER CODE
 *
 * Exits 0 when every step did what a person would see succeed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "api_client.h"
#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

#define FLAGS_SYNCED	(SA_UP | SA_UV | SA_BE | SA_BS)

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;
	struct sa_cred		*cred;
	struct x		 x;
	char			*tap, *cookie;
	const char		*user, *code;
	int			 st;

	if (argc != 5) {
		fprintf(stderr, "usage: vpn_approve URL TAP_FILE USER CODE\n");
		return 2;
	}
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL) {
		fprintf(stderr, "vpn_approve: bad URL %s\n", argv[1]);
		return 2;
	}
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	origin = xstrdup(argv[1]);
	evhttp_uri_free(uri);
	if ((tap = util_read_file(argv[2], 256, NULL)) == NULL) {
		fprintf(stderr, "vpn_approve: cannot read %s\n", argv[2]);
		return 2;
	}
	tap[strcspn(tap, "\r\n")] = '\0';
	user = argv[3];
	code = argv[4];
	base = event_base_new();
	cred = sa_cred_new(-7, 32, 0);

	/* The pass, then a passkey made in its register-only session. */
	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", user,
	    "code", tap), NULL);
	check(x.status == 200 && x.cookie != NULL, "%s redeems the pass (got %d)", user,
	    x.status);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	st = do_register(&x, cookie, cred, FLAGS_SYNCED, NULL, NULL, NULL);
	check(st == 201, "%s registers a passkey (got %d %s)", user, st, x.body);
	x_clear(&x);
	free(cookie);

	/* The passkey sign-in the approval asks for, then the code. */
	st = do_signin(&x, user, cred, NULL, 0, FLAGS_SYNCED, 0, NULL);
	check(st == 200, "%s signs in with the passkey (got %d %s)", user, st, x.body);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	reqj(&x, "POST", "/api/v1/vpn/approve", json_pack("{s:s}", "code", code), cookie);
	check(x.status == 200, "%s approves the code the VPN client showed (got %d %s)",
	    user, x.status, x.body);
	x_clear(&x);

	freezero_x(cookie, strlen(cookie));
	freezero_x(tap, strlen(tap));
	sa_cred_free(cred);
	event_base_free(base);
	return (nfailed == 0 ? 0 : 1);
}
