/*
 * passkey.c: the credential record stored in one latchkeyPasskey value
 * (ARCHITECTURE §3, §5), as a versioned JSON object.  The encoder writes
 * every key (sorted, compact) so the value is stable; the decoder reads a
 * directory value as untrusted input: every member typed and bounded,
 * unknown members ignored (a later version may add them), a "v" newer
 * than PASSKEY_VERSION refused.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "passkey.h"
#include "util.h"
#include "xmalloc.h"

#define PASSKEY_JSON_MAX	(32 * 1024)
#define PASSKEY_PUBKEY_MAX	1024
#define PASSKEY_FMT_MAX		32
#define PASSKEY_TEXT_MAX	1024	/* label, profile, names, trust source */
#define PASSKEY_TRANSPORTS_MAX	8
#define PASSKEY_TRANSPORT_MAX	32

static const char *const passkey_trust_names[] = {
	[PASSKEY_TRUST_NONE] = "none",
	[PASSKEY_TRUST_SELF] = "self",
	[PASSKEY_TRUST_UNTRUSTED] = "untrusted",
	[PASSKEY_TRUST_TRUSTED] = "trusted",
};
#define PASSKEY_NTRUST	(sizeof(passkey_trust_names) / sizeof(passkey_trust_names[0]))

static json_t	*passkey_b64(const unsigned char *, size_t);
static json_t	*passkey_str_or_null(const char *);
static json_t	*passkey_time(time_t);
static int	 passkey_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static int	 passkey_get_b64(const json_t *, const char *, size_t, unsigned char **,
		    size_t *, char *, size_t);
static int	 passkey_get_text(const json_t *, const char *, size_t, int, int, char **,
		    char *, size_t);
static int	 passkey_get_bool(const json_t *, const char *, int *, char *, size_t);
static int	 passkey_get_int(const json_t *, const char *, json_int_t, json_int_t,
		    json_int_t *, char *, size_t);
static int	 passkey_get_time(const json_t *, const char *, time_t *, char *, size_t);
static int	 passkey_get_attestation(const json_t *, struct passkey *, char *, size_t);
static int	 passkey_get_authenticator(const json_t *, struct passkey *, char *, size_t);
static int	 passkey_get_transports(const json_t *, struct passkey *, char *, size_t);
static int	 passkey_decode_members(const json_t *, struct passkey *, char *, size_t);
static char	*passkey_strdup_or_null(const char *);

const char *
passkey_type(const struct passkey *pk)
{
	return pk->be ? "synced" : "device-bound";
}

int
passkey_attested_device_bound(const struct passkey *pk)
{
	return !pk->be && pk->trust == PASSKEY_TRUST_TRUSTED;
}

const char *
passkey_trust_name(enum passkey_trust t)
{
	if ((unsigned int)t >= PASSKEY_NTRUST)
		return "none";
	return passkey_trust_names[t];
}

void
passkey_aaguid_fmt(const unsigned char aaguid[16], char buf[37])
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hex[aaguid[i] >> 4];
		buf[o++] = hex[aaguid[i] & 0x0f];
	}
	buf[o] = '\0';
}

