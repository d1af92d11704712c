/*
 * tap.c: Temporary Access Passes (research/entra-semantics.md b1).  Pure
 * logic and no I/O but the key file: a code is drawn from the CSPRNG in
 * TAP_ALPHABET, shown once, and kept only as HMAC-SHA-256 under a key that
 * lives in a file outside the directory, so a copy of the directory alone
 * cannot redeem a pass.  The latchkeyTap value is compact JSON; decoding
 * treats it as hostile (anyone with write access to the entry wrote it).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "log.h"
#include "tap.h"
#include "util.h"
#include "xmalloc.h"

#define TAP_VERSION		1
#define TAP_INPUT_MAX		128	/* characters of a code as typed, before normalising */
#define TAP_JSON_MAX		2048	/* bytes of a latchkeyTap value */
#define TAP_ISSUER_MAX		256
#define TAP_ID_BYTES		12	/* 16 base64url characters */
#define TAP_TIME_MAX		((json_int_t)1 << 40)	/* far beyond any real expiry */
#define TAP_COUNT_MAX		1000000000
#define TAP_LOCK_MAX		86400	/* a lockout never lasts longer than a day */

static int	tap_normalise(const char *, char *, size_t, size_t *);
static int	tap_fail_msg(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	tap_get_int(const json_t *, const char *, json_int_t, json_int_t,
		    json_int_t *, char *, size_t);

char *
tap_issue(const unsigned char key[TAP_KEY_LEN], size_t len, time_t start,
    time_t lifetime, int one_time, const char *issuer, struct tap *t)
{
	unsigned char		 buf[64], id[TAP_ID_BYTES];
	char			*code, *idtxt;

	if (len < TAP_LEN_MIN || len > TAP_LEN_MAX || lifetime <= 0)
		return NULL;
	code = xmalloc(len + 1);
	/* 64 octets for at most 16 characters: drawn again only if ~48 were skipped. */
	do
		util_random(buf, sizeof(buf));
	while (tap_code_from(buf, sizeof(buf), code, len) == -1);
	OPENSSL_cleanse(buf, sizeof(buf));

	memset(t, 0, sizeof(*t));
	util_random(id, sizeof(id));
	idtxt = util_b64url_encode(id, sizeof(id));
	/* 12 bytes are 16 base64url characters: they fit id[24]. */
	snprintf(t->id, sizeof(t->id), "%s", idtxt);
	free(idtxt);
	tap_hmac(key, code, len, t->hash);
	t->start = start;
	t->expiry = start + lifetime;
	t->one_time = one_time != 0;
	t->issuer = issuer != NULL ? xstrdup(issuer) : NULL;
	return code;
}

enum tap_result
tap_check(const struct tap *t, const unsigned char key[TAP_KEY_LEN],
    const char *code, time_t now)
{
	unsigned char	 mac[32];
	char		 norm[TAP_INPUT_MAX + 1];
	size_t		 len;
	int		 ok;

	if (t->locked_until > now)
		return TAP_LOCKED;
	if (now < t->start)
		return TAP_NOT_YET;
	if (now >= t->expiry)
		return TAP_EXPIRED;
	if (t->one_time && t->uses > 0)
		return TAP_USED;
	if (code == NULL || tap_normalise(code, norm, sizeof(norm), &len) == -1)
		return TAP_WRONG;
	/* Whatever the code, the same work: one HMAC, one constant-time compare. */
	tap_hmac(key, norm, len, mac);
	ok = CRYPTO_memcmp(mac, t->hash, sizeof(mac)) == 0;
	OPENSSL_cleanse(norm, sizeof(norm));
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok ? TAP_OK : TAP_WRONG;
}

/*
 * Counts a failed attempt.  The TAP_FAILURES_MAX'th locks the pass for
 * TAP_LOCK_SECONDS << lockouts (capped at TAP_LOCK_MAX) and starts the
 * count again, so each further run of ten failures locks twice as long.
 */
int
tap_fail(struct tap *t, time_t now)
{
	unsigned int	 shift;
	time_t		 secs;

	if (t->locked_until > now)
		return 0;
	if (++t->failures < TAP_FAILURES_MAX)
		return 0;
	shift = t->lockouts < 16 ? t->lockouts : 16;
	secs = (time_t)TAP_LOCK_SECONDS << shift;
	if (secs > TAP_LOCK_MAX)
		secs = TAP_LOCK_MAX;
	t->locked_until = now + secs;
	if (t->lockouts < TAP_COUNT_MAX)
		t->lockouts++;
	t->failures = 0;
	return 1;
}

time_t
tap_locked_for(const struct tap *t, time_t now)
{
	return t->locked_until > now ? t->locked_until - now : 0;
}

const char *
tap_result_name(enum tap_result r)
{
	switch (r) {
	case TAP_OK:
		return "ok";
	case TAP_WRONG:
		return "wrong_code";
	case TAP_NOT_YET:
		return "not_yet_valid";
	case TAP_EXPIRED:
		return "expired";
	case TAP_LOCKED:
		return "locked";
	case TAP_USED:
		return "used";
	}
	return "unknown";
}

char *
tap_encode(const struct tap *t)
{
	json_t	*o;
	char	*hash, *s;

	hash = util_b64url_encode(t->hash, sizeof(t->hash));
	o = json_pack("{s:i, s:s, s:s, s:I, s:I, s:b, s:s?, s:I, s:I, s:I, s:I}",
	    "v", TAP_VERSION, "id", t->id, "hash", hash,
	    "start", (json_int_t)t->start, "expiry", (json_int_t)t->expiry,
	    "oneTime", t->one_time, "issuer", t->issuer,
	    "uses", (json_int_t)t->uses, "failures", (json_int_t)t->failures,
	    "lockedUntil", (json_int_t)t->locked_until,
	    "lockouts", (json_int_t)t->lockouts);
	free(hash);
	if (o == NULL || (s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("tap_encode: out of memory");
	json_decref(o);
	return s;
}

struct tap *
tap_decode(const char *json, size_t len, char *err, size_t errlen)
{
	struct tap	*t = NULL;
	json_error_t	 jerr;
	json_t		*root, *v;
	json_int_t	 n;
	unsigned char	*hash = NULL;
	const char	*s;
	size_t		 hlen, i;

	if (len > TAP_JSON_MAX) {
		tap_fail_msg(err, errlen, "the TAP value is longer than %d bytes", TAP_JSON_MAX);
		return NULL;
	}
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		tap_fail_msg(err, errlen, "the TAP value is not JSON: %s", jerr.text);
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	if (!json_is_object(root)) {
		tap_fail_msg(err, errlen, "the TAP value is not a JSON object");
		goto fail;
	}
	if (tap_get_int(root, "v", 1, 1, &n, err, errlen) == -1)
		goto fail;
	v = json_object_get(root, "id");
	if (v == NULL || !json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= sizeof(t->id)) {
		tap_fail_msg(err, errlen, "id is not a string of 1 to %zu characters",
		    sizeof(t->id) - 1);
		goto fail;
	}
	s = json_string_value(v);
	for (i = 0; s[i] != '\0'; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_", s[i]) == NULL) {
			tap_fail_msg(err, errlen, "id is not base64url");
			goto fail;
		}
	memcpy(t->id, s, json_string_length(v) + 1);
	v = json_object_get(root, "hash");
	if (v == NULL || !json_is_string(v) || json_string_length(v) > 64 ||
	    (hash = util_b64url_decode(json_string_value(v), json_string_length(v),
	    &hlen)) == NULL || hlen != sizeof(t->hash)) {
		tap_fail_msg(err, errlen, "hash is not base64url of %zu bytes", sizeof(t->hash));
		goto fail;
	}
	memcpy(t->hash, hash, sizeof(t->hash));
	if (tap_get_int(root, "start", 0, TAP_TIME_MAX, &n, err, errlen) == -1)
		goto fail;
	t->start = (time_t)n;
	if (tap_get_int(root, "expiry", 0, TAP_TIME_MAX, &n, err, errlen) == -1)
		goto fail;
	t->expiry = (time_t)n;
	if (t->expiry < t->start) {
		tap_fail_msg(err, errlen, "expiry is before start");
		goto fail;
	}
	if ((v = json_object_get(root, "oneTime")) == NULL || !json_is_boolean(v)) {
		tap_fail_msg(err, errlen, "oneTime is missing or not a boolean");
		goto fail;
	}
	t->one_time = json_is_true(v);
	if ((v = json_object_get(root, "issuer")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) > TAP_ISSUER_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			tap_fail_msg(err, errlen, "issuer is not a string of at most %d bytes",
			    TAP_ISSUER_MAX);
			goto fail;
		}
		t->issuer = xstrdup(json_string_value(v));
	}
	if (tap_get_int(root, "uses", 0, TAP_COUNT_MAX, &n, err, errlen) == -1)
		goto fail;
	t->uses = (unsigned int)n;
	if (tap_get_int(root, "failures", 0, TAP_COUNT_MAX, &n, err, errlen) == -1)
		goto fail;
	t->failures = (unsigned int)n;
	if (tap_get_int(root, "lockedUntil", 0, TAP_TIME_MAX, &n, err, errlen) == -1)
		goto fail;
	t->locked_until = (time_t)n;
	if (tap_get_int(root, "lockouts", 0, TAP_COUNT_MAX, &n, err, errlen) == -1)
		goto fail;
	t->lockouts = (unsigned int)n;
	free(hash);
	json_decref(root);
	return t;
fail:
	free(hash);
	json_decref(root);
	tap_free(t);
	return NULL;
}

void
tap_free(struct tap *t)
{
	if (t == NULL)
		return;
	tap_clear(t);
	free(t);
}

void
tap_clear(struct tap *t)
{
	if (t == NULL)
		return;
	free(t->issuer);
	OPENSSL_cleanse(t, sizeof(*t));
}

int
tap_key_load(const char *path, unsigned char key[TAP_KEY_LEN], char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;

	if ((buf = util_read_file(path, TAP_KEY_LEN, &len)) == NULL) {
		if (errno == EFBIG)
			return tap_fail_msg(err, errlen, "%s: longer than %d bytes "
			    "(a TAP key is exactly %d random bytes)", path, TAP_KEY_LEN,
			    TAP_KEY_LEN);
		return tap_fail_msg(err, errlen, "%s: %s", path, strerror(errno));
	}
	if (len != TAP_KEY_LEN) {
		freezero_x(buf, TAP_KEY_LEN + 1);
		return tap_fail_msg(err, errlen, "%s: %zu bytes, not %d (a TAP key is "
		    "exactly %d random bytes)", path, len, TAP_KEY_LEN, TAP_KEY_LEN);
	}
	memcpy(key, buf, TAP_KEY_LEN);
	freezero_x(buf, TAP_KEY_LEN + 1);
	return 0;
}

int
tap_key_create(const char *path)
{
	unsigned char	 key[TAP_KEY_LEN];
	ssize_t		 n;
	int		 fd, save;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	util_random(key, sizeof(key));
	n = write(fd, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	if (n != (ssize_t)sizeof(key) || fsync(fd) == -1) {
		save = n >= 0 ? (errno != 0 ? errno : EIO) : errno;
		close(fd);
		unlink(path);
		errno = save;
		return -1;
	}
	if (close(fd) == -1) {
		save = errno;
		unlink(path);
		errno = save;
		return -1;
	}
	return 0;
}

/*
 * Normalises a code as typed: upper case, blanks and dashes dropped, so
 * "k7qm-2xa4" and "K7QM 2XA4" are the same code.  The input is bounded
 * first (TAP_INPUT_MAX characters); -1 if longer or if out is too small.
 */
static int
tap_normalise(const char *code, char *out, size_t outsz, size_t *lenp)
{
	size_t	 i, n = 0;
	char	 c;

	for (i = 0; code[i] != '\0'; i++) {
		if (i >= TAP_INPUT_MAX)
			return -1;
		c = code[i];
		if (c == ' ' || c == '\t' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (n + 1 >= outsz)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	*lenp = n;
	return 0;
}

int
tap_code_from(const unsigned char *rnd, size_t rndlen, char *code, size_t len)
{
	static const char	 alpha[] = TAP_ALPHABET;
	const size_t		 n = sizeof(alpha) - 1;
	/* The largest multiple of n below 256: a plain modulo would favour the first 256 % n. */
	const unsigned int	 limit = 256 - 256 % n;
	size_t			 i = 0, j;

	for (j = 0; j < rndlen && i < len; j++)
		if (rnd[j] < limit)
			code[i++] = alpha[rnd[j] % n];
	code[i] = '\0';
	return (i == len ? 0 : -1);
}

void
tap_hmac(const unsigned char key[TAP_KEY_LEN], const void *msg, size_t len,
    unsigned char out[32])
{
	static EVP_MAC		*mac;
	static EVP_MAC_CTX	*tmpl;
	static unsigned char	 tmpl_key[TAP_KEY_LEN];
	EVP_MAC_CTX		*ctx;
	OSSL_PARAM		 params[2];
	size_t			 outlen = 0;

	if (tmpl == NULL || CRYPTO_memcmp(tmpl_key, key, TAP_KEY_LEN) != 0) {
		if (mac == NULL && (mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
			fatalx("tap_hmac: HMAC is not available");
		EVP_MAC_CTX_free(tmpl);
		params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if ((tmpl = EVP_MAC_CTX_new(mac)) == NULL ||
		    EVP_MAC_init(tmpl, key, TAP_KEY_LEN, params) != 1)
			fatalx("tap_hmac: HMAC-SHA-256 init failed");
		memcpy(tmpl_key, key, TAP_KEY_LEN);
	}
	if ((ctx = EVP_MAC_CTX_dup(tmpl)) == NULL ||
	    EVP_MAC_update(ctx, msg, len) != 1 ||
	    EVP_MAC_final(ctx, out, &outlen, 32) != 1 || outlen != 32)
		fatalx("tap_hmac: HMAC-SHA-256 failed");
	EVP_MAC_CTX_free(ctx);
}

static int
tap_fail_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
tap_get_int(const json_t *o, const char *key, json_int_t min, json_int_t max,
    json_int_t *out, char *err, size_t errlen)
{
	const json_t	*v;

	if ((v = json_object_get(o, key)) == NULL || !json_is_integer(v))
		return tap_fail_msg(err, errlen, "%s is missing or not an integer", key);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return tap_fail_msg(err, errlen, "%s is out of range", key);
	return 0;
}
