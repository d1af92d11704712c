/*
 * test_webauthn_cases.c: runs every case file in tests/data/webauthn/ (W3C
 * Level 3 §16 vectors and real-device captures, each with its source and
 * licence) through wa_register, or wa_assertion_parse and wa_authenticate
 * against the case's stored "credential" record, and asserts the case's
 * exact "expect": success with fmt, trust and type, or the error code.
 * A case's "policy" may set requireUv, allowCrossOrigin, topOrigins,
 * allowClone, requireTrustedAttestation, algs, now (the certificate clock,
 * seconds since the epoch) and trustPem (a file under roots/).
 */
#include "config.h"

#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "attest.h"
#include "passkey.h"
#include "util.h"
#include "webauthn.h"
#include "wa_cases.h"

#define POLICY_LIST_MAX	8

static const int default_algs[] = { -7, -35, -257, -8 };
static char	 datadir[PATH_MAX / 2];

/* A policy read from a case file: the strings stay owned by the json_t. */
struct case_policy {
	struct wa_policy	 p;
	const char		*origins[1];
	const char		*tops[POLICY_LIST_MAX];
	int			 algs[POLICY_LIST_MAX];
	struct attest_trust	*trust;
};

static void
case_policy(json_t *c, struct case_policy *cp)
{
	json_t		*pol, *v;
	size_t		 i;
	char		 path[PATH_MAX], err[256];

	memset(cp, 0, sizeof(*cp));
	cp->p.rp_id = json_string_value(json_object_get(c, "rpId"));
	cp->origins[0] = json_string_value(json_object_get(c, "origin"));
	assert_non_null(cp->p.rp_id);
	assert_non_null(cp->origins[0]);
	cp->p.origins = cp->origins;
	cp->p.norigins = 1;
	cp->p.algs = default_algs;
	cp->p.nalgs = sizeof(default_algs) / sizeof(default_algs[0]);
	if ((pol = json_object_get(c, "policy")) == NULL)
		return;
	cp->p.require_uv = json_is_true(json_object_get(pol, "requireUv"));
	cp->p.allow_cross_origin = json_is_true(json_object_get(pol, "allowCrossOrigin"));
	cp->p.allow_clone = json_is_true(json_object_get(pol, "allowClone"));
	cp->p.require_trusted_attestation =
	    json_is_true(json_object_get(pol, "requireTrustedAttestation"));
	if ((v = json_object_get(pol, "now")) != NULL)
		cp->p.now = (time_t)json_integer_value(v);
	if ((v = json_object_get(pol, "topOrigins")) != NULL) {
		assert_true(json_array_size(v) <= POLICY_LIST_MAX);
		for (i = 0; i < json_array_size(v); i++)
			cp->tops[i] = json_string_value(json_array_get(v, i));
		cp->p.top_origins = cp->tops;
		cp->p.ntop_origins = json_array_size(v);
	}
	if ((v = json_object_get(pol, "algs")) != NULL) {
		assert_true(json_array_size(v) <= POLICY_LIST_MAX);
		for (i = 0; i < json_array_size(v); i++)
			cp->algs[i] = (int)json_integer_value(json_array_get(v, i));
		cp->p.algs = cp->algs;
		cp->p.nalgs = json_array_size(v);
	}
	if ((v = json_object_get(pol, "trustPem")) != NULL) {
		if (snprintf(path, sizeof(path), "%s/roots/%s", datadir,
		    json_string_value(v)) >= (int)sizeof(path))
			fail_msg("trustPem: path too long");
		assert_non_null(cp->trust = attest_trust_new());
		if (attest_trust_add_pem(cp->trust, path, err, sizeof(err)) == -1)
			fail_msg("%s: %s", path, err);
		cp->p.trust = cp->trust;
	}
}