int
passkey_aaguid_parse(const char *s, unsigned char aaguid[16])
{
	unsigned char	 out[16];
	size_t		 i, o = 0;
	int		 hi, lo;

	if (s == NULL || strlen(s) != 36)
		return -1;
	for (i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -1;
		hi = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
		lo = isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0' :
		    tolower((unsigned char)s[i + 1]) - 'a' + 10;
		out[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	memcpy(aaguid, out, sizeof(out));
	return 0;
}

/* ARCHITECTURE §5: the record's keys; sorted and compact, so equal records encode equally. */
char *
passkey_encode(const struct passkey *pk)
{
	json_t	*o, *att, *auth, *tr;
	char	 aaguid[37], *s;
	size_t	 i;

	passkey_aaguid_fmt(pk->aaguid, aaguid);
	att = json_object();
	json_object_set_new(att, "trust", json_string(passkey_trust_name(pk->trust)));
	if (pk->trust_source != NULL)
		json_object_set_new(att, "source", json_string(pk->trust_source));
	auth = json_object();
	json_object_set_new(auth, "name", passkey_str_or_null(pk->authenticator));
	json_object_set_new(auth, "verified", json_boolean(pk->authenticator_verified));
	tr = json_array();
	for (i = 0; i < pk->ntransports; i++)
		json_array_append_new(tr, json_string(pk->transports[i]));
	o = json_object();
	json_object_set_new(o, "v", json_integer(pk->v > 0 ? pk->v : PASSKEY_VERSION));
	json_object_set_new(o, "id", passkey_b64(pk->id, pk->idlen));
	json_object_set_new(o, "alg", json_integer(pk->alg));
	json_object_set_new(o, "publicKey", passkey_b64(pk->pubkey, pk->pubkeylen));
	json_object_set_new(o, "signCount", json_integer(pk->sign_count));
	json_object_set_new(o, "uv", json_boolean(pk->uv));
	json_object_set_new(o, "be", json_boolean(pk->be));
	json_object_set_new(o, "bs", json_boolean(pk->bs));
	json_object_set_new(o, "type", json_string(passkey_type(pk)));
	json_object_set_new(o, "aaguid", json_string(aaguid));
	json_object_set_new(o, "fmt", json_string(pk->fmt != NULL ? pk->fmt : "none"));
	json_object_set_new(o, "attestation", att);
	json_object_set_new(o, "authenticator", auth);
	json_object_set_new(o, "transports", tr);
	json_object_set_new(o, "created", passkey_time(pk->created));
	json_object_set_new(o, "lastUsed", passkey_time(pk->last_used));
	json_object_set_new(o, "label", passkey_str_or_null(pk->label));
	json_object_set_new(o, "profile", passkey_str_or_null(pk->profile));
	if ((s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("passkey_encode: out of memory");
	json_decref(o);
	return s;
}

struct passkey *
passkey_decode(const char *json, size_t len, char *err, size_t errlen)
{
	struct passkey	*pk;
	json_error_t	 jerr;
	json_t		*root;

	if (len > PASSKEY_JSON_MAX) {
		passkey_fail(err, errlen, "the record is longer than %d bytes", PASSKEY_JSON_MAX);
		return NULL;
	}
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		passkey_fail(err, errlen, "the record is not JSON: %s", jerr.text);
		return NULL;
	}
	pk = xcalloc(1, sizeof(*pk));
	if (!json_is_object(root)) {
		passkey_fail(err, errlen, "the record is not a JSON object");
		goto fail;
	}
	if (passkey_decode_members(root, pk, err, errlen) == -1)
		goto fail;
	json_decref(root);
	return pk;
fail:
	json_decref(root);
	passkey_free(pk);
	return NULL;
}

struct passkey *
passkey_dup(const struct passkey *pk)
{
	struct passkey	*d;
	size_t		 i;

	if (pk == NULL)
		return NULL;
	d = xmalloc(sizeof(*d));
	*d = *pk;
	d->id = pk->id != NULL ? xmemdup(pk->id, pk->idlen) : NULL;
	d->pubkey = pk->pubkey != NULL ? xmemdup(pk->pubkey, pk->pubkeylen) : NULL;
	d->fmt = passkey_strdup_or_null(pk->fmt);
	d->trust_source = passkey_strdup_or_null(pk->trust_source);
	d->authenticator = passkey_strdup_or_null(pk->authenticator);
	d->profile = passkey_strdup_or_null(pk->profile);
	d->label = passkey_strdup_or_null(pk->label);
	d->transports = NULL;
	if (pk->ntransports > 0) {
		d->transports = xcalloc(pk->ntransports, sizeof(char *));
		for (i = 0; i < pk->ntransports; i++)
			d->transports[i] = xstrdup(pk->transports[i]);
	}
	return d;
}

void
passkey_free(struct passkey *pk)
{
	size_t	i;

	if (pk == NULL)
		return;
	free(pk->id);
	free(pk->pubkey);
	free(pk->fmt);
	free(pk->trust_source);
	free(pk->authenticator);
	for (i = 0; i < pk->ntransports; i++)
		free(pk->transports[i]);
	free(pk->transports);
	free(pk->profile);
	free(pk->label);
	free(pk);
}

/* Every member of a version-1 record; later versions only add members. */
static int
passkey_decode_members(const json_t *o, struct passkey *pk, char *err, size_t errlen)
{
	json_int_t	 n;
	char		*s = NULL;
	int		 synced;

	if (passkey_get_int(o, "v", 1, INT32_MAX, &n, err, errlen) == -1)
		return -1;
	if (n > PASSKEY_VERSION)
		return passkey_fail(err, errlen,
		    "the record is version %lld, newer than this latchkey reads (%d)",
		    (long long)n, PASSKEY_VERSION);
	pk->v = (int)n;
	if (passkey_get_b64(o, "id", PASSKEY_ID_MAX, &pk->id, &pk->idlen, err, errlen) == -1 ||
	    passkey_get_int(o, "alg", INT32_MIN, INT32_MAX, &n, err, errlen) == -1)
		return -1;
	pk->alg = (int)n;
	if (passkey_get_b64(o, "publicKey", PASSKEY_PUBKEY_MAX, &pk->pubkey, &pk->pubkeylen,
	    err, errlen) == -1 ||
	    passkey_get_int(o, "signCount", 0, UINT32_MAX, &n, err, errlen) == -1)
		return -1;
	pk->sign_count = (uint32_t)n;
	if (passkey_get_bool(o, "uv", &pk->uv, err, errlen) == -1 ||
	    passkey_get_bool(o, "be", &pk->be, err, errlen) == -1 ||
	    passkey_get_bool(o, "bs", &pk->bs, err, errlen) == -1 ||
	    passkey_get_text(o, "type", 16, 1, 0, &s, err, errlen) == -1)
		return -1;
	synced = strcmp(s, "synced") == 0;
	if (!synced && strcmp(s, "device-bound") != 0) {
		free(s);
		return passkey_fail(err, errlen, "type is neither synced nor device-bound");
	}
	free(s);
	s = NULL;
	if (synced != pk->be)
		return passkey_fail(err, errlen, "type contradicts be");
	if (pk->bs && !pk->be)
		return passkey_fail(err, errlen, "bs is set without be");
	if (passkey_get_text(o, "aaguid", 36, 1, 0, &s, err, errlen) == -1)
		return -1;
	if (passkey_aaguid_parse(s, pk->aaguid) == -1) {
		free(s);
		return passkey_fail(err, errlen, "aaguid is not 8-4-4-4-12 hex");
	}
	free(s);
	if (passkey_get_text(o, "fmt", PASSKEY_FMT_MAX, 1, 0, &pk->fmt, err, errlen) == -1 ||
	    passkey_get_attestation(o, pk, err, errlen) == -1 ||
	    passkey_get_transports(o, pk, err, errlen) == -1 ||
	    passkey_get_time(o, "created", &pk->created, err, errlen) == -1 ||
	    passkey_get_time(o, "lastUsed", &pk->last_used, err, errlen) == -1 ||
	    passkey_get_text(o, "label", PASSKEY_TEXT_MAX, 0, 1, &pk->label, err, errlen) == -1 ||
	    passkey_get_text(o, "profile", PASSKEY_TEXT_MAX, 0, 1, &pk->profile, err,
	    errlen) == -1 ||
	    passkey_get_authenticator(o, pk, err, errlen) == -1)
		return -1;
	return 0;
}

static int
passkey_get_attestation(const json_t *o, struct passkey *pk, char *err, size_t errlen)
{
	const json_t	*att;
	char		*t = NULL;
	size_t		 i;

	if ((att = json_object_get(o, "attestation")) == NULL || !json_is_object(att))
		return passkey_fail(err, errlen, "attestation is missing or not an object");
	if (passkey_get_text(att, "trust", 16, 1, 0, &t, err, errlen) == -1)
		return -1;
	for (i = 0; i < PASSKEY_NTRUST; i++)
		if (strcmp(t, passkey_trust_names[i]) == 0)
			break;
	free(t);
	if (i == PASSKEY_NTRUST)
		return passkey_fail(err, errlen, "attestation.trust is not a known trust level");
	pk->trust = (enum passkey_trust)i;
	return passkey_get_text(att, "source", PASSKEY_TEXT_MAX, 0, 1, &pk->trust_source,
	    err, errlen);
}

/* Optional: {name: string or null, verified: boolean}. */
static int
passkey_get_authenticator(const json_t *o, struct passkey *pk, char *err, size_t errlen)
{
	const json_t	*a;

	if ((a = json_object_get(o, "authenticator")) == NULL || json_is_null(a))
		return 0;
	if (!json_is_object(a))
		return passkey_fail(err, errlen, "authenticator is not an object");
	if (passkey_get_text(a, "name", PASSKEY_TEXT_MAX, 0, 1, &pk->authenticator, err,
	    errlen) == -1)
		return -1;
	if (json_object_get(a, "verified") != NULL &&
	    passkey_get_bool(a, "verified", &pk->authenticator_verified, err, errlen) == -1)
		return -1;
	return 0;
}

static int
passkey_get_transports(const json_t *o, struct passkey *pk, char *err, size_t errlen)
{
	const json_t	*arr, *v;
	size_t		 i, n;

	if ((arr = json_object_get(o, "transports")) == NULL || !json_is_array(arr))
		return passkey_fail(err, errlen, "transports is missing or not an array");
	if ((n = json_array_size(arr)) > PASSKEY_TRANSPORTS_MAX)
		return passkey_fail(err, errlen, "more than %d transports", PASSKEY_TRANSPORTS_MAX);
	if (n == 0)
		return 0;
	pk->transports = xcalloc(n, sizeof(char *));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > PASSKEY_TRANSPORT_MAX)
			return passkey_fail(err, errlen, "a transport is not a short string");
		pk->transports[pk->ntransports++] = xstrdup(json_string_value(v));
	}
	return 0;
}

/* A base64url member of 1 to max bytes. */
static int
passkey_get_b64(const json_t *o, const char *key, size_t max, unsigned char **out,
    size_t *outlen, char *err, size_t errlen)
{
	const json_t	*v;

	if ((v = json_object_get(o, key)) == NULL || !json_is_string(v))
		return passkey_fail(err, errlen, "%s is missing or not a string", key);
	if (json_string_length(v) > (max + 2) / 3 * 4 ||
	    (*out = util_b64url_decode(json_string_value(v), json_string_length(v),
	    outlen)) == NULL)
		return passkey_fail(err, errlen, "%s is not base64url of at most %zu bytes", key, max);
	if (*outlen == 0 || *outlen > max)
		return passkey_fail(err, errlen, "%s has a bad length", key);
	return 0;
}

/* A string member of at most max bytes; absent allowed unless required, null if nullable. */
static int
passkey_get_text(const json_t *o, const char *key, size_t max, int required, int nullable,
    char **out, char *err, size_t errlen)
{
	const json_t	*v;

	*out = NULL;
	if ((v = json_object_get(o, key)) == NULL) {
		if (required)
			return passkey_fail(err, errlen, "%s is missing", key);
		return 0;
	}
	if (json_is_null(v) && nullable)
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max)
		return passkey_fail(err, errlen, "%s is not a string of at most %zu bytes", key, max);
	*out = xstrdup(json_string_value(v));
	return 0;
}

