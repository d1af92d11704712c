/*
 * conf_check.c: what conf.c's parser hands over is checked here.  The
 * whole-file validation runs once every line is read: directives that need
 * each other, then the defaults that depend on other directives (listen,
 * public-url, origins and rp-id; the embedded or external directory).
 * Below it, the syntax checks of single values the directive handlers
 * share: ports, sizes, URLs, DNs, addresses, and the origin and host of a
 * URL.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
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
#include "xmalloc.h"

#define CONF_EMBEDDED_BASE	"dc=latchkey,dc=local"
#define CONF_EMBEDDED_SOCKET	"/slapd/ldapi"

static int	conf_validate_web(struct conf_ctx *);
static int	conf_validate_directory(struct conf_ctx *);
static void	conf_fill_dns(struct conf *);
static char	*conf_url_host(const char *);
static char	*conf_pct_encode(const char *);
static int	 conf_at_least_1s(struct conf_ctx *, const char *, uint64_t);

/*
 * Whole-file validation, then defaults that depend on other directives
 * (STYLE 14: the value is checked as a whole before anyone sees it).
 */
int
conf_validate(struct conf_ctx *ctx)
{
	struct conf	*conf = ctx->conf;
	size_t		 i;

	if (conf->state_dir == NULL)
		return conf_error(ctx, 0, "state-dir is required (the directory "
		    "for keys, the embedded directory and runtime files)");
	if (conf->audit_file == NULL)
		xasprintf(&conf->audit_file, "%s/audit.log", conf->state_dir);
	if (conf->tap_key_file == NULL)
		xasprintf(&conf->tap_key_file, "%s/keys/tap.key", conf->state_dir);
	if (conf_at_least_1s(ctx, "session-idle-timeout", conf->session_idle_ms) == -1 ||
	    conf_at_least_1s(ctx, "session-lifetime", conf->session_lifetime_ms) == -1 ||
	    conf_at_least_1s(ctx, "ceremony-timeout", conf->ceremony_timeout_ms) == -1)
		return -1;
	if (conf->session_idle_ms > conf->session_lifetime_ms) {
		/* The default idle timeout yields to a shorter lifetime; a given one is a mistake. */
		if (conf_seen(ctx, "session-idle-timeout") != 0)
			return conf_error(ctx, conf_seen(ctx, "session-idle-timeout"),
			    "session-idle-timeout: longer than session-lifetime (%llus)",
			    (unsigned long long)(conf->session_lifetime_ms / 1000));
		conf->session_idle_ms = conf->session_lifetime_ms;
	}
	if (conf->slapd_path == NULL)
		conf->slapd_path = xstrdup(SLAPD_PATH);
	if (conf->mds_root == NULL)
		conf->mds_root = xstrdup(LATCHKEY_DATADIR "/fido-mds-root.pem");
	if (conf_validate_web(ctx) == -1 || conf_validate_directory(ctx) == -1)
		return -1;
	/* A rest client (radius_rest.c) alone needs no socket. */
	for (i = 0; i < conf->nradius_clients; i++)
		if (!conf->radius_clients[i].rest && conf->radius_listen == NULL)
			return conf_error(ctx, conf_seen(ctx, "radius-client"),
			    "radius-client: no radius-listen is configured");
	return 0;
}

/* Sessions and ceremonies count in whole seconds: less than one is a typo. */
static int
conf_at_least_1s(struct conf_ctx *ctx, const char *name, uint64_t ms)
{
	if (ms < 1000)
		return conf_error(ctx, conf_seen(ctx, name), "%s: must be at least 1s",
		    name);
	return 0;
}