/* Compares an outcome with the case's "expect". */
static void
case_expect(const char *name, json_t *exp, int rc, const struct passkey *pk,
    const struct wa_error *err)
{
	const char	*want;

	if ((want = json_string_value(json_object_get(exp, "error"))) != NULL) {
		if (rc == 0)
			fail_msg("%s: accepted, expected %s", name, want);
		if (strcmp(wa_err_code(err->code), want) != 0)
			fail_msg("%s: refused with %s (%s), expected %s", name,
			    wa_err_code(err->code), err->message, want);
		return;
	}
	assert_true(json_is_true(json_object_get(exp, "ok")));
	if (rc != 0)
		fail_msg("%s: refused with %s (%s), expected success", name,
		    wa_err_code(err->code), err->message);
	assert_non_null(pk);
	if ((want = json_string_value(json_object_get(exp, "fmt"))) != NULL &&
	    (pk->fmt == NULL || strcmp(pk->fmt, want) != 0))
		fail_msg("%s: fmt %s, expected %s", name, pk->fmt ? pk->fmt : "(null)", want);
	if ((want = json_string_value(json_object_get(exp, "trust"))) != NULL &&
	    strcmp(passkey_trust_name(pk->trust), want) != 0)
		fail_msg("%s: trust %s, expected %s", name, passkey_trust_name(pk->trust), want);
	if ((want = json_string_value(json_object_get(exp, "type"))) != NULL &&
	    strcmp(passkey_type(pk), want) != 0)
		fail_msg("%s: type %s, expected %s", name, passkey_type(pk), want);
}

/* Runs one case file; a file that does not load is a failure. */
void
cases_run(void **state)
{
	const char		*path = *state, *name, *ceremony, *chal;
	struct case_policy	 cp;
	struct wa_error		 err;
	struct wa_assertion	*as = NULL;
	struct passkey		*pk = NULL, *stored = NULL;
	json_error_t		 jerr;
	json_t			*c;
	unsigned char		*ch;
	char			*resp, *rec, perr[256];
	size_t			 chlen;
	int			 rc;

	name = strrchr(path, '/') + 1;
	if ((c = json_load_file(path, 0, &jerr)) == NULL)
		fail_msg("%s: %s (line %d)", name, jerr.text, jerr.line);
	assert_non_null(json_string_value(json_object_get(c, "source")));
	assert_non_null(json_string_value(json_object_get(c, "licence")));
	assert_non_null(ceremony = json_string_value(json_object_get(c, "ceremony")));
	assert_non_null(chal = json_string_value(json_object_get(c, "challenge")));
	assert_non_null(ch = util_b64url_decode(chal, strlen(chal), &chlen));
	assert_non_null(resp = json_dumps(json_object_get(c, "response"), JSON_COMPACT));
	case_policy(c, &cp);
	memset(&err, 0, sizeof(err));

	if (strcmp(ceremony, "registration") == 0)
		rc = wa_register(&cp.p, ch, chlen, resp, strlen(resp), &pk, &err);
	else {
		assert_string_equal(ceremony, "authentication");
		assert_non_null(rec = json_dumps(json_object_get(c, "credential"), JSON_COMPACT));
		if ((stored = passkey_decode(rec, strlen(rec), perr, sizeof(perr))) == NULL)
			fail_msg("%s: stored credential: %s", name, perr);
		free(rec);
		rc = wa_assertion_parse(resp, strlen(resp), &as, &err);
		if (rc == 0)
			rc = wa_authenticate(&cp.p, ch, chlen, as, stored, &pk, &err);
	}
	case_expect(name, json_object_get(c, "expect"), rc, pk, &err);

	passkey_free(pk);
	passkey_free(stored);
	wa_assertion_free(as);
	attest_trust_free(cp.trust);
	free(resp);
	free(ch);
	json_decref(c);
}

int
cases_glob(glob_t *g)
{
	const char	*top;
	char		 pattern[PATH_MAX];

	if ((top = getenv("top_srcdir")) == NULL)
		top = ".";
	if (snprintf(datadir, sizeof(datadir), "%s/tests/data/webauthn", top) >=
	    (int)sizeof(datadir) ||
	    snprintf(pattern, sizeof(pattern), "%s/*.json", datadir) >= (int)sizeof(pattern)) {
		fprintf(stderr, "top_srcdir is too long\n");
		return -1;
	}
	if (glob(pattern, 0, NULL, g) != 0 || g->gl_pathc == 0) {
		fprintf(stderr, "no case files match %s\n", pattern);
		globfree(g);
		return -1;
	}
	return 0;
}
