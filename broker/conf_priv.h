/*
 * conf_priv.h: private to the configuration parser (conf.c, which reads the
 * file through the directive table, and conf_check.c, which validates the
 * result as a whole and checks single values).  Callers include conf.h only.
 */
#ifndef LATCHKEY_CONF_PRIV_H
#define LATCHKEY_CONF_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct conf;

/* The state of one parse: where we are, what we have seen, where errors go. */
struct conf_ctx {
	struct conf	*conf;
	const char	*name;		/* file name for messages */
	const char	*dir;		/* base of relative paths; NULL: keep them */
	size_t		 line;		/* current line, 1-based */
	size_t		*seen;		/* per directive table row: first line, 0: absent */
	size_t		 https_line;	/* first https listener */
	char		*err;
	size_t		 errlen;
};

/* conf.c */
/* The line a directive first appeared on, 0 if it did not. */
size_t		 conf_seen(const struct conf_ctx *, const char *name);
/* Formats "FILE:LINE: reason" (or "FILE: reason" for line 0); returns -1. */
int		 conf_error(struct conf_ctx *, size_t line, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* conf_check.c */
/* Checks the whole file and fills in the defaults; -1 with the error set. */
int		 conf_validate(struct conf_ctx *);
/* A port from 1 to 65535. */
int		 conf_port(const char *, uint16_t *);
/* SIZE: a number of bytes with an optional k or m suffix (powers of 1024). */
int		 conf_size(const char *, size_t *);
/* An http(s) URL with a host; a path only with allow_path.  -1: error set. */
int		 conf_url_check(struct conf_ctx *, const char *what, const char *url,
		    int allow_path);
/* The serialised web origin of a URL that passed conf_url_check (new string). */
char		*conf_origin_of(const char *url);
/* A host without the brackets of an IPv6 literal (new string). */
char		*conf_host_of(const char *host);
int		 conf_is_dn(const char *);
/* AF_INET or AF_INET6 for a numeric address, 0 otherwise. */
int		 conf_is_ip(const char *);
void		 conf_lower(char *);
/* radius-legacy-group GROUP and radius-reply GROUP ATTRIBUTE VALUE; -1: error set. */
int		 conf_radius_legacy_group(struct conf_ctx *, const char *, char **);
int		 conf_radius_reply(struct conf_ctx *, const char *, char **);

#endif