static int
conf_validate_web(struct conf_ctx *ctx)
{
	struct conf		*conf = ctx->conf;
	struct conf_listen	*l;
	char			*host;
	size_t			 hl, rl;

	if (conf->nlistens == 0) {
		conf->listens = xcalloc(1, sizeof(*conf->listens));
		conf->listens[0].host = xstrdup("localhost");
		conf->listens[0].port = 8080;
		conf->nlistens = 1;
	}
	if ((conf->tls_cert == NULL) != (conf->tls_key == NULL))
		return conf_error(ctx, conf_seen(ctx, conf->tls_cert != NULL ?
		    "tls-certificate" : "tls-key"), "%s: needs %s as well",
		    conf->tls_cert != NULL ? "tls-certificate" : "tls-key",
		    conf->tls_cert != NULL ? "tls-key" : "tls-certificate");
	if (ctx->https_line != 0 && conf->tls_cert == NULL)
		return conf_error(ctx, ctx->https_line, "listen: https needs "
		    "tls-certificate and tls-key");
	if (conf->public_url == NULL) {
		l = &conf->listens[0];
		if (strcmp(l->host, "0.0.0.0") == 0 || strcmp(l->host, "::") == 0)
			return conf_error(ctx, conf_seen(ctx, "listen"), "listen: "
			    "%s is not an address a browser can open; set "
			    "public-url", l->host);
		xasprintf(&conf->public_url, "%s://%s%s%s:%u",
		    l->tls ? "https" : "http", strchr(l->host, ':') ? "[" : "",
		    l->host, strchr(l->host, ':') ? "]" : "", l->port);
	}
	host = conf_origin_of(conf->public_url);
	if (conf->norigins == 0) {
		conf->origins = xcalloc(1, sizeof(*conf->origins));
		conf->origins[conf->norigins++] = host;
	} else
		free(host);
	/* The RP ID is the public host or a registrable suffix of it (WebAuthn §5.1.2). */
	host = conf_url_host(conf->public_url);
	if (conf->rp_id == NULL) {
		conf->rp_id = host;
		return 0;
	}
	hl = strlen(host);
	rl = strlen(conf->rp_id);
	if (strcmp(host, conf->rp_id) != 0 && !(hl > rl + 1 &&
	    strcmp(host + hl - rl, conf->rp_id) == 0 &&
	    host[hl - rl - 1] == '.')) {
		conf_error(ctx, conf_seen(ctx, "rp-id"), "rp-id: \"%s\" is "
		    "neither the host of public-url (%s) nor a parent domain "
		    "of it", conf->rp_id, host);
		free(host);
		return -1;
	}
	free(host);
	return 0;
}

static int
conf_validate_directory(struct conf_ctx *ctx)
{
	struct conf	*conf = ctx->conf;
	char		*sock, *enc;
	size_t		 i;
	int		 plain = 0;

	if (conf->nldap_uris == 0)
		conf->embedded = 1;
	if (conf->embedded) {
		/* The embedded slapd listens on a socket under state-dir only. */
		xasprintf(&sock, "%s%s", conf->state_dir, CONF_EMBEDDED_SOCKET);
		enc = conf_pct_encode(sock);
		conf->ldap_uris = xcalloc(1, sizeof(*conf->ldap_uris));
		xasprintf(&conf->ldap_uris[0], "ldapi://%s", enc);
		conf->nldap_uris = 1;
		free(enc);
		free(sock);
		if (conf->base_dn == NULL)
			conf->base_dn = xstrdup(CONF_EMBEDDED_BASE);
		if (conf->sasl_external == -1)
			conf->sasl_external = conf->bind_dn == NULL;
	} else if (conf->base_dn == NULL)
		return conf_error(ctx, conf_seen(ctx, "directory"), "directory: "
		    "an external directory needs base-dn");
	if (conf->sasl_external == -1)
		conf->sasl_external = 0;
	for (i = 0; i < conf->nldap_uris; i++)
		if (strncasecmp(conf->ldap_uris[i], "ldap://", 7) == 0)
			plain = 1;
	if (conf->starttls && !plain)
		return conf_error(ctx, conf_seen(ctx, "starttls"), "starttls: "
		    "applies to ldap:// URIs and the directory has none");
	if (conf->bind_dn != NULL && conf->bind_password_file == NULL)
		return conf_error(ctx, conf_seen(ctx, "bind-dn"), "bind-dn: "
		    "needs bind-password-file");
	if (conf->bind_password_file != NULL && conf->bind_dn == NULL)
		return conf_error(ctx, conf_seen(ctx, "bind-password-file"),
		    "bind-password-file: needs bind-dn");
	if (conf->sasl_external && conf->bind_dn != NULL)
		return conf_error(ctx, conf_seen(ctx, "sasl-external"),
		    "sasl-external: conflicts with bind-dn (choose one way to "
		    "bind)");
	conf_fill_dns(conf);
	return 0;
}

