/*
 * vpn_live: a VPN login in challenge mode (issue 6) against a running
 * latchkeyd, for tests/integration/vpn.sh.  Prints TAP.
 *
 *   vpn_live URL DIR RADIUS_PORT SECRET_FILE LDAPI_URI
 *
 * radclient (freeradius-utils, with Message-Authenticator) is the VPN; this
 * driver is the person on /vpn, signing in with the software authenticator
 * and posting the code.  DIR holds the passes the script issued (tap-NAME)
 * and the latchkey base (base).  Every check is what the VPN or the page
 * would see: the packet type, the State, the Reply-Message, the Class; the
 * HTTP status and error code.
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
#define CLASS_AAL2	"0x6c617463686b65793a61616c32"	/* "latchkey:aal2" */
/* "0x" and the hex of a sealed State: version, nonce, id, code, expiry, tag (59 octets). */
#define STATE_HEX_LEN	(2 + 2 * 59)

/* What radclient printed of the reply. */
struct rad {
	char	 type[32];	/* "Access-Challenge", ...; "" if no reply */
	char	 state[600];	/* "0x..." */
	char	 msg[1024];
	char	 klass[128];
	long	 timeout;	/* Session-Timeout, -1 if none */
};

static const char	*dir, *ldapi;
static char		*secret, *lkbase;
static int		 rport;

