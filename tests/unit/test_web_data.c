/*
 * test_web_data.c: the user pages embedded from broker/web/.  The pages
 * and their assets are found at their paths with the right content types;
 * every page keeps to the Content-Security-Policy the daemon sends (no
 * inline script, no style attribute or element, no on* handler, no
 * javascript: URL); every local link and module import resolves; the
 * element ids the end-to-end tests use are there, once each; and the text
 * people read avoids specialist words (issue 4 "Words for people").  The
 * checkers are themselves shown to catch each fault on a crafted page.
 */
#include "config.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "web_data.h"

#define ATTR_MAX	24
#define PROBLEM_MAX	256

/* One start tag: its name and attributes, pointers into the page. */
struct tag {
	const char	*name;
	size_t		 namelen;
	size_t		 nattr;
	struct {
		const char	*name, *value;
		size_t		 namelen, valuelen;
	} attr[ATTR_MAX];
	const char	*end;	/* just past '>' */
};

/* Words people should not meet on a page (issue 4). */
static const char *const forbidden[] = {
	"fido", "webauthn", "aal", "resident key", "resident credential",
	"authenticator", "ctap", "attestation", "relying party",
};

static char	 problem[PROBLEM_MAX];

static int
is_letter(int c)
{
	return isalpha((unsigned char)c);
}

/*
 * The first forbidden word in s[0..n) as a word of its own (a letter on
 * neither side; "FIDO2" and "AAL2" count), or NULL.
 */
static const char *
words_problem(const char *s, size_t n)
{
	size_t	 i, j, wl;

	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		wl = strlen(forbidden[i]);
		for (j = 0; j + wl <= n; j++) {
			if (strncasecmp(s + j, forbidden[i], wl) != 0)
				continue;
			if (j > 0 && is_letter(s[j - 1]))
				continue;
			if (j + wl < n && is_letter(s[j + wl]))
				continue;
			snprintf(problem, sizeof(problem), "forbidden word \"%s\" in \"%.*s\"",
			    forbidden[i], (int)(n > 80 ? 80 : n), s);
			return problem;
		}
	}
	return NULL;
}

/*
 * Parses the start tag at p ('<' then a letter); 0, or -1 if it is not
 * well formed.
 */
static int
tag_parse(const char *p, struct tag *t)
{
	const char	*q;
	char		 quote;

	memset(t, 0, sizeof(*t));
	p++;
	t->name = p;
	while (isalnum((unsigned char)*p) || *p == '-')
		p++;
	t->namelen = p - t->name;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '>' || (p[0] == '/' && p[1] == '>')) {
			t->end = p + (*p == '>' ? 1 : 2);
			return 0;
		}
		if (*p == '\0' || t->nattr == ATTR_MAX)
			return -1;
		q = p;
		while (*p != '\0' && !isspace((unsigned char)*p) && *p != '=' && *p != '>')
			p++;
		t->attr[t->nattr].name = q;
		t->attr[t->nattr].namelen = p - q;
		t->attr[t->nattr].value = p;
		if (*p == '=') {
			p++;
			if (*p == '"' || *p == '\'') {
				quote = *p++;
				q = p;
				while (*p != '\0' && *p != quote)
					p++;
				if (*p == '\0')
					return -1;
				t->attr[t->nattr].value = q;
				t->attr[t->nattr].valuelen = p++ - q;
			} else {
				q = p;
				while (*p != '\0' && !isspace((unsigned char)*p) && *p != '>')
					p++;
				t->attr[t->nattr].value = q;
				t->attr[t->nattr].valuelen = p - q;
			}
		}
		t->nattr++;
	}
}

static int
tag_is(const struct tag *t, const char *name)
{
	return t->namelen == strlen(name) && strncasecmp(t->name, name, t->namelen) == 0;
}

/* The value of attribute name (NUL-terminated copy in buf), or NULL if absent. */
static const char *
tag_attr(const struct tag *t, const char *name, char *buf, size_t len)
{
	size_t	 i, n;

	for (i = 0; i < t->nattr; i++) {
		if (t->attr[i].namelen != strlen(name) ||
		    strncasecmp(t->attr[i].name, name, t->attr[i].namelen) != 0)
			continue;
		n = t->attr[i].valuelen < len - 1 ? t->attr[i].valuelen : len - 1;
		memcpy(buf, t->attr[i].value, n);
		buf[n] = '\0';
		return buf;
	}
	return NULL;
}

