/*
 * vpn_hold_live: the person's side of a hold-mode VPN login (issue 6)
 * against a running latchkeyd, for tests/integration/vpn_hold.sh.  Prints
 * TAP.
 *
 *   vpn_hold_live URL DIR USER FROM
 *
 * While radclient (the VPN, started by the script) waits for its answer,
 * this driver makes USER's passkey with the pass in DIR/tap-USER, signs in
 * with the software authenticator, waits for the request to appear on
 * GET /api/v1/vpn/pending (from FROM), and approves it by its id, as the
 * portal page does.  Every check is what the page would see.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include <jansson.h>

#include "api_client.h"
#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

#define FLAGS_SYNCED	(SA_UP | SA_UV | SA_BE | SA_BS)
#define WAIT_SECS	8	/* the request should be listed well within this */

static const char	*dir;

static char *
file_line(const char *name)
{
	char	 path[1024], buf[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		fprintf(stderr, "vpn_hold_live: nothing in %s\n", path);
		exit(2);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (xstrdup(buf));
}

static const char *
str(json_t *o, const char *key)
{
	const char	*v = jstr(o, key, NULL);

	return (v != NULL ? v : "");
}

/* The pass's session makes a synced passkey; then a passkey sign-in's cookie. */
static char *
enrol_signin(const char *name, struct sa_cred *c)
{
	struct x	 x;
	char		 f[64], *code, *cookie;
	int		 st;

	snprintf(f, sizeof(f), "tap-%s", name);
	code = file_line(f);
	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", name,
	    "code", code), NULL);
	cookie = xstrdup(x.status == 200 && x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	/* A pass's session is not a full one: it sees no VPN request. */
	req(&x, "GET", "/api/v1/vpn/pending", NULL, cookie);
	check(x.status == 401, "a temporary pass's session cannot list VPN requests "
	    "(got %d)", x.status);
	x_clear(&x);
	st = do_register(&x, cookie, c, FLAGS_SYNCED, NULL, NULL, NULL);
	check(st == 201, "%s: a passkey registered (got %d %s)", name, st, x.body);
	x_clear(&x);
	free(cookie);
	free(code);
	st = do_signin(&x, name, c, NULL, 0, FLAGS_SYNCED, 0, NULL);
	check(st == 200, "%s signs in with the passkey (got %d %s)", name, st, x.body);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	return (cookie);
}

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;
	struct sa_cred		*c;
	struct x		 x;
	json_t			*list, *e;
	char			*cookie, *id = NULL, *exp_from;
	int			 i;

	if (argc != 5) {
		fprintf(stderr, "usage: vpn_hold_live URL DIR USER FROM\n");
		return 2;
	}
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL) {
		fprintf(stderr, "vpn_hold_live: bad URL %s\n", argv[1]);
		return 2;
	}
	dir = argv[2];
	exp_from = argv[4];
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	origin = xstrdup(argv[1]);
	evhttp_uri_free(uri);
	base = event_base_new();

	req(&x, "GET", "/api/v1/vpn/pending", NULL, NULL);
	check(x.status == 401, "no VPN request is listed without a session (got %d)",
	    x.status);
	x_clear(&x);

	c = sa_cred_new(-7, 32, 0);
	cookie = enrol_signin(argv[3], c);

	/* The page polls every 2 s; here every half second, for WAIT_SECS. */
	for (i = 0; i < WAIT_SECS * 2 && id == NULL; i++) {
		req(&x, "GET", "/api/v1/vpn/pending", NULL, cookie);
		list = x.json != NULL ? json_object_get(x.json, "pending") : NULL;
		if (x.status == 200 && json_array_size(list) > 0) {
			e = json_array_get(list, 0);
			check(json_array_size(list) == 1, "one request is listed (got %zu)",
			    json_array_size(list));
			check(strcmp(str(e, "from"), exp_from) == 0,
			    "the request says where it is from: %s (got \"%s\")", exp_from,
			    str(e, "from"));
			check(strcmp(str(e, "client"), "office-vpn") == 0,
			    "the request names the VPN by its configured name, office-vpn "
			    "(got \"%s\")", str(e, "client"));
			check(*str(e, "expires") != '\0', "the request says when it ends (%s)",
			    str(e, "expires"));
			id = xstrdup(str(e, "id"));
		}
		x_clear(&x);
		if (id == NULL)
			usleep(500000);
	}
	check(id != NULL && strlen(id) == 32, "the VPN's request is listed for %s within "
	    "%d s", argv[3], WAIT_SECS);
	if (id != NULL) {
		/* Neither a code nor an id of nothing approves. */
		reqj(&x, "POST", "/api/v1/vpn/approve", json_pack("{s:s}", "id",
		    "00000000000000000000000000000000"), cookie);
		expect_err(&x, 404, "vpn_request_unknown", "approve an id that is not waiting");
		x_clear(&x);
		reqj(&x, "POST", "/api/v1/vpn/approve", json_pack("{s:s}", "id", id), cookie);
		check(x.status == 200 && strcmp(str(x.json, "client"), "office-vpn") == 0,
		    "the request is approved by its id, the VPN named (got %d %s)",
		    x.status, x.body);
		x_clear(&x);
		reqj(&x, "POST", "/api/v1/vpn/approve", json_pack("{s:s}", "id", id), cookie);
		check(x.status == 409 || x.status == 404, "a second approval of it is refused "
		    "(got %d %s)", x.status, x.body);
		x_clear(&x);
	}
	free(id);
	free(cookie);
	sa_cred_free(c);
	event_base_free(base);
	free(host);
	free(rp_id);
	free(origin);
	return (nfailed == 0 ? 0 : 1);
}