/* The subtrees and filters default to the usual layout under base-dn. */
static void
conf_fill_dns(struct conf *conf)
{
	if (conf->user_base == NULL)
		xasprintf(&conf->user_base, "ou=people,%s", conf->base_dn);
	if (conf->group_base == NULL)
		xasprintf(&conf->group_base, "ou=groups,%s", conf->base_dn);
	if (conf->latchkey_base == NULL)
		xasprintf(&conf->latchkey_base, "ou=latchkey,%s", conf->base_dn);
	if (conf->user_filter == NULL)
		conf->user_filter =
		    xstrdup("(&(objectClass=inetOrgPerson)(uid=%s))");
	if (conf->user_name_attr == NULL)
		conf->user_name_attr = xstrdup("uid");
	if (conf->display_name_attr == NULL)
		conf->display_name_attr = xstrdup("displayName");
	if (conf->group_filter == NULL)
		conf->group_filter =
		    xstrdup("(&(objectClass=groupOfNames)(member=%s))");
	if (conf->group_name_attr == NULL)
		conf->group_name_attr = xstrdup("cn");
}

/* Values. */

int
conf_port(const char *s, uint16_t *port)
{
	char		*end;
	unsigned long	 v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* SIZE: a number of bytes with an optional k or m suffix (powers of 1024). */
int
conf_size(const char *s, size_t *n)
{
	char			*end;
	unsigned long long	 v, mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		mult = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mult = 1024 * 1024, end++;
	if (*end != '\0' || v > SIZE_MAX / mult)
		return -1;
	*n = (size_t)(v * mult);
	return 0;
}

/*
 * An http:// or https:// URL with a host; with allow_path a path may
 * follow (public-url), without it only an optional "/" (origin).
 */
int
conf_url_check(struct conf_ctx *ctx, const char *what, const char *s,
    int allow_path)
{
	struct evhttp_uri	*u;
	const char		*scheme, *host, *path;
	int			 ok;

	if ((u = evhttp_uri_parse_with_flags(s, 0)) == NULL)
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not a URL",
		    what, s);
	scheme = evhttp_uri_get_scheme(u);
	host = evhttp_uri_get_host(u);
	path = evhttp_uri_get_path(u);
	ok = scheme != NULL && (strcmp(scheme, "https") == 0 ||
	    strcmp(scheme, "http") == 0) && host != NULL && *host != '\0' &&
	    evhttp_uri_get_port(u) != 0 && evhttp_uri_get_userinfo(u) == NULL &&
	    evhttp_uri_get_query(u) == NULL &&
	    evhttp_uri_get_fragment(u) == NULL &&
	    (allow_path || path == NULL || *path == '\0' ||
	    strcmp(path, "/") == 0);
	evhttp_uri_free(u);
	if (!ok)
		return conf_error(ctx, ctx->line, "%s: \"%s\" is not an "
		    "http:// or https:// URL of the form %s", what, s,
		    allow_path ? "scheme://host[:port][/path]" :
		    "scheme://host[:port]");
	return 0;
}

/*
 * The web origin of a URL already checked by conf_url_check, serialised
 * as browsers do (HTML "ASCII serialization of an origin"): lower case,
 * the port only when it is not the scheme's default.
 */
char *
conf_origin_of(const char *url)
{
	struct evhttp_uri	*u;
	const char		*scheme;
	char			*s;
	int			 port;

	if ((u = evhttp_uri_parse_with_flags(url, 0)) == NULL)
		fatalx("conf_origin_of: %s no longer parses", url);
	scheme = evhttp_uri_get_scheme(u);
	port = evhttp_uri_get_port(u);
	if (port == (strcmp(scheme, "https") == 0 ? 443 : 80))
		port = -1;
	if (port == -1)
		xasprintf(&s, "%s://%s", scheme, evhttp_uri_get_host(u));
	else
		xasprintf(&s, "%s://%s:%d", scheme, evhttp_uri_get_host(u), port);
	evhttp_uri_free(u);
	conf_lower(s);
	return s;
}