/* Calls fn on every start tag of html; stops at the first non-zero return. */
static int
tags_each(const char *html, int (*fn)(const struct tag *, void *), void *arg)
{
	struct tag	 t;
	const char	*p;
	int		 r;

	for (p = html; (p = strchr(p, '<')) != NULL; p++) {
		if (!is_letter(p[1]))
			continue;
		if (tag_parse(p, &t) == -1)
			return -1;
		if ((r = fn(&t, arg)) != 0)
			return r;
	}
	return 0;
}

static int
html_tag_check(const struct tag *t, void *arg)
{
	const char	**why = arg;
	char		 v[512];
	size_t		 i;
	static const char *const shown[] = { "title", "alt", "placeholder", "aria-label" };

	if (tag_is(t, "style")) {
		*why = "a <style> element";
		return 1;
	}
	if (tag_is(t, "script")) {
		if (tag_attr(t, "src", v, sizeof(v)) == NULL) {
			*why = "a <script> without src";
			return 1;
		}
		if (strncasecmp(t->end, "</script>", 9) != 0) {
			*why = "a <script> with inline content";
			return 1;
		}
	}
	for (i = 0; i < t->nattr; i++) {
		if (t->attr[i].namelen == 5 && strncasecmp(t->attr[i].name, "style", 5) == 0) {
			*why = "a style attribute";
			return 1;
		}
		if (t->attr[i].namelen > 2 && strncasecmp(t->attr[i].name, "on", 2) == 0) {
			*why = "an on* event handler attribute";
			return 1;
		}
		if (t->attr[i].valuelen >= 11 &&
		    strncasecmp(t->attr[i].value, "javascript:", 11) == 0) {
			*why = "a javascript: URL";
			return 1;
		}
	}
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		if (tag_attr(t, shown[i], v, sizeof(v)) != NULL &&
		    (*why = words_problem(v, strlen(v))) != NULL)
			return 1;
	return 0;
}

/* NULL if html keeps to the CSP and to words for people; else what is wrong. */
static const char *
html_problem(const char *html)
{
	const char	*why = NULL, *p, *q;

	if (tags_each(html, html_tag_check, &why) == -1)
		return "a tag that does not parse";
	if (why != NULL)
		return why;
	/* The text between tags: what people read. */
	for (p = html; *p != '\0'; p = q) {
		if (*p == '<') {
			if ((q = strchr(p, '>')) == NULL)
				return "an unclosed tag";
			q++;
			continue;
		}
		q = strchr(p, '<');
		if (q == NULL)
			q = p + strlen(p);
		if ((why = words_problem(p, q - p)) != NULL)
			return why;
	}
	return NULL;
}

/* A '/' after c starts a regular expression literal, not a division. */
static int
js_regex_context(char c)
{
	return c == '\0' || strchr("(,=:[!&|?{};+-*%<>~^", c) != NULL;
}

/* The string at quote is a module specifier (import ... from "./webauthn.js"), not text. */
static int
js_specifier(const char *js, const char *quote)
{
	const char	*p = quote;

	while (p > js && isspace((unsigned char)p[-1]))
		p--;
	if (p - js >= 4 && strncmp(p - 4, "from", 4) == 0 &&
	    (p - js == 4 || !isalnum((unsigned char)p[-5])))
		return 1;
	if (p - js >= 6 && strncmp(p - 6, "import", 6) == 0 &&
	    (p - js == 6 || !isalnum((unsigned char)p[-7])))
		return 1;
	return 0;
}

/*
 * NULL if js is clean: no HTML injection or eval-like call, no forbidden
 * word in a string literal (the text the pages show comes from those).
 * Comments, module specifiers and regular expression literals are skipped.
 */