static char *
file_line(const char *name)
{
	char	 path[1024], buf[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL || fgets(buf, sizeof(buf), f) == NULL) {
		fprintf(stderr, "vpn_live: nothing in %s\n", path);
		exit(2);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return (xstrdup(buf));
}

/* One Access-Request from radclient as the VPN; state_hex NULL: none. */
static void
rad_ask(const char *user, const char *state_hex, struct rad *r)
{
	char	 cmd[2048], line[2048], *p, *q;
	FILE	*f;
	int	 in_reply = 0;

	memset(r, 0, sizeof(*r));
	r->timeout = -1;
	snprintf(cmd, sizeof(cmd), "printf 'User-Name = \"%s\"\\nMessage-Authenticator = "
	    "0x00\\n%s%s%s' | radclient -x -t 3 -r 1 127.0.0.1:%d auth '%s' 2>&1", user,
	    state_hex != NULL ? "State = " : "", state_hex != NULL ? state_hex : "",
	    state_hex != NULL ? "\\n" : "", rport, secret);
	if ((f = popen(cmd, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "Received ", 9) == 0) {
			in_reply = 1;
			sscanf(line + 9, "%31s", r->type);
			continue;
		}
		if (!in_reply)
			continue;
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (strncmp(p, "State = ", 8) == 0)
			snprintf(r->state, sizeof(r->state), "%s", p + 8);
		else if (strncmp(p, "Class = ", 8) == 0)
			snprintf(r->klass, sizeof(r->klass), "%s", p + 8);
		else if (strncmp(p, "Session-Timeout = ", 18) == 0)
			r->timeout = strtol(p + 18, NULL, 10);
		else if (strncmp(p, "Reply-Message = \"", 17) == 0) {
			p += 17;
			if ((q = strrchr(p, '"')) != NULL)
				*q = '\0';
			snprintf(r->msg + strlen(r->msg), sizeof(r->msg) - strlen(r->msg),
			    "%s", p);
		}
	}
	pclose(f);
}

static int
is(const struct rad *r, const char *type)
{
	return (strcmp(r->type, type) == 0);
}

/* The code of a challenge's link ("vpn?code=K7Q2MX") and as shown ("K7Q-2MX"). */
static int
codes_of(const struct rad *r, char link[7], char shown[8])
{
	const char	*p, *q;
	char		 want[64];

	if ((p = strstr(r->msg, "/vpn?code=")) == NULL || strlen(p + 10) < 6)
		return (-1);
	memcpy(link, p + 10, 6);
	link[6] = '\0';
	snprintf(want, sizeof(want), ", code %.3s-%.3s, then press Continue", link, link + 3);
	if ((q = strstr(r->msg, want)) == NULL)
		return (-1);
	snprintf(shown, 8, "%.3s-%.3s", link, link + 3);
	return (0);
}

/* A pass's register-only session, and a synced passkey made with it. */
static struct sa_cred *
enrol(const char *name)
{
	struct x	 x;
	struct sa_cred	*c = sa_cred_new(-7, 32, 0);
	char		 f[64], *code, *cookie;
	int		 st;

	snprintf(f, sizeof(f), "tap-%s", name);
	code = file_line(f);
	reqj(&x, "POST", "/api/v1/tap/redeem", json_pack("{s:s, s:s}", "username", name,
	    "code", code), NULL);
	cookie = xstrdup(x.status == 200 && x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	/* A pass's session is not a passkey sign-in: it approves nothing. */
	reqj(&x, "POST", "/api/v1/vpn/approve", json_pack("{s:s}", "code", "K7Q-2MX"), cookie);
	expect_err(&x, 401, "signin_required", "approve with a temporary pass's session");
	x_clear(&x);
	st = do_register(&x, cookie, c, FLAGS_SYNCED, NULL, NULL, NULL);
	check(st == 201, "%s: a passkey registered (got %d %s)", name, st, x.body);
	x_clear(&x);
	free(cookie);
	free(code);
	return (c);
}

/* A fresh passkey sign-in's cookie. */
static char *
signin(const char *name, struct sa_cred *c)
{
	struct x	 x;
	char		*cookie;
	int		 st;

	st = do_signin(&x, name, c, NULL, 0, FLAGS_SYNCED, 0, NULL);
	check(st == 200, "%s signs in with the passkey (got %d %s)", name, st, x.body);
	cookie = xstrdup(x.cookie != NULL ? x.cookie : "");
	x_clear(&x);
	return (cookie);
}

static int
approve(const char *cookie, const char *code, struct x *x)
{
	reqj(x, "POST", "/api/v1/vpn/approve", json_pack("{s:s}", "code", code), cookie);
	return (x->status);
}

/* The whole round: challenge, not yet, approve (with the dash), accept, replay. */
static void
test_login(struct sa_cred *alice)
{
	struct rad	 c, r;
	struct x	 x;
	char		 link[7], shown[8], *ck, want[512], *s;

	rad_ask("alice", NULL, &c);
	check(is(&c, "Access-Challenge") && strlen(c.state) == STATE_HEX_LEN,
	    "Access-Request(User-Name) -> Access-Challenge with a 59-octet sealed State "
	    "(got %s %s)",
	    c.type, c.state);
	snprintf(want, sizeof(want), "Unlock with your passkey at %s/vpn?code=", origin);
	check(strncmp(c.msg, want, strlen(want)) == 0 && codes_of(&c, link, shown) == 0,
	    "the Reply-Message gives the address and the code: \"%s\"", c.msg);
	check(c.timeout > 290 && c.timeout <= 300, "Session-Timeout is the time left "
	    "(got %ld)", c.timeout);

	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Challenge") && strcmp(r.state, c.state) == 0 &&
	    strncmp(r.msg, "Not approved yet", 16) == 0, "the State before approval -> "
	    "Access-Challenge again, same State, \"Not approved yet...\" (got %s %s)",
	    r.type, r.msg);

	approve(NULL, shown, &x);
	expect_err(&x, 401, "signin_required", "approve without a session");
	x_clear(&x);

	ck = signin("alice", alice);
	approve(ck, shown, &x);
	check(x.status == 200 && json_is_true(json_object_get(x.json, "approved")) &&
	    (s = (char *)jstr(x.json, "client", NULL)) != NULL && strcmp(s, "127.0.0.1") == 0,
	    "approve %s (with the dash) -> 200 approved, client 127.0.0.1 (got %d %s)",
	    shown, x.status, x.body);
	x_clear(&x);
	approve(ck, shown, &x);
	expect_err(&x, 404, "vpn_code_unknown", "the same code a second time");
	x_clear(&x);

	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Accept") && strcmp(r.klass, CLASS_AAL2) == 0,
	    "the State after approval -> Access-Accept with Class latchkey:aal2 (got %s "
	    "%s)", r.type, r.klass);
	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Reject"), "the same State again -> Access-Reject (consumed; "
	    "got %s)", r.type);

	/* The link's form: no dash, any case. */
	rad_ask("Alice", NULL, &c);
	check(is(&c, "Access-Challenge") && codes_of(&c, link, shown) == 0,
	    "a second login (User-Name \"Alice\") -> Access-Challenge");
	link[0] = (char)(link[0] >= 'A' && link[0] <= 'Z' ? link[0] - 'A' + 'a' : link[0]);
	approve(ck, link, &x);
	check(x.status == 200, "approve %s (without the dash, as in the link) -> 200 "
	    "(got %d %s)", link, x.status, x.body);
	x_clear(&x);
	rad_ask("Alice", c.state, &r);
	check(is(&r, "Access-Accept"), "-> Access-Accept (got %s)", r.type);
	free(ck);
}