/* A host as evhttp_uri gives it, without the brackets of an IPv6 literal. */
char *
conf_host_of(const char *host)
{
	size_t	 n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
		return xstrndup(host + 1, n - 2);
	return xstrdup(host);
}

int
conf_is_dn(const char *s)
{
	LDAPDN	 dn = NULL;

	if (*s == '\0' || ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) !=
	    LDAP_SUCCESS)
		return 0;
	ldap_dnfree(dn);
	return 1;
}

/* AF_INET or AF_INET6 for a numeric address, 0 otherwise. */
int
conf_is_ip(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return 0;
}

void
conf_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Helpers. */

/* The lower-case host of a URL already checked by conf_url_check. */
static char *
conf_url_host(const char *url)
{
	struct evhttp_uri	*u;
	char			*host;

	if ((u = evhttp_uri_parse_with_flags(url, 0)) == NULL)
		fatalx("conf_url_host: %s no longer parses", url);
	host = conf_host_of(evhttp_uri_get_host(u));
	evhttp_uri_free(u);
	conf_lower(host);
	return host;
}

/* RFC 3986 §2.1 percent-encoding of everything but the unreserved set. */
static char *
conf_pct_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char	*out, *w;

	out = w = xcalloc(strlen(s) * 3 + 1, 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
		    c == '-')
			*w++ = (char)c;
		else {
			*w++ = '%';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 0xf];
		}
	}
	return out;
}

/*
 * radius-legacy-group GROUP: members may use a legacy password (PAP,
 * checked by a bind as the user) on a client marked legacy.  Group names
 * compare without case, as cn does.
 */
int
conf_radius_legacy_group(struct conf_ctx *ctx, const char *name, char **argv)
{
	struct conf	*conf = ctx->conf;
	size_t		 i;

	if (*argv[1] == '\0')
		return conf_error(ctx, ctx->line, "%s: an empty group name", name);
	for (i = 0; i < conf->nradius_legacy_groups; i++)
		if (strcasecmp(conf->radius_legacy_groups[i], argv[1]) == 0)
			return conf_error(ctx, ctx->line, "%s: %s is listed twice",
			    name, argv[1]);
	conf->radius_legacy_groups = xreallocarray(conf->radius_legacy_groups,
	    conf->nradius_legacy_groups + 1, sizeof(*conf->radius_legacy_groups));
	conf->radius_legacy_groups[conf->nradius_legacy_groups++] = xstrdup(argv[1]);
	return 0;
}

/*
 * radius-reply GROUP ATTRIBUTE VALUE.  Only the shape is checked here: the
 * dictionary is loaded after the configuration (radius_pkt_init), so
 * authreq_conf_check tests the name and value at start and on reload, and
 * names this line when they do not parse.
 */
int
conf_radius_reply(struct conf_ctx *ctx, const char *name, char **argv)
{
	struct conf		*conf = ctx->conf;
	struct conf_radius_reply r;
	const char		*p;

	if (*argv[1] == '\0' || *argv[2] == '\0' || *argv[3] == '\0')
		return conf_error(ctx, ctx->line, "%s: expects GROUP ATTRIBUTE VALUE",
		    name);
	for (p = argv[2]; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return conf_error(ctx, ctx->line, "%s: \"%s\" is not an "
			    "attribute name", name, argv[2]);
	/* RFC 2865 §5: one attribute holds at most 253 octets. */
	if (strlen(argv[3]) > 253)
		return conf_error(ctx, ctx->line, "%s: the value of %s is longer "
		    "than 253 octets", name, argv[2]);
	r.group = xstrdup(argv[1]);
	r.attr = xstrdup(argv[2]);
	r.value = xstrdup(argv[3]);
	r.line = ctx->line;
	conf->radius_replies = xreallocarray(conf->radius_replies,
	    conf->nradius_replies + 1, sizeof(*conf->radius_replies));
	conf->radius_replies[conf->nradius_replies++] = r;
	return 0;
}