static const char *
js_problem(const char *js)
{
	static const char *const banned[] = { "innerHTML", "outerHTML",
	    "insertAdjacentHTML", "document.write", "eval(", "new Function",
	    "setAttribute(\"style\"", ".style." };
	const char	*p, *q, *why;
	char		 prev = '\0', quote;
	size_t		 i;
	int		 inclass;

	for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (strstr(js, banned[i]) != NULL) {
			snprintf(problem, sizeof(problem), "uses %s", banned[i]);
			return problem;
		}
	for (p = js; *p != '\0';) {
		if (p[0] == '/' && p[1] == '/') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			if ((q = strstr(p + 2, "*/")) == NULL)
				return "an unclosed comment";
			p = q + 2;
		} else if (*p == '"' || *p == '\'' || *p == '`') {
			quote = *p++;
			for (q = p; *q != '\0' && *q != quote; q++)
				if (*q == '\\' && q[1] != '\0')
					q++;
			if (*q == '\0')
				return "an unclosed string";
			if (!js_specifier(js, p - 1) &&
			    (why = words_problem(p, q - p)) != NULL)
				return why;
			p = q + 1;
			prev = quote;
		} else if (*p == '/' && js_regex_context(prev)) {
			for (inclass = 0, p++; *p != '\0' && *p != '\n'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '[')
					inclass = 1;
				else if (*p == ']')
					inclass = 0;
				else if (*p == '/' && !inclass)
					break;
			}
			if (*p != '/')
				return "an unclosed regular expression";
			p++;
			prev = 'r';
		} else {
			if (!isspace((unsigned char)*p))
				prev = *p;
			p++;
		}
	}
	return NULL;
}

static const struct web_file *
must_find(const char *path)
{
	const struct web_file	*f;

	f = web_data_find(path);
	if (f == NULL)
		fail_msg("%s is not embedded", path);
	return f;
}

static void
test_pages_found(void **state)
{
	static const char *const pages[] = { "/", "/setup", "/passkeys" };
	const struct web_file	*f;
	size_t			 i, njs = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		f = must_find(pages[i]);
		assert_string_equal(f->ctype, "text/html; charset=utf-8");
		assert_non_null(strstr(f->data, "<!doctype html>"));
	}
	f = must_find("/style.css");
	assert_string_equal(f->ctype, "text/css");
	for (i = 0; i < web_nfiles; i++) {
		if (strncmp(web_files[i].path, "/js/", 4) != 0)
			continue;
		assert_string_equal(web_files[i].ctype, "text/javascript");
		assert_non_null(strstr(web_files[i].path, ".js"));
		njs++;
	}
	/* api, ui, words, webauthn, and one module per page. */
	assert_true(njs >= 7);
	assert_string_equal(must_find("/js/signin.js")->path, "/js/signin.js");
}

static void
test_table(void **state)
{
	const struct web_file	*f;
	size_t			 i, j;

	(void)state;
	assert_true(web_nfiles >= 11);
	for (i = 0; i < web_nfiles; i++) {
		f = &web_files[i];
		if (i > 0)
			assert_true(strcmp(web_files[i - 1].path, f->path) < 0);
		assert_int_equal(strlen(f->data), f->len);
		assert_true(f->len > 0);
		assert_int_equal(strlen(f->etag), 22);
		assert_true(f->etag[0] == '"' && f->etag[21] == '"');
		for (j = 1; j < 21; j++)
			assert_non_null(strchr("0123456789abcdef", f->etag[j]));
		assert_ptr_equal(web_data_find(f->path), f);
	}
}

static void
test_not_found(void **state)
{
	static const char *const absent[] = { "", "/index.html", "/setup.html",
	    "/setup/", "/js", "/js/", "/STYLE.CSS", "/style.css?v=1", "//",
	    "/../style.css", "/gen-web-data.py", "/Makefile.inc", "/js/../style.css" };
	size_t	 i;

	(void)state;
	assert_null(web_data_find(NULL));
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (web_data_find(absent[i]) != NULL)
			fail_msg("\"%s\" should not be found", absent[i]);
}

static void
test_pages_keep_csp(void **state)
{
	const char	*why;
	size_t		 i, n = 0;

	(void)state;
	for (i = 0; i < web_nfiles; i++) {
		if (strncmp(web_files[i].ctype, "text/html", 9) == 0)
			why = html_problem(web_files[i].data);
		else if (strcmp(web_files[i].ctype, "text/javascript") == 0)
			why = js_problem(web_files[i].data);
		else
			continue;
		if (why != NULL)
			fail_msg("%s: %s", web_files[i].path, why);
		n++;
	}
	assert_true(n >= 10);
}