/* An unknown user's challenge looks the same and can never be approved. */
static void
test_unknown(struct sa_cred *alice, struct sa_cred *bob)
{
	struct rad	 c, r;
	struct x	 x;
	char		 link[7], shown[8], *ck, want[512];

	rad_ask("mallory", NULL, &c);
	snprintf(want, sizeof(want), "Unlock with your passkey at %s/vpn?code=", origin);
	check(is(&c, "Access-Challenge") && strlen(c.state) == STATE_HEX_LEN &&
	    strncmp(c.msg, want, strlen(want)) == 0 && codes_of(&c, link, shown) == 0,
	    "an unknown user gets the same Access-Challenge (got %s %s)", c.type, c.msg);
	ck = signin("bob", bob);
	approve(ck, shown, &x);
	expect_err(&x, 403, "vpn_user_mismatch", "bob approves mallory's code");
	x_clear(&x);
	free(ck);
	ck = signin("alice", alice);
	approve(ck, shown, &x);
	expect_err(&x, 403, "vpn_user_mismatch", "alice approves mallory's code");
	x_clear(&x);
	free(ck);
	rad_ask("mallory", c.state, &r);
	check(is(&r, "Access-Challenge"), "mallory's State is still not approved (got %s)",
	    r.type);

	rad_ask("trudy", "0x00112233445566778899aabbccddeeff", &r);
	check(is(&r, "Access-Reject"), "a forged State -> Access-Reject (got %s)", r.type);
	rad_ask("eve", "0x0011", &r);
	check(is(&r, "Access-Reject"), "a short State -> Access-Reject (got %s)", r.type);
	/* mallory's real State, brought back by another user, or with one octet changed. */
	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Reject"), "mallory's State with User-Name alice -> "
	    "Access-Reject (got %s)", r.type);
	c.state[40] = c.state[40] == '0' ? '1' : '0';
	rad_ask("mallory", c.state, &r);
	check(is(&r, "Access-Reject"), "mallory's State with one octet changed -> "
	    "Access-Reject (got %s)", r.type);
}

/* Five wrong codes: the request is gone, and the VPN's next round is rejected. */
static void
test_wrong_codes(struct sa_cred *alice)
{
	struct rad	 c, r;
	struct x	 x;
	char		 link[7], shown[8], *ck;
	int		 i, st, all404 = 1;

	rad_ask("alice", NULL, &c);
	check(is(&c, "Access-Challenge") && codes_of(&c, link, shown) == 0,
	    "wrong codes: a new challenge");
	ck = signin("alice", alice);
	for (i = 0; i < 4; i++) {
		st = approve(ck, strcmp(link, "AAAAAA") != 0 ? "AAA-AAA" : "CCC-CCC", &x);
		all404 = all404 && st == 404 && strcmp(err_of(&x), "vpn_code_unknown") == 0;
		x_clear(&x);
	}
	check(all404, "four wrong codes -> 404 vpn_code_unknown each");
	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Challenge"), "after four, the request still waits (got %s)",
	    r.type);
	approve(ck, "not a code", &x);
	expect_err(&x, 404, "vpn_code_unknown", "the fifth wrong code (not even a code)");
	x_clear(&x);
	approve(ck, shown, &x);
	expect_err(&x, 404, "vpn_code_unknown", "the right code after five wrong ones");
	x_clear(&x);
	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Reject"), "after five wrong codes -> Access-Reject (got %s)",
	    r.type);
	free(ck);
}

/* Runs cmd and returns its first line of output, without the newline ("" if none). */
static void
run_line(const char *cmd, char *out, size_t len)
{
	FILE	*p;

	out[0] = '\0';
	if ((p = popen(cmd, "r")) != NULL) {
		if (fgets(out, (int)len, p) == NULL)
			out[0] = '\0';
		pclose(p);
	}
	out[strcspn(out, "\r\n")] = '\0';
}

