/*
 * conf.c: latchkey.conf, a line-oriented file of "directive arg..." lines,
 * parsed through a directive table into a fresh struct conf, then validated
 * as a whole and completed with defaults.  Nothing here touches the running
 * daemon, reads a secret or opens a socket: main.c decides what to do with
 * the value (STYLE 14).  docs/latchkey.conf.5 documents every directive.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <ldap.h>

#include "conf.h"
#include "conf_priv.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CONF_LINE_MAX	4096		/* bytes in one line, without the newline */
#define CONF_FILE_MAX	(1024 * 1024)	/* bytes in the whole file */
#define CONF_ARGS_MAX	16		/* words on one line, the directive included */

#define CONF_DEFAULT_LISTEN	"http://localhost:8080"
#define CONF_RADIUS_HOLD_DEFAULT_MS	25000	/* under the usual 30 s client timeouts */
#define CONF_RADIUS_HOLD_MAX_MS		30000	/* RADIUS_REQ_MAX_MS */

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

struct conf_ctx;
struct conf_directive;

typedef int (*conf_handler)(struct conf_ctx *, const struct conf_directive *,
    int, char **);

/*
 * One row of the directive table.  min_args and max_args count the words
 * after the directive's name.  The generic handlers (string, path, DN,
 * duration, size, yes/no, filter) store into the struct conf field at off.
 */
struct conf_directive {
	const char	*name;
	int		 min_args;
	int		 max_args;
	conf_handler	 handler;
	size_t		 off;
	int		 repeatable;
};