static int
passkey_get_bool(const json_t *o, const char *key, int *out, char *err, size_t errlen)
{
	const json_t	*v;

	if ((v = json_object_get(o, key)) == NULL || !json_is_boolean(v))
		return passkey_fail(err, errlen, "%s is missing or not a boolean", key);
	*out = json_is_true(v);
	return 0;
}

static int
passkey_get_int(const json_t *o, const char *key, json_int_t min, json_int_t max,
    json_int_t *out, char *err, size_t errlen)
{
	const json_t	*v;

	if ((v = json_object_get(o, key)) == NULL || !json_is_integer(v))
		return passkey_fail(err, errlen, "%s is missing or not an integer", key);
	*out = json_integer_value(v);
	if (*out < min || *out > max)
		return passkey_fail(err, errlen, "%s is out of range", key);
	return 0;
}

/* RFC 3339 UTC as util_time_fmt() writes it ("2026-12-07T10:00:00Z"), or null (0). */
static int
passkey_get_time(const json_t *o, const char *key, time_t *out, char *err, size_t errlen)
{
	const json_t	*v;
	const char	*s, *end;
	struct tm	 tm;
	char		 back[32];

	*out = 0;
	if ((v = json_object_get(o, key)) == NULL)
		return passkey_fail(err, errlen, "%s is missing", key);
	if (json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) != 20)
		return passkey_fail(err, errlen, "%s is not an RFC 3339 UTC time", key);
	s = json_string_value(v);
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end != '\0' ||
	    (*out = timegm(&tm)) == (time_t)-1)
		return passkey_fail(err, errlen, "%s is not an RFC 3339 UTC time", key);
	/* strptime takes out-of-range fields (month 13, second 61) timegm then normalises. */
	util_time_fmt(*out, back, sizeof(back));
	if (strcmp(back, s) != 0)
		return passkey_fail(err, errlen, "%s is not a valid time", key);
	return 0;
}

static json_t *
passkey_b64(const unsigned char *buf, size_t len)
{
	char	*s;
	json_t	*v;

	s = util_b64url_encode(buf != NULL ? buf : (const unsigned char *)"", buf != NULL ? len : 0);
	v = json_string(s);
	free(s);
	return v;
}

static json_t *
passkey_str_or_null(const char *s)
{
	json_t	*v;

	if (s == NULL || (v = json_string(s)) == NULL)
		return json_null();	/* NULL, or not UTF-8: not worth failing the record */
	return v;
}

static json_t *
passkey_time(time_t t)
{
	char	buf[32];

	if (t == 0)
		return json_null();
	util_time_fmt(t, buf, sizeof(buf));
	return json_string(buf);
}

static char *
passkey_strdup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
passkey_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
