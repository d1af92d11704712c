/*
 * ctl_webauthn.c: `latchkeyctl webauthn verify-registration` and
 * `verify-assertion` (ARCHITECTURE §5): the relying party's verifier on a
 * response pasted from a browser, for admins debugging a refused passkey and
 * for scripted checks.  No configuration file, no directory.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "attest.h"
#include "ctl.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "xmalloc.h"

#define WA_CTL_INPUT_MAX	(256 * 1024)	/* a response is a few KiB; a record less */
#define WA_CTL_ORIGINS_MAX	16
#define WA_CTL_TRUST_MAX	16

/* Every algorithm the verifier supports is offered unless --alg narrows it. */
static const int wa_ctl_algs[] = { -7, -35, -257, -8 };

struct wa_ctl_opts {
	struct wa_policy	 pol;
	const char		*origins[WA_CTL_ORIGINS_MAX];
	const char		*tops[WA_CTL_ORIGINS_MAX];
	int			 algs[8];
	unsigned char		*challenge;
	size_t			 challenge_len;
	const char		*credential;	/* record file (verify-assertion) */
	struct attest_trust	*trust;
};

static int	 wa_ctl_parse(struct ctl *, int, char **, struct wa_ctl_opts *, int);
static char	*wa_ctl_read(FILE *, size_t *);
static int	 wa_ctl_refused(struct ctl *, const struct wa_error *);
static int	 wa_ctl_print_record(const struct passkey *);
static void	 wa_ctl_opts_clear(struct wa_ctl_opts *);

static const char wa_ctl_usage_reg[] =
    "usage: latchkeyctl webauthn verify-registration --rp-id ID --origin ORIGIN --challenge B64URL\n"
    "           [--trust PEM]... [--require-uv] [--require-trusted] [--allow-cross-origin]\n"
    "           [--top-origin ORIGIN]... [--alg N]... [--now TIME] < RegistrationResponseJSON";
static const char wa_ctl_usage_auth[] =
    "usage: latchkeyctl webauthn verify-assertion --rp-id ID --origin ORIGIN --challenge B64URL\n"
    "           --credential RECORD.json [--require-uv] [--allow-clone] [--allow-cross-origin]\n"
    "           [--top-origin ORIGIN]... [--now TIME] < AuthenticationResponseJSON";

int
ctl_webauthn_verify_registration(struct ctl *ctl, int argc, char **argv)
{
	struct wa_ctl_opts	 o;
	struct wa_error		 err = { .code = WA_OK };
	struct passkey		*pk = NULL;
	char			*json;
	size_t			 len;
	int			 rc = 1;

	if (wa_ctl_parse(ctl, argc, argv, &o, 0) == -1)
		return 2;
	if ((json = wa_ctl_read(stdin, &len)) == NULL) {
		ctl_fail(ctl, "input", "reading the RegistrationResponseJSON from standard input: %s",
		    errno == EFBIG ? "longer than 256 KiB" : strerror(errno));
		goto done;
	}
	if (wa_register(&o.pol, o.challenge, o.challenge_len, json, len, &pk, &err) == -1)
		rc = wa_ctl_refused(ctl, &err);
	else
		rc = wa_ctl_print_record(pk);
	free(json);
done:
	passkey_free(pk);
	wa_ctl_opts_clear(&o);
	return rc;
}

int
ctl_webauthn_verify_assertion(struct ctl *ctl, int argc, char **argv)
{
	struct wa_ctl_opts	 o;
	struct wa_error		 err = { .code = WA_OK };
	struct wa_assertion	*as = NULL;
	struct passkey		*stored = NULL, *updated = NULL;
	FILE			*f;
	char			*json = NULL, *rec = NULL, why[256];
	size_t			 len, reclen;
	int			 rc = 1;

	if (wa_ctl_parse(ctl, argc, argv, &o, 1) == -1)
		return 2;
	if ((f = fopen(o.credential, "r")) == NULL) {
		ctl_fail(ctl, "input", "%s: %s", o.credential, strerror(errno));
		goto done;
	}
	rec = wa_ctl_read(f, &reclen);
	fclose(f);
	if (rec == NULL) {
		ctl_fail(ctl, "input", "%s: %s", o.credential, strerror(errno));
		goto done;
	}
	if ((stored = passkey_decode(rec, reclen, why, sizeof(why))) == NULL) {
		ctl_fail(ctl, "credential_malformed", "%s: %s", o.credential, why);
		goto done;
	}
	if ((json = wa_ctl_read(stdin, &len)) == NULL) {
		ctl_fail(ctl, "input", "reading the AuthenticationResponseJSON from standard input: %s",
		    errno == EFBIG ? "longer than 256 KiB" : strerror(errno));
		goto done;
	}
	if (wa_assertion_parse(json, len, &as, &err) == -1 ||
	    wa_authenticate(&o.pol, o.challenge, o.challenge_len, as, stored, &updated, &err) == -1)
		rc = wa_ctl_refused(ctl, &err);
	else
		rc = wa_ctl_print_record(updated);
done:
	free(json);
	free(rec);
	wa_assertion_free(as);
	passkey_free(stored);
	passkey_free(updated);
	wa_ctl_opts_clear(&o);
	return rc;
}