static int	conf_h_string(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_path(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_dn(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_duration(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_size(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_bool(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_filter(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_log_level(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_listen(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_public_url(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_rp_id(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_origin(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_directory(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_bind_password(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_group_membership(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_radius_listen(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_radius_client(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_rate(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_attestation_root(struct conf_ctx *, const struct conf_directive *, int, char **);
static int	conf_h_radius_group(struct conf_ctx *, const struct conf_directive *, int, char **);

#define F(field)	offsetof(struct conf, field)

/* Grouped as in docs/latchkey.conf.5; later issues add rows. */
static const struct conf_directive conf_directives[] = {
	/* process */
	{ .name = "user", .min_args = 1, .max_args = 1,
	  .handler = conf_h_string, .off = F(user) },
	{ .name = "state-dir", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(state_dir) },
	{ .name = "pid-file", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(pid_file) },
	{ .name = "log-level", .min_args = 1, .max_args = 1,
	  .handler = conf_h_log_level },
	{ .name = "audit-file", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(audit_file) },

	/* web */
	{ .name = "listen", .min_args = 1, .max_args = 1,
	  .handler = conf_h_listen, .repeatable = 1 },
	{ .name = "tls-certificate", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(tls_cert) },
	{ .name = "tls-key", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(tls_key) },
	{ .name = "public-url", .min_args = 1, .max_args = 1,
	  .handler = conf_h_public_url },
	{ .name = "rp-id", .min_args = 1, .max_args = 1,
	  .handler = conf_h_rp_id },
	{ .name = "origin", .min_args = 1, .max_args = 1,
	  .handler = conf_h_origin, .repeatable = 1 },
	{ .name = "http-max-body", .min_args = 1, .max_args = 1,
	  .handler = conf_h_size, .off = F(http_max_body) },
	{ .name = "http-max-headers", .min_args = 1, .max_args = 1,
	  .handler = conf_h_size, .off = F(http_max_headers) },
	{ .name = "http-timeout", .min_args = 1, .max_args = 1,
	  .handler = conf_h_duration, .off = F(http_timeout_ms) },
	{ .name = "session-idle-timeout", .min_args = 1, .max_args = 1,
	  .handler = conf_h_duration, .off = F(session_idle_ms) },
	{ .name = "session-lifetime", .min_args = 1, .max_args = 1,
	  .handler = conf_h_duration, .off = F(session_lifetime_ms) },
	{ .name = "ceremony-timeout", .min_args = 1, .max_args = 1,
	  .handler = conf_h_duration, .off = F(ceremony_timeout_ms) },
	{ .name = "tap-key-file", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(tap_key_file) },

	/* directory */
	{ .name = "directory", .min_args = 1, .max_args = 8,
	  .handler = conf_h_directory },
	{ .name = "slapd", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(slapd_path) },
	{ .name = "starttls", .min_args = 1, .max_args = 1,
	  .handler = conf_h_bool, .off = F(starttls) },
	{ .name = "tls-ca-file", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(tls_ca_file) },
	{ .name = "sasl-external", .min_args = 1, .max_args = 1,
	  .handler = conf_h_bool, .off = F(sasl_external) },
	{ .name = "bind-dn", .min_args = 1, .max_args = 1,
	  .handler = conf_h_dn, .off = F(bind_dn) },
	{ .name = "bind-password-file", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(bind_password_file) },
	{ .name = "bind-password", .min_args = 0, .max_args = CONF_ARGS_MAX,
	  .handler = conf_h_bind_password },
	{ .name = "base-dn", .min_args = 1, .max_args = 1,
	  .handler = conf_h_dn, .off = F(base_dn) },
	{ .name = "user-base", .min_args = 1, .max_args = 1,
	  .handler = conf_h_dn, .off = F(user_base) },
	{ .name = "user-filter", .min_args = 1, .max_args = 1,
	  .handler = conf_h_filter, .off = F(user_filter) },
	{ .name = "user-name-attribute", .min_args = 1, .max_args = 1,
	  .handler = conf_h_string, .off = F(user_name_attr) },
	{ .name = "display-name-attribute", .min_args = 1, .max_args = 1,
	  .handler = conf_h_string, .off = F(display_name_attr) },
	{ .name = "group-base", .min_args = 1, .max_args = 1,
	  .handler = conf_h_dn, .off = F(group_base) },
	{ .name = "group-membership", .min_args = 1, .max_args = 1,
	  .handler = conf_h_group_membership },
	{ .name = "group-filter", .min_args = 1, .max_args = 1,
	  .handler = conf_h_filter, .off = F(group_filter) },
	{ .name = "group-name-attribute", .min_args = 1, .max_args = 1,
	  .handler = conf_h_string, .off = F(group_name_attr) },
	{ .name = "latchkey-base", .min_args = 1, .max_args = 1,
	  .handler = conf_h_dn, .off = F(latchkey_base) },
	{ .name = "ldap-timeout", .min_args = 1, .max_args = 1,
	  .handler = conf_h_duration, .off = F(ldap_timeout_ms) },
	{ .name = "ldap-backoff-max", .min_args = 1, .max_args = 1,
	  .handler = conf_h_duration, .off = F(ldap_backoff_max_ms) },

	/* RADIUS */
	{ .name = "radius-listen", .min_args = 1, .max_args = 1,
	  .handler = conf_h_radius_listen, .repeatable = 1 },
	{ .name = "radius-client", .min_args = 3, .max_args = 13,
	  .handler = conf_h_radius_client, .repeatable = 1 },
	{ .name = "radius-rate-client", .min_args = 1, .max_args = 1,
	  .handler = conf_h_rate, .off = F(radius_rate_client) },
	{ .name = "radius-rate-user", .min_args = 1, .max_args = 1,
	  .handler = conf_h_rate, .off = F(radius_rate_user) },
	{ .name = "radius-legacy-group", .min_args = 1, .max_args = 1,
	  .handler = conf_h_radius_group, .repeatable = 1 },
	{ .name = "radius-reply", .min_args = 3, .max_args = 3,
	  .handler = conf_h_radius_group, .repeatable = 1 },

	/* attestation trust */
	{ .name = "attestation-root", .min_args = 1, .max_args = 1,
	  .handler = conf_h_attestation_root, .repeatable = 1 },
	{ .name = "mds-root", .min_args = 1, .max_args = 1,
	  .handler = conf_h_path, .off = F(mds_root) },
};

#undef F

static struct conf *conf_parse_text(const char *, const char *, const char *,
		    size_t, char *, size_t);
static int	conf_parse_line(struct conf_ctx *, char *);
static int	conf_split(struct conf_ctx *, char *, char **, int *);
static const struct conf_directive *conf_lookup(const char *);
static char   **conf_field_str(struct conf *, size_t);
static char	*conf_resolve(const struct conf_ctx *, const char *);

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	struct conf	*conf;
	char		*text, *copy, *slash, *dir = NULL;
	size_t		 len;

	if ((text = util_read_file(path, CONF_FILE_MAX, &len)) == NULL) {
		if (errno == EFBIG)
			snprintf(err, errlen, "%s: larger than %d bytes", path,
			    CONF_FILE_MAX);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/*
	 * Relative paths are resolved against the file's own directory, made
	 * absolute because the daemon changes directory after start-up.
	 */
	copy = xstrdup(path);
	if ((slash = strrchr(copy, '/')) != NULL)
		*(slash == copy ? slash + 1 : slash) = '\0';
	dir = realpath(slash != NULL ? copy : ".", NULL);
	conf = conf_parse_text(path, dir, text, len, err, errlen);
	free(dir);
	free(copy);
	free(text);
	return conf;
}

struct conf *
conf_parse(const char *name, const char *text, char *err, size_t errlen)
{
	struct conf	*conf;
	char		*dir = NULL, *slash;

	/* A name with a directory part resolves relative paths against it. */
	if ((slash = strrchr(name, '/')) != NULL)
		dir = xstrndup(name, slash == name ? 1 : (size_t)(slash - name));
	conf = conf_parse_text(name, dir, text, strlen(text), err, errlen);
	free(dir);
	return conf;
}

void
conf_free(struct conf *conf)
{
	const struct conf_directive *d;
	size_t		 i;

	if (conf == NULL)
		return;
	/* Every plain string field the table names, then the rest. */
	for (d = conf_directives; d < conf_directives + nitems(conf_directives); d++)
		if (d->handler == conf_h_string || d->handler == conf_h_path ||
		    d->handler == conf_h_dn || d->handler == conf_h_filter)
			free(*conf_field_str(conf, d->off));
	free(conf->file);
	free(conf->public_url);
	free(conf->rp_id);
	free(conf->radius_listen);
	for (i = 0; i < conf->nradius_listens; i++)
		free(conf->radius_listens[i]);
	free(conf->radius_listens);
	for (i = 0; i < conf->nlistens; i++)
		free(conf->listens[i].host);
	free(conf->listens);
	for (i = 0; i < conf->norigins; i++)
		free(conf->origins[i]);
	free(conf->origins);
	for (i = 0; i < conf->nldap_uris; i++)
		free(conf->ldap_uris[i]);
	free(conf->ldap_uris);
	for (i = 0; i < conf->nradius_clients; i++) {
		free(conf->radius_clients[i].name);
		free(conf->radius_clients[i].label);
		free(conf->radius_clients[i].secret_file);
	}
	free(conf->radius_clients);
	for (i = 0; i < conf->nradius_legacy_groups; i++)
		free(conf->radius_legacy_groups[i]);
	free(conf->radius_legacy_groups);
	for (i = 0; i < conf->nradius_replies; i++) {
		free(conf->radius_replies[i].group);
		free(conf->radius_replies[i].attr);
		free(conf->radius_replies[i].value);
	}
	free(conf->radius_replies);
	for (i = 0; i < conf->nattestation_roots; i++)
		free(conf->attestation_roots[i]);
	free(conf->attestation_roots);
	free(conf);
}

/*
 * The parser proper: text holds len bytes (NUL bytes included, which are
 * refused).  Returns a validated struct conf or NULL with err filled.
 */
static struct conf *
conf_parse_text(const char *name, const char *dir, const char *text,
    size_t len, char *err, size_t errlen)
{
	struct conf_ctx	 ctx;
	const char	*p = text, *end = text + len, *nl;
	char		 line[CONF_LINE_MAX + 1];
	size_t		 seen[nitems(conf_directives)], n;

	memset(&ctx, 0, sizeof(ctx));
	memset(seen, 0, sizeof(seen));
	ctx.seen = seen;
	ctx.name = name;
	ctx.dir = dir;
	ctx.err = err;
	ctx.errlen = errlen;
	ctx.conf = xcalloc(1, sizeof(*ctx.conf));
	ctx.conf->file = xstrdup(name);
	ctx.conf->log_level = LOG_LEVEL_INFO;
	ctx.conf->sasl_external = -1;	/* not given: decided by validation */
	ctx.conf->http_max_body = 64 * 1024;
	ctx.conf->http_max_headers = 16 * 1024;
	ctx.conf->http_timeout_ms = 30 * 1000;
	ctx.conf->session_idle_ms = 30 * 60 * 1000;
	ctx.conf->session_lifetime_ms = 8 * 3600 * 1000;
	ctx.conf->ceremony_timeout_ms = 5 * 60 * 1000;
	ctx.conf->ldap_timeout_ms = 5 * 1000;
	ctx.conf->ldap_backoff_max_ms = 30 * 1000;
	ctx.conf->radius_rate_client = 200;
	ctx.conf->radius_rate_user = 5;

	if (len > CONF_FILE_MAX) {
		conf_error(&ctx, 0, "larger than %d bytes", CONF_FILE_MAX);
		goto fail;
	}
	while (p < end) {
		ctx.line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;		/* tolerate a file written on Windows */
		if (n > CONF_LINE_MAX) {
			conf_error(&ctx, ctx.line, "line is longer than %d bytes",
			    CONF_LINE_MAX);
			goto fail;
		}
		if (memchr(p, '\0', n) != NULL) {
			conf_error(&ctx, ctx.line, "NUL byte in the line "
			    "(is this a text file?)");
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (conf_parse_line(&ctx, line) == -1)
			goto fail;
		p = nl + 1;
	}
	if (conf_validate(&ctx) == -1)
		goto fail;
	return ctx.conf;
fail:
	conf_free(ctx.conf);
	return NULL;
}

/* Splits one line into words and hands them to the directive's handler. */
static int
conf_parse_line(struct conf_ctx *ctx, char *line)
{
	const struct conf_directive *d;
	char		*argv[CONF_ARGS_MAX];
	int		 argc = 0, nargs;
	size_t		 idx;

	if (conf_split(ctx, line, argv, &argc) == -1)
		return -1;
	if (argc == 0)
		return 0;
	if ((d = conf_lookup(argv[0])) == NULL)
		return conf_error(ctx, ctx->line, "unknown directive \"%s\"",
		    argv[0]);
	idx = (size_t)(d - conf_directives);
	if (ctx->seen[idx] != 0 && !d->repeatable)
		return conf_error(ctx, ctx->line, "%s: given twice (first on "
		    "line %zu)", d->name, ctx->seen[idx]);
	if (ctx->seen[idx] == 0)
		ctx->seen[idx] = ctx->line;
	nargs = argc - 1;
	if (nargs < d->min_args || nargs > d->max_args) {
		if (d->min_args == d->max_args)
			return conf_error(ctx, ctx->line, "%s: expects %d "
			    "argument%s, got %d", d->name, d->min_args,
			    d->min_args == 1 ? "" : "s", nargs);
		return conf_error(ctx, ctx->line, "%s: expects %d to %d "
		    "arguments, got %d", d->name, d->min_args, d->max_args,
		    nargs);
	}
	return d->handler(ctx, d, argc, argv);
}

/*
 * Splits line in place into at most CONF_ARGS_MAX words.  Blanks separate
 * words; double quotes group blanks into a word, and inside them \" and \\
 * are the only escapes (so a Windows path or a DN with \, is written with
 * the backslash doubled).  A '#' at the start of a word starts a comment,
 * so "a#b" stays one word: LDAP values may contain '#'.
 */
static int
conf_split(struct conf_ctx *ctx, char *line, char **argv, int *argcp)
{
	char	*r = line, *w = line;
	int	 argc = 0, quoted;

	for (;;) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (argc == CONF_ARGS_MAX)
			return conf_error(ctx, ctx->line, "more than %d words "
			    "on one line", CONF_ARGS_MAX);
		argv[argc++] = w;
		quoted = 0;
		for (; *r != '\0' && (quoted || (*r != ' ' && *r != '\t')); r++) {
			if (*r == '"') {
				quoted = !quoted;
				continue;
			}
			if (quoted && *r == '\\') {
				if (r[1] != '"' && r[1] != '\\')
					return conf_error(ctx, ctx->line,
					    "inside quotes a backslash must be "
					    "followed by \" or \\");
				r++;
			}
			*w++ = *r;
		}
		if (quoted)
			return conf_error(ctx, ctx->line, "unterminated quote");
		/* The separator (if any) is overwritten; reading goes on past it. */
		if (*r != '\0')
			r++;
		*w++ = '\0';
	}
	*argcp = argc;
	return 0;
}

static const struct conf_directive *
conf_lookup(const char *name)
{
	size_t	 i;

	for (i = 0; i < nitems(conf_directives); i++)
		if (strcmp(conf_directives[i].name, name) == 0)
			return &conf_directives[i];
	return NULL;
}

/* The line a directive first appeared on, 0 if it did not. */
size_t
conf_seen(const struct conf_ctx *ctx, const char *name)
{
	const struct conf_directive *d;

	if ((d = conf_lookup(name)) == NULL)
		fatalx("conf_seen: no directive %s", name);
	return ctx->seen[d - conf_directives];
}

/* Formats "FILE:LINE: reason" (or "FILE: reason" for line 0); returns -1. */
int
conf_error(struct conf_ctx *ctx, size_t line, const char *fmt, ...)
{
	char	 msg[CONF_ERR_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line != 0)
		snprintf(ctx->err, ctx->errlen, "%s:%zu: %s", ctx->name, line,
		    msg);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->name, msg);
	return -1;
}

/* Directive handlers. */

static char **
conf_field_str(struct conf *conf, size_t off)
{
	return (char **)(void *)((char *)conf + off);
}

static int
conf_h_string(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	(void)argc;
	if (*argv[1] == '\0')
		return conf_error(ctx, ctx->line, "%s: empty value", d->name);
	*conf_field_str(ctx->conf, d->off) = xstrdup(argv[1]);
	return 0;
}

static int
conf_h_path(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	(void)argc;
	if (*argv[1] == '\0')
		return conf_error(ctx, ctx->line, "%s: empty path", d->name);
	*conf_field_str(ctx->conf, d->off) = conf_resolve(ctx, argv[1]);
	return 0;
}

static int
conf_h_dn(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	(void)argc;
	if (!conf_is_dn(argv[1]))
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not a "
		    "distinguished name (RFC 4514)", d->name, argv[1]);
	*conf_field_str(ctx->conf, d->off) = xstrdup(argv[1]);
	return 0;
}

static int
conf_h_duration(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	uint64_t	 ms;

	(void)argc;
	if (util_parse_duration(argv[1], &ms) == -1)
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not a duration "
		    "(use 90s, 5m, 1h)", d->name, argv[1]);
	if (ms == 0)
		return conf_error(ctx, ctx->line, "%s: must be longer than 0",
		    d->name);
	*(uint64_t *)(void *)((char *)ctx->conf + d->off) = ms;
	return 0;
}

static int
conf_h_size(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	size_t	 n;

	(void)argc;
	if (conf_size(argv[1], &n) == -1)
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not a size "
		    "(use 65536, 64k, 1m)", d->name, argv[1]);
	if (n == 0)
		return conf_error(ctx, ctx->line, "%s: must be more than 0",
		    d->name);
	*(size_t *)(void *)((char *)ctx->conf + d->off) = n;
	return 0;
}

static int
conf_h_bool(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	int	*field = (int *)(void *)((char *)ctx->conf + d->off);

	(void)argc;
	if (strcmp(argv[1], "yes") == 0)
		*field = 1;
	else if (strcmp(argv[1], "no") == 0)
		*field = 0;
	else
		return conf_error(ctx, ctx->line, "%s: expects yes or no, not "
		    "\"%s\"", d->name, argv[1]);
	return 0;
}

/*
 * A search filter template: exactly one %s (the escaped user name or DN,
 * filled in by store.c) and no other '%', which a printf-style expansion
 * would misread.  A literal percent sign is written \25 (RFC 4515).
 */
static int
conf_h_filter(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	const char	*p;
	int		 n = 0;

	(void)argc;
	for (p = argv[1]; (p = strchr(p, '%')) != NULL; p++) {
		if (p[1] != 's')
			return conf_error(ctx, ctx->line, "%s: only %%s may "
			    "follow %% (write a literal %% as \\25)", d->name);
		n++;
	}
	if (n != 1)
		return conf_error(ctx, ctx->line, "%s: must contain %%s exactly "
		    "once, found %d", d->name, n);
	if (argv[1][0] != '(' || argv[1][strlen(argv[1]) - 1] != ')')
		return conf_error(ctx, ctx->line, "%s: a filter is written in "
		    "parentheses, e.g. (uid=%%s)", d->name);
	*conf_field_str(ctx->conf, d->off) = xstrdup(argv[1]);
	return 0;
}

static int
conf_h_log_level(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	static const struct {
		const char	*name;
		enum log_level	 level;
	} levels[] = {
		{ "warn", LOG_LEVEL_WARN },
		{ "info", LOG_LEVEL_INFO },
		{ "debug", LOG_LEVEL_DEBUG },
	};
	size_t	 i;

	(void)argc;
	for (i = 0; i < nitems(levels); i++) {
		if (strcmp(argv[1], levels[i].name) == 0) {
			ctx->conf->log_level = levels[i].level;
			return 0;
		}
	}
	return conf_error(ctx, ctx->line, "%s: expects warn, info or debug, "
	    "not \"%s\"", d->name, argv[1]);
}

/* listen http://HOST:PORT or https://HOST:PORT; plain HTTP on loopback only. */
static int
conf_h_listen(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	struct evhttp_uri	*uri;
	struct conf_listen	*l;
	const char		*scheme, *path;
	char			*host;
	int			 port, tls;

	(void)argc;
	if ((uri = evhttp_uri_parse_with_flags(argv[1], 0)) == NULL ||
	    (scheme = evhttp_uri_get_scheme(uri)) == NULL ||
	    evhttp_uri_get_host(uri) == NULL ||
	    *evhttp_uri_get_host(uri) == '\0' ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		if (uri != NULL)	/* evhttp_uri_free is not NULL-safe */
			evhttp_uri_free(uri);
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not an "
		    "http://HOST:PORT or https://HOST:PORT URL", d->name,
		    argv[1]);
	}
	tls = strcmp(scheme, "https") == 0;
	port = evhttp_uri_get_port(uri);
	path = evhttp_uri_get_path(uri);
	host = conf_host_of(evhttp_uri_get_host(uri));
	if (evhttp_uri_get_userinfo(uri) != NULL ||
	    evhttp_uri_get_query(uri) != NULL ||
	    evhttp_uri_get_fragment(uri) != NULL ||
	    (path != NULL && *path != '\0' && strcmp(path, "/") != 0)) {
		conf_error(ctx, ctx->line, "%s: \"%s\": only a scheme, a host "
		    "and a port belong here", d->name, argv[1]);
		goto fail;
	}
	if (port < 1 || port > 65535) {
		conf_error(ctx, ctx->line, "%s: \"%s\" needs a port from 1 to "
		    "65535", d->name, argv[1]);
		goto fail;
	}
	/* A passkey ceremony over plain HTTP is only safe (and only a secure
	 * context for WebAuthn) when it never leaves the machine. */
	if (!tls && !util_is_loopback_host(host)) {
		conf_error(ctx, ctx->line, "%s: plain http is only allowed on "
		    "loopback addresses; use https://", d->name);
		goto fail;
	}
	if (tls && ctx->https_line == 0)
		ctx->https_line = ctx->line;
	ctx->conf->listens = xreallocarray(ctx->conf->listens,
	    ctx->conf->nlistens + 1, sizeof(*ctx->conf->listens));
	l = &ctx->conf->listens[ctx->conf->nlistens++];
	l->tls = tls;
	l->host = host;
	l->port = (uint16_t)port;
	evhttp_uri_free(uri);
	return 0;
fail:
	free(host);
	evhttp_uri_free(uri);
	return -1;
}

static int
conf_h_public_url(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	char	*url;
	size_t	 n;

	(void)argc;
	if (conf_url_check(ctx, d->name, argv[1], 1) == -1)
		return -1;
	/* Other modules append "/vpn" and the like: keep no trailing '/'. */
	url = xstrdup(argv[1]);
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	ctx->conf->public_url = url;
	return 0;
}

/* WebAuthn §5.1.2 RP ID: a domain (validated against public-url later). */
static int
conf_h_rp_id(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	const char	*p;

	(void)argc;
	for (p = argv[1]; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			break;
	if (*argv[1] == '\0' || *p != '\0' || *argv[1] == '.')
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not a domain "
		    "name", d->name, argv[1]);
	ctx->conf->rp_id = xstrdup(argv[1]);
	conf_lower(ctx->conf->rp_id);
	return 0;
}

/* origin URL: a web origin the browser reports (WebAuthn §7.1 step 9). */
static int
conf_h_origin(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	struct conf	*conf = ctx->conf;

	(void)argc;
	if (conf_url_check(ctx, d->name, argv[1], 0) == -1)
		return -1;
	conf->origins = xreallocarray(conf->origins, conf->norigins + 1,
	    sizeof(*conf->origins));
	conf->origins[conf->norigins++] = conf_origin_of(argv[1]);
	return 0;
}

/* directory embedded | URI...: the embedded slapd, or external servers in order. */
static int
conf_h_directory(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	struct conf	*conf = ctx->conf;
	LDAPURLDesc	*lud;
	int		 i, ok;

	if (strcmp(argv[1], "embedded") == 0) {
		if (argc != 2)
			return conf_error(ctx, ctx->line, "%s: embedded takes "
			    "no URIs", d->name);
		conf->embedded = 1;
		return 0;
	}
	for (i = 1; i < argc; i++) {
		ok = 0;
		if (ldap_is_ldap_url(argv[i]) &&
		    ldap_url_parse(argv[i], &lud) == LDAP_URL_SUCCESS) {
			ok = strcasecmp(lud->lud_scheme, "ldap") == 0 ||
			    strcasecmp(lud->lud_scheme, "ldaps") == 0 ||
			    strcasecmp(lud->lud_scheme, "ldapi") == 0;
			ldap_free_urldesc(lud);
		}
		if (!ok)
			return conf_error(ctx, ctx->line, "%s: \"%s\" is not an "
			    "ldap://, ldaps:// or ldapi:// URI", d->name,
			    argv[i]);
	}
	conf->ldap_uris = xcalloc((size_t)argc - 1, sizeof(*conf->ldap_uris));
	for (i = 1; i < argc; i++)
		conf->ldap_uris[conf->nldap_uris++] = xstrdup(argv[i]);
	return 0;
}

/* A password in the configuration would end up in backups and bug reports. */
static int
conf_h_bind_password(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return conf_error(ctx, ctx->line, "%s: a password is never written "
	    "in the configuration; put it in a file readable by root only and "
	    "name it with bind-password-file", d->name);
}

static int
conf_h_group_membership(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	(void)argc;
	if (strcmp(argv[1], "memberof") == 0)
		ctx->conf->group_mode = CONF_GROUPS_MEMBEROF;
	else if (strcmp(argv[1], "search") == 0)
		ctx->conf->group_mode = CONF_GROUPS_SEARCH;
	else
		return conf_error(ctx, ctx->line, "%s: expects memberof or "
		    "search, not \"%s\"", d->name, argv[1]);
	return 0;
}

/* radius-listen ADDR:PORT, an IPv6 address in brackets: [::1]:1812. */
static int
conf_h_radius_listen(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	char		*addr, *colon;
	uint16_t	 port;
	size_t		 i;
	int		 ok = 0;

	(void)argc;
	addr = xstrdup(argv[1]);
	if (addr[0] == '[') {
		colon = strstr(addr, "]:");
		if (colon != NULL) {
			*colon = '\0';
			ok = conf_port(colon + 2, &port) == 0 &&
			    conf_is_ip(addr + 1) == AF_INET6;
		}
	} else if ((colon = strrchr(addr, ':')) != NULL) {
		*colon = '\0';
		ok = conf_port(colon + 1, &port) == 0 &&
		    conf_is_ip(addr) == AF_INET;
	}
	free(addr);
	if (!ok)
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not ADDR:PORT "
		    "with a numeric address and a port from 1 to 65535 (IPv6 "
		    "as [::1]:1812)", d->name, argv[1]);
	for (i = 0; i < ctx->conf->nradius_listens; i++)
		if (strcmp(ctx->conf->radius_listens[i], argv[1]) == 0)
			return conf_error(ctx, ctx->line, "%s: %s is listed "
			    "twice", d->name, argv[1]);
	if (ctx->conf->radius_listen == NULL)
		ctx->conf->radius_listen = xstrdup(argv[1]);
	ctx->conf->radius_listens = xreallocarray(ctx->conf->radius_listens,
	    ctx->conf->nradius_listens + 1, sizeof(*ctx->conf->radius_listens));
	ctx->conf->radius_listens[ctx->conf->nradius_listens++] = xstrdup(argv[1]);
	return 0;
}

/*
 * radius-client ADDR[/PREFIX] secret-file PATH [name LABEL]
 * [mode challenge|hold] [hold-timeout DUR]
 * [require-message-authenticator yes|no] [legacy] [rest].  LABEL names
 * the client in logs, audit lines, metrics and the portal ("fortigate-hq"):
 * 1 to 64 letters, digits, '.', '-' and '_', unique; default the address.  rest: the client (a FreeRADIUS in front, plugins/freeradius)
 * may also hand requests over HTTP (radius_rest.c), with its secret.
 * The secret is read by radius.c as root, never here.  hold-timeout stays
 * at or under 30 s (RADIUS_REQ_MAX_MS): the answer must beat the client's
 * own timeout, and a long wait widens the BlastRADIUS window.
 */
static int
conf_h_radius_client(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	struct conf		*conf = ctx->conf;
	struct conf_radius_client c;
	const char		*label = NULL;
	char			*addr, *slash, *end;
	unsigned long		 prefix;
	int			 i, af;

	memset(&c, 0, sizeof(c));
	c.hold_timeout_ms = CONF_RADIUS_HOLD_DEFAULT_MS;
	c.require_ma = 1;
	addr = xstrdup(argv[1]);
	if ((slash = strchr(addr, '/')) != NULL)
		*slash++ = '\0';
	af = conf_is_ip(addr);
	if (af != 0 && slash != NULL) {
		errno = 0;
		prefix = strtoul(slash, &end, 10);
		if (!isdigit((unsigned char)*slash) || *end != '\0' ||
		    prefix > (af == AF_INET ? 32UL : 128UL))
			af = 0;
	}
	free(addr);
	if (af == 0)
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not an IPv4 or "
		    "IPv6 address with an optional /PREFIX", d->name, argv[1]);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "secret-file") == 0 && i + 1 < argc &&
		    c.secret_file == NULL) {
			c.secret_file = argv[++i];
		} else if (strcmp(argv[i], "name") == 0 && i + 1 < argc && label == NULL) {
			label = argv[++i];
			if (strlen(label) < 1 || strlen(label) > 64 ||
			    strspn(label, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789.-_") != strlen(label))
				return conf_error(ctx, ctx->line, "%s: name \"%s\" is not 1 "
				    "to 64 letters, digits, '.', '-' or '_'", d->name, label);
		} else if (strcmp(argv[i], "mode") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "challenge") == 0)
				c.mode = CONF_RADIUS_CHALLENGE;
			else if (strcmp(argv[i], "hold") == 0)
				c.mode = CONF_RADIUS_HOLD;
			else
				return conf_error(ctx, ctx->line, "%s: mode is "
				    "challenge or hold, not \"%s\"", d->name,
				    argv[i]);
		} else if (strcmp(argv[i], "hold-timeout") == 0 && i + 1 < argc) {
			i++;
			if (util_parse_duration(argv[i], &c.hold_timeout_ms) == -1 ||
			    c.hold_timeout_ms < 1000 ||
			    c.hold_timeout_ms > CONF_RADIUS_HOLD_MAX_MS)
				return conf_error(ctx, ctx->line, "%s: hold-timeout "
				    "\"%s\" is not a duration from 1s to 30s",
				    d->name, argv[i]);
		} else if (strcmp(argv[i], "require-message-authenticator") == 0 &&
		    i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "yes") == 0)
				c.require_ma = 1;
			else if (strcmp(argv[i], "no") == 0)
				c.require_ma = 0;
			else
				return conf_error(ctx, ctx->line, "%s: "
				    "require-message-authenticator is yes or no, "
				    "not \"%s\"", d->name, argv[i]);
		} else if (strcmp(argv[i], "legacy") == 0) {
			c.legacy = 1;
		} else if (strcmp(argv[i], "rest") == 0) {
			c.rest = 1;
		} else
			return conf_error(ctx, ctx->line, "%s: unexpected "
			    "\"%s\" (expects ADDR[/PREFIX] secret-file PATH "
			    "[name LABEL] [mode challenge|hold] [hold-timeout DUR] "
			    "[require-message-authenticator yes|no] [legacy] [rest])",
			    d->name, argv[i]);
	}
	if (c.secret_file == NULL || *c.secret_file == '\0')
		return conf_error(ctx, ctx->line, "%s: %s needs secret-file "
		    "PATH", d->name, argv[1]);
	for (i = 0; i < (int)conf->nradius_clients; i++) {
		if (strcmp(conf->radius_clients[i].name, argv[1]) == 0)
			return conf_error(ctx, ctx->line, "%s: %s is listed "
			    "twice", d->name, argv[1]);
		/* A label is a name: it may not stand for two clients, nor look like another's address. */
		if (label != NULL && (strcmp(label, conf->radius_clients[i].label != NULL ?
		    conf->radius_clients[i].label : conf->radius_clients[i].name) == 0))
			return conf_error(ctx, ctx->line, "%s: the name %s is taken by "
			    "radius-client %s", d->name, label, conf->radius_clients[i].name);
		if (conf->radius_clients[i].label != NULL &&
		    strcmp(conf->radius_clients[i].label, argv[1]) == 0)
			return conf_error(ctx, ctx->line, "%s: %s is the name of "
			    "radius-client %s", d->name, argv[1], conf->radius_clients[i].name);
	}
	c.name = xstrdup(argv[1]);
	c.label = label != NULL ? xstrdup(label) : NULL;
	c.secret_file = conf_resolve(ctx, c.secret_file);
	conf->radius_clients = xreallocarray(conf->radius_clients,
	    conf->nradius_clients + 1, sizeof(*conf->radius_clients));
	conf->radius_clients[conf->nradius_clients++] = c;
	return 0;
}

/*
 * radius-rate-client N/s, radius-rate-user N/s: the token buckets of the
 * RADIUS listener (radius_limit.c), 1 to 1000000 requests a second.
 */
static int
conf_h_rate(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	unsigned long	 n;
	char		*end;

	(void)argc;
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (end == argv[1] || argv[1][0] == '-' || errno != 0 ||
	    (*end != '\0' && strcmp(end, "/s") != 0))
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not a rate "
		    "(use 200/s)", d->name, argv[1]);
	if (n < 1 || n > 1000000)
		return conf_error(ctx, ctx->line, "%s: %lu/s is out of range "
		    "(1/s to 1000000/s)", d->name, n);
	*(unsigned int *)(void *)((char *)ctx->conf + d->off) = (unsigned int)n;
	return 0;
}

/* radius-legacy-group and radius-reply: conf_check.c reads them. */
static int
conf_h_radius_group(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	(void)argc;
	if (strcmp(d->name, "radius-reply") == 0)
		return conf_radius_reply(ctx, d->name, argv);
	return conf_radius_legacy_group(ctx, d->name, argv);
}

/*
 * attestation-root PATH: a PEM file of attestation roots to trust (WebAuthn
 * §7.1 step 23: trust anchors the relying party chooses).  Read at start.
 */
static int
conf_h_attestation_root(struct conf_ctx *ctx, const struct conf_directive *d,
    int argc, char **argv)
{
	struct conf	*conf = ctx->conf;
	char		*path;
	size_t		 i;

	(void)argc;
	if (*argv[1] == '\0')
		return conf_error(ctx, ctx->line, "%s: empty path", d->name);
	path = conf_resolve(ctx, argv[1]);
	for (i = 0; i < conf->nattestation_roots; i++)
		if (strcmp(conf->attestation_roots[i], path) == 0) {
			free(path);
			return conf_error(ctx, ctx->line, "%s: %s is listed "
			    "twice", d->name, argv[1]);
		}
	conf->attestation_roots = xreallocarray(conf->attestation_roots,
	    conf->nattestation_roots + 1, sizeof(*conf->attestation_roots));
	conf->attestation_roots[conf->nattestation_roots++] = path;
	return 0;
}

/* Helpers. */

/* A relative path is taken relative to the configuration file's directory. */
static char *
conf_resolve(const struct conf_ctx *ctx, const char *path)
{
	char	*s;

	if (path[0] == '/' || ctx->dir == NULL)
		return xstrdup(path);
	xasprintf(&s, "%s%s%s", ctx->dir,
	    ctx->dir[strlen(ctx->dir) - 1] == '/' ? "" : "/", path);
	return s;
}