/*
 * An approval past its time in the directory, though its State is not:
 * approved straight in the directory with an expiry in the past, the
 * State is rejected and the entry removed.  (The State's own expiry,
 * sealed inside it, is shown by tests/unit/test_vpnstate.)
 */
static void
test_expired(void)
{
	struct rad	 c, r;
	char		 cmd[2048], id[128];
	FILE		*p;
	int		 ok;

	rad_ask("alice", NULL, &c);
	check(is(&c, "Access-Challenge"), "expired: a new challenge (got %s)", c.type);
	usleep(300000);	/* the pending approval is written in the background */
	snprintf(cmd, sizeof(cmd), "ldapsearch -LLL -Q -Y EXTERNAL -H '%s' -b '%s' "
	    "'(&(latchkeyApprovalUser=alice)(latchkeyApprovalState=pending))' "
	    "latchkeyApprovalId 2>/dev/null | sed -n 's/^latchkeyApprovalId: //p'", ldapi,
	    lkbase);
	run_line(cmd, id, sizeof(id));
	check(strlen(id) == 32, "  ... its pending approval is in the directory (%s)", id);
	snprintf(cmd, sizeof(cmd), "ldapmodify -Q -Y EXTERNAL -H '%s' >/dev/null 2>&1", ldapi);
	ok = (p = popen(cmd, "w")) != NULL;
	if (ok) {
		fprintf(p, "dn: latchkeyApprovalId=%s,%s\nchangetype: modify\nreplace: "
		    "latchkeyApprovalExpiry\nlatchkeyApprovalExpiry: 20200101000000Z\n-\n"
		    "replace: latchkeyApprovalState\nlatchkeyApprovalState: approved\n-\n"
		    "replace: latchkeyApprovalAssurance\nlatchkeyApprovalAssurance: aal2\n",
		    id, lkbase);
		ok = pclose(p) == 0;
	}
	check(ok, "  ... approved in the directory with an expiry in 2020");
	rad_ask("alice", c.state, &r);
	check(is(&r, "Access-Reject"), "its State -> Access-Reject (got %s)", r.type);
	usleep(300000);
	snprintf(cmd, sizeof(cmd), "ldapsearch -LLL -Q -Y EXTERNAL -H '%s' -b '%s' "
	    "'(latchkeyApprovalId=%s)' dn 2>/dev/null | grep -c '^dn:'", ldapi, lkbase, id);
	run_line(cmd, id, sizeof(id));
	check(atoi(id) == 0, "  ... and it is removed from the directory (found %s)", id);
}

int
main(int argc, char *argv[])
{
	struct evhttp_uri	*uri;
	struct sa_cred		*alice, *bob;

	if (argc != 6) {
		fprintf(stderr, "usage: vpn_live URL DIR RADIUS_PORT SECRET_FILE LDAPI_URI\n");
		return 2;
	}
	if ((uri = evhttp_uri_parse(argv[1])) == NULL || evhttp_uri_get_host(uri) == NULL) {
		fprintf(stderr, "vpn_live: bad URL %s\n", argv[1]);
		return 2;
	}
	dir = argv[2];
	rport = atoi(argv[3]);
	ldapi = argv[5];
	host = xstrdup(evhttp_uri_get_host(uri));
	port = evhttp_uri_get_port(uri);
	rp_id = xstrdup(host);
	origin = xstrdup(argv[1]);
	evhttp_uri_free(uri);
	if ((secret = util_read_file(argv[4], 1024, NULL)) == NULL) {
		fprintf(stderr, "vpn_live: cannot read %s\n", argv[4]);
		return 2;
	}
	secret[strcspn(secret, "\r\n")] = '\0';
	lkbase = file_line("base");
	base = event_base_new();

	alice = enrol("alice");
	bob = enrol("bob");
	/* The listener takes 5 requests a second per User-Name: a pause between rounds. */
	test_login(alice);
	sleep(1);
	test_unknown(alice, bob);
	sleep(1);
	test_wrong_codes(alice);
	sleep(1);
	test_expired();

	sa_cred_free(alice);
	sa_cred_free(bob);
	event_base_free(base);
	free(secret);
	free(lkbase);
	free(host);
	free(rp_id);
	free(origin);
	return (nfailed == 0 ? 0 : 1);
}