/* The checkers find each fault, so a clean result above means something. */
static void
test_checkers_catch_faults(void **state)
{
	static const char *const bad_html[] = {
		"<p>hi</p><script>alert(1)</script>",
		"<script src=\"/a.js\">alert(1)</script>",
		"<p style=\"color:red\">x</p>",
		"<style>p{}</style>",
		"<button onclick=\"x()\">x</button>",
		"<img src=x onerror=x()>",
		"<a href=\"javascript:x()\">x</a>",
		"<p>Use your FIDO2 key</p>",
		"<p>Sign in with WebAuthn</p>",
		"<p>Your assurance is AAL2.</p>",
		"<p>A resident key</p>",
		"<p>Touch your authenticator</p>",
		"<input title=\"Authenticator name\">",
	};
	static const char *const bad_js[] = {
		"el.innerHTML = x;",
		"const s = \"Touch your authenticator\";",
		"say('Needs WebAuthn');",
		"// a comment\nconst t = `fido2 key`;",
		"const r = /x\\//g; say(\"aal3 reached\");",
		"el.style.color = 'red';",
	};
	static const char *const good_js[] = {
		"// WebAuthn L3 §5.1 in a comment\nconst a = cred.authenticatorAttachment;",
		"const r = s.replace(/\\//g, \"_\"); const q = \"Unknown provider\";",
		"const x = a / b / c; const y = \"Kraal\";",
		"import { getPasskey } from \"./webauthn.js\";",
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(bad_html) / sizeof(bad_html[0]); i++)
		if (html_problem(bad_html[i]) == NULL)
			fail_msg("not caught: %s", bad_html[i]);
	for (i = 0; i < sizeof(bad_js) / sizeof(bad_js[0]); i++)
		if (js_problem(bad_js[i]) == NULL)
			fail_msg("not caught: %s", bad_js[i]);
	for (i = 0; i < sizeof(good_js) / sizeof(good_js[0]); i++)
		if (js_problem(good_js[i]) != NULL)
			fail_msg("wrongly refused: %s: %s", good_js[i], js_problem(good_js[i]));
	assert_null(html_problem("<p>Unlock with your face, fingerprint or PIN.</p>"));
}

struct id_want {
	const char	*id;
	const char	*tag;
	int		 found;
	char		 attr[128];	/* the value of want_attr, if asked */
	const char	*want_attr;
};

struct id_scan {
	struct id_want	*want;
	size_t		 n;
	int		 dup;
};

static int
id_check(const struct tag *t, void *arg)
{
	struct id_scan	*s = arg;
	char		 id[128];
	size_t		 i;

	if (tag_attr(t, "id", id, sizeof(id)) == NULL)
		return 0;
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->want[i].id, id) != 0)
			continue;
		if (s->want[i].found++ > 0)
			s->dup = 1;
		if (!tag_is(t, s->want[i].tag))
			fail_msg("#%s is <%.*s>, not <%s>", id, (int)t->namelen, t->name,
			    s->want[i].tag);
		if (s->want[i].want_attr != NULL &&
		    tag_attr(t, s->want[i].want_attr, s->want[i].attr,
		    sizeof(s->want[i].attr)) == NULL)
			s->want[i].attr[0] = '\0';
	}
	return 0;
}

static void
ids_expect(const char *path, struct id_want *want, size_t n)
{
	struct id_scan	 s = { want, n, 0 };
	size_t		 i;

	assert_int_equal(tags_each(must_find(path)->data, id_check, &s), 0);
	for (i = 0; i < n; i++)
		if (want[i].found != 1)
			fail_msg("%s: #%s found %d times", path, want[i].id, want[i].found);
	assert_false(s.dup);
}

/* The ids of /work/notes/web-ids.md, which the end-to-end tests use. */
static void
test_ids(void **state)
{
	struct id_want	 signin[] = {
		{ "username", "input", 0, "", "autocomplete" },
		{ "signin-passkey", "button", 0, "", NULL },
		{ "signin-continue", "button", 0, "", NULL },
		{ "setup-link", "a", 0, "", "href" },
		{ "message", "p", 0, "", "aria-live" },
	};
	struct id_want	 setup[] = {
		{ "setup-username", "input", 0, "", NULL },
		{ "setup-code", "input", 0, "", NULL },
		{ "setup-submit", "button", 0, "", NULL },
		{ "setup-done", "p", 0, "", NULL },
		{ "setup-signin", "a", 0, "", "href" },
		{ "message", "p", 0, "", "role" },
		{ "campaign", "section", 0, "", "hidden" },
		{ "campaign-setup", "button", 0, "", NULL },
		{ "campaign-not-now", "button", 0, "", NULL },
	};
	struct id_want	 passkeys[] = {
		{ "passkeys-list", "ul", 0, "", NULL },
		{ "passkeys-empty", "p", 0, "", NULL },
		{ "passkey-template", "template", 0, "", NULL },
		{ "add-passkey", "button", 0, "", NULL },
		{ "signout", "button", 0, "", NULL },
		{ "message", "p", 0, "", "role" },
		{ "passkeys-assurance", "p", 0, "", "hidden" },
	};
	const char	*pk;

	(void)state;
	ids_expect("/", signin, 5);
	assert_string_equal(signin[0].attr, "username webauthn");
	assert_string_equal(signin[3].attr, "/setup");
	assert_string_equal(signin[4].attr, "polite");
	ids_expect("/setup", setup, 9);
	assert_string_equal(setup[4].attr, "/");
	assert_string_equal(setup[5].attr, "status");
	ids_expect("/passkeys", passkeys, 7);
	assert_string_equal(passkeys[5].attr, "status");
	/* One passkey's parts, cloned from the template by passkeys.js. */
	pk = must_find("/passkeys")->data;
	assert_non_null(strstr(pk, "<li class=\"passkey\">"));
	assert_non_null(strstr(pk, "passkey-kind"));
	assert_non_null(strstr(pk, "passkey-name"));
	assert_non_null(strstr(must_find("/js/passkeys.js")->data, "li.dataset.id = pk.id"));
}