/* Parses the shared options into a policy; prints usage and returns -1 on a mistake. */
static int
wa_ctl_parse(struct ctl *ctl, int argc, char **argv, struct wa_ctl_opts *o, int assertion)
{
	static const struct option longopts[] = {
		{ "rp-id", required_argument, NULL, 'r' },
		{ "origin", required_argument, NULL, 'o' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "trust", required_argument, NULL, 't' },
		{ "credential", required_argument, NULL, 'C' },
		{ "require-uv", no_argument, NULL, 'u' },
		{ "require-trusted", no_argument, NULL, 'T' },
		{ "allow-cross-origin", no_argument, NULL, 'x' },
		{ "top-origin", required_argument, NULL, 'p' },
		{ "allow-clone", no_argument, NULL, 'k' },
		{ "alg", required_argument, NULL, 'a' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*usage = assertion ? wa_ctl_usage_auth : wa_ctl_usage_reg;
	const char	*challenge = NULL;
	char		 err[256], *end;
	struct tm	 tm;
	long long	 v;
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->trust = attest_trust_new();
	optind = 0;	/* glibc: start afresh, forgetting the main parse's ordering */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			o->pol.rp_id = optarg;
			break;
		case 'o':
			if (o->pol.norigins == WA_CTL_ORIGINS_MAX)
				goto usage;
			o->origins[o->pol.norigins++] = optarg;
			break;
		case 'p':
			if (o->pol.ntop_origins == WA_CTL_ORIGINS_MAX)
				goto usage;
			o->tops[o->pol.ntop_origins++] = optarg;
			break;
		case 'c':
			challenge = optarg;
			break;
		case 't':
			if (attest_trust_add_pem(o->trust, optarg, err, sizeof(err)) == -1) {
				ctl_fail(ctl, "trust", "%s: %s", optarg, err);
				goto fail;
			}
			break;
		case 'C':
			o->credential = optarg;
			break;
		case 'u':
			o->pol.require_uv = 1;
			break;
		case 'T':
			o->pol.require_trusted_attestation = 1;
			break;
		case 'x':
			o->pol.allow_cross_origin = 1;
			break;
		case 'k':
			o->pol.allow_clone = 1;
			break;
		case 'a':
			v = strtoll(optarg, &end, 10);
			if (*end != '\0' || o->pol.nalgs == sizeof(o->algs) / sizeof(o->algs[0]))
				goto usage;
			o->algs[o->pol.nalgs++] = (int)v;
			break;
		case 'n':
			/* A UNIX time or RFC 3339 UTC: to check expired attestation certificates. */
			memset(&tm, 0, sizeof(tm));
			v = strtoll(optarg, &end, 10);
			if (*end == '\0' && v > 0)
				o->pol.now = (time_t)v;
			else if ((end = strptime(optarg, "%Y-%m-%dT%H:%M:%SZ", &tm)) != NULL &&
			    *end == '\0')
				o->pol.now = timegm(&tm);
			else
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc || o->pol.rp_id == NULL || o->pol.norigins == 0 || challenge == NULL ||
	    (assertion && o->credential == NULL))
		goto usage;
	if ((o->challenge = util_b64url_decode(challenge, strlen(challenge),
	    &o->challenge_len)) == NULL) {
		ctl_fail(ctl, "usage", "--challenge: not base64url");
		goto fail;
	}
	/* From here on every failure is {"error", "message"} on standard output (§5). */
	ctl->json = 1;
	if (o->pol.nalgs == 0) {
		memcpy(o->algs, wa_ctl_algs, sizeof(wa_ctl_algs));
		o->pol.nalgs = sizeof(wa_ctl_algs) / sizeof(wa_ctl_algs[0]);
	}
	o->pol.algs = o->algs;
	o->pol.origins = o->origins;
	o->pol.top_origins = o->tops;
	o->pol.trust = o->trust;
	return 0;
usage:
	ctl_fail(ctl, "usage", "%s", usage);
fail:
	wa_ctl_opts_clear(o);
	return -1;
}

/* Reads a whole stream of at most WA_CTL_INPUT_MAX bytes; NULL with errno. */
static char *
wa_ctl_read(FILE *f, size_t *lenp)
{
	char	*buf = xmalloc(WA_CTL_INPUT_MAX + 1);
	size_t	 n;

	n = fread(buf, 1, WA_CTL_INPUT_MAX + 1, f);
	if (ferror(f) || n > WA_CTL_INPUT_MAX) {
		free(buf);
		errno = ferror(f) ? EIO : EFBIG;
		return NULL;
	}
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/* {"error": code, "message": text} on standard output, exit 1 (ARCHITECTURE §5). */
static int
wa_ctl_refused(struct ctl *ctl, const struct wa_error *err)
{
	json_t	*j;

	(void)ctl;
	j = json_pack("{s:s, s:s}", "error", wa_err_code(err->code), "message", err->message);
	json_dumpf(j, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(j);
	return 1;
}

static int
wa_ctl_print_record(const struct passkey *pk)
{
	char	*s = passkey_encode(pk);

	printf("%s\n", s);
	free(s);
	return 0;
}

static void
wa_ctl_opts_clear(struct wa_ctl_opts *o)
{
	attest_trust_free(o->trust);
	o->trust = NULL;
	free(o->challenge);
	o->challenge = NULL;
}
