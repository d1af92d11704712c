/*
 * util.c: base64url on OpenSSL's codec, clocks, durations, randomness.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "util.h"
#include "xmalloc.h"

char *
util_b64url_encode(const void *buf, size_t len)
{
	char	*out;
	size_t	 n, i;

	if (len > INT_MAX / 2)
		fatalx("util_b64url_encode: %zu bytes is too long", len);
	out = xmalloc(4 * ((len + 2) / 3) + 1);
	n = (size_t)EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
	/* RFC 4648 §5: '+' -> '-', '/' -> '_', no padding. */
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return out;
}

unsigned char *
util_b64url_decode(const char *s, size_t slen, size_t *outlen)
{
	unsigned char	*in = NULL, *out = NULL;
	size_t		 i, n, pad;
	int		 r;

	while (slen > 0 && s[slen - 1] == '=')
		slen--;
	if (slen > UTIL_B64_MAX || slen % 4 == 1)
		return NULL;
	pad = (4 - slen % 4) % 4;
	in = xmalloc(slen + pad + 1);
	for (i = 0; i < slen; i++) {
		char c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!(isalnum((unsigned char)c)))
			goto fail;	/* also refuses '+', '/', space, NUL */
		in[i] = (unsigned char)c;
	}
	for (n = slen; n < slen + pad; n++)
		in[n] = '=';
	out = xmalloc((slen + pad) / 4 * 3 + 1);
	r = EVP_DecodeBlock(out, in, (int)(slen + pad));
	if (r < 0)
		goto fail;
	*outlen = (size_t)r - pad;
	out[*outlen] = '\0';
	free(in);
	return out;
fail:
	free(in);
	free(out);
	return NULL;
}

int
util_ct_eq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

uint64_t
util_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

time_t
util_now(void)
{
	return time(NULL);
}

void
util_time_fmt(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
util_parse_duration(const char *s, uint64_t *ms)
{
	char			*end;
	unsigned long long	 v, mult = 1000;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mult = 3600 * 1000;
	else if (strcmp(end, "d") == 0)
		mult = 86400 * 1000;
	else
		return -1;
	if (v > UINT64_MAX / mult)	/* the product would wrap */
		return -1;
	*ms = v * mult;
	return 0;
}

void
util_random(void *buf, size_t len)
{
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		fatalx("util_random: the CSPRNG failed");
}

int
util_is_loopback_host(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

char *
util_read_file(const char *path, size_t max, size_t *lenp)
{
	char	*buf;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	buf = xmalloc(max + 1);
	while ((n = read(fd, buf + len, max + 1 - len)) > 0) {
		len += (size_t)n;
		if (len > max) {
			close(fd);
			freezero_x(buf, max + 1);
			errno = EFBIG;
			return NULL;
		}
	}
	close(fd);
	if (n < 0) {
		freezero_x(buf, max + 1);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
util_mkdirs(const char *path, unsigned int mode)
{
	char	*p, *s;

	p = xstrdup(path);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) == -1 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	if (mkdir(p, mode) == -1 && errno != EEXIST) {
		free(p);
		return -1;
	}
	free(p);
	return 0;
}