static int
link_check(const struct tag *t, void *arg)
{
	static const char *const attrs[] = { "src", "href" };
	const char	*page = arg;
	char		 v[512];
	size_t		 i;

	for (i = 0; i < 2; i++) {
		if (tag_attr(t, attrs[i], v, sizeof(v)) == NULL || v[0] != '/')
			continue;
		v[strcspn(v, "?#")] = '\0';
		if (web_data_find(v) == NULL)
			fail_msg("%s links to %s, which is not embedded", page, v);
	}
	return 0;
}

/* Every local link and every module import names an embedded file. */
static void
test_links_resolve(void **state)
{
	const char	*p, *q;
	char		 path[256];
	size_t		 i, n = 0;

	(void)state;
	for (i = 0; i < web_nfiles; i++) {
		if (strncmp(web_files[i].ctype, "text/html", 9) == 0)
			assert_int_equal(tags_each(web_files[i].data, link_check,
			    (void *)web_files[i].path), 0);
		if (strcmp(web_files[i].ctype, "text/javascript") != 0)
			continue;
		for (p = web_files[i].data; (p = strstr(p, "from \"./")) != NULL; p = q) {
			p += strlen("from \"./");
			q = strchr(p, '"');
			assert_non_null(q);
			snprintf(path, sizeof(path), "/js/%.*s", (int)(q - p), p);
			if (web_data_find(path) == NULL)
				fail_msg("%s imports %s, which is not embedded",
				    web_files[i].path, path);
			n++;
		}
	}
	assert_true(n >= 10);
	for (i = 0; i < 3; i++) {
		p = must_find(i == 0 ? "/" : i == 1 ? "/setup" : "/passkeys")->data;
		assert_non_null(strstr(p, "<html lang=\"en\">"));
		assert_non_null(strstr(p, "name=\"viewport\""));
		assert_non_null(strstr(p, "<link rel=\"stylesheet\" href=\"/style.css\">"));
		assert_non_null(strstr(p, "<script type=\"module\" src=\"/js/"));
	}
}

/* The messages of issue 4 and the brief, as people will read them. */
static void
test_words_for_people(void **state)
{
	const char	*w;

	(void)state;
	w = must_find("/js/words.js")->data;
	assert_non_null(strstr(w, "That pass didn't work. Check it and try again, "
	    "or ask the helpdesk for a new one."));
	assert_non_null(strstr(w, "\"Too many tries. \""));
	assert_non_null(strstr(w, "The passkey prompt was closed"));
	assert_non_null(strstr(w, "This device already has a passkey for your account"));
	assert_non_null(strstr(w, "A passkey synced to your Google account"));
	assert_non_null(strstr(w, "A passkey saved in iCloud Keychain"));
	assert_non_null(strstr(w, "A passkey on this security key"));
	assert_non_null(strstr(w, "Synced across your devices"));
	assert_non_null(strstr(w, "On one device"));
	assert_non_null(strstr(w, "Unknown provider"));
	assert_non_null(strstr(w, "face, fingerprint or PIN, as on your phone"));
	assert_non_null(strstr(must_find("/")->data, "Sign in with a passkey"));
	assert_non_null(strstr(must_find("/setup")->data, "Set up your passkey"));
	assert_non_null(strstr(must_find("/passkeys")->data, "Your passkeys"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_found),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_pages_keep_csp),
		cmocka_unit_test(test_checkers_catch_faults),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_links_resolve),
		cmocka_unit_test(test_words_for_people),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
