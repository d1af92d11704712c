/*
 * util.h: small helpers every layer uses: base64url (RFC 4648 §5, no
 * padding), constant-time comparison, clocks, durations and randomness.
 */
#ifndef LATCHKEY_UTIL_H
#define LATCHKEY_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UTIL_B64_MAX	(1024 * 1024)	/* longest input util_b64url_decode takes */

/* Encodes len bytes as unpadded base64url; returns a new NUL-terminated string. */
char	*util_b64url_encode(const void *buf, size_t len);
/*
 * Decodes unpadded (or padded) base64url of at most UTIL_B64_MAX characters.
 * Returns a new buffer (NUL-terminated for convenience) and its length in
 * *outlen, or NULL on malformed input.
 */
unsigned char *util_b64url_decode(const char *s, size_t slen, size_t *outlen);
/* Constant-time equality of two buffers of the same length: 1 equal, 0 not. */
int	 util_ct_eq(const void *a, const void *b, size_t len);
/* Milliseconds on the monotonic clock. */
uint64_t util_now_ms(void);
/* Seconds since the epoch. */
time_t	 util_now(void);
/* Formats t as RFC 3339 UTC ("2026-12-07T10:00:00Z") into buf[21+]. */
void	 util_time_fmt(time_t t, char *buf, size_t len);
/*
 * Parses a duration: a number with an optional unit s, m, h or d ("90s",
 * "5m", "1h", "30d"; a bare number is seconds).  Returns 0 and the
 * milliseconds in *ms, or -1.
 */
int	 util_parse_duration(const char *s, uint64_t *ms);
/* Fills buf with len bytes from the CSPRNG; fatal if the CSPRNG fails. */
void	 util_random(void *buf, size_t len);
/* Returns 1 if the address text (IPv4, IPv6 or a host name) is loopback. */
int	 util_is_loopback_host(const char *host);
/* Reads a whole small file (at most max bytes); returns a NUL-terminated buffer. */
char	*util_read_file(const char *path, size_t max, size_t *lenp);
/* Creates a directory and its parents with the given mode; 0 or -1. */
int	 util_mkdirs(const char *path, unsigned int mode);

#endif
