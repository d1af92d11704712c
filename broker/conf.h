/*
 * conf.h: latchkey.conf parsed into a fresh struct conf.  Parsing never
 * touches the running daemon: main.c parses, validates the whole value and
 * only then swaps it in, so a bad reload keeps the old configuration.
 * Every directive is documented in docs/latchkey.conf.5.
 */
#ifndef LATCHKEY_CONF_H
#define LATCHKEY_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_ERR_MAX		512	/* size of the error buffer conf_load fills */

enum conf_group_mode { CONF_GROUPS_MEMBEROF = 0, CONF_GROUPS_SEARCH = 1 };
enum conf_radius_mode { CONF_RADIUS_CHALLENGE = 0, CONF_RADIUS_HOLD = 1 };

/* One web listener from a "listen" URL: http://host:port or https://host:port. */
struct conf_listen {
	int		 tls;		/* https */
	char		*host;		/* as written, without [] for IPv6 */
	uint16_t	 port;
};

struct conf_radius_client {
	char			*name;		/* address or CIDR as written */
	char			*label;		/* name LABEL: how logs, metrics and the portal call it; NULL: name */
	char			*secret_file;
	enum conf_radius_mode	 mode;
	int			 legacy;	/* legacy (PAP) passwords allowed, where policy allows */
	uint64_t		 hold_timeout_ms;	/* hold-timeout: answer within (hold mode) */
	int			 require_ma;	/* require-message-authenticator (default yes) */
	int			 rest;		/* may call POST /api/v1/radius/authorize */
};

/* radius-reply GROUP ATTRIBUTE VALUE: an Access-Accept attribute for a group's members. */
struct conf_radius_reply {
	char			*group;
	char			*attr;		/* dictionary name, checked by authreq_conf_check */
	char			*value;
	size_t			 line;		/* where it was written, for errors */
};

struct conf {
	char			*file;		/* path it was read from */

	/* process */
	char			*user;		/* drop to this user when started as root; NULL: stay */
	char			*state_dir;	/* keys, embedded slapd, runtime files */
	char			*pid_file;	/* NULL: none */
	int			 log_level;	/* enum log_level */
	char			*audit_file;	/* default: STATE_DIR/audit.log */

	/* web */
	struct conf_listen	*listens;
	size_t			 nlistens;
	char			*tls_cert;
	char			*tls_key;
	char			*public_url;	/* URL users are sent to; default: first listen */
	char			*rp_id;		/* default: host of public_url */
	char		       **origins;	/* default: public_url's origin */
	size_t			 norigins;
	size_t			 http_max_body;		/* bytes */
	size_t			 http_max_headers;	/* bytes */
	uint64_t		 http_timeout_ms;
	uint64_t		 session_idle_ms;	/* session-idle-timeout */
	uint64_t		 session_lifetime_ms;	/* session-lifetime */
	uint64_t		 ceremony_timeout_ms;	/* ceremony-timeout */
	char			*tap_key_file;	/* default: STATE_DIR/keys/tap.key */

	/* directory */
	int			 embedded;	/* 1: private slapd under state_dir */
	char			*slapd_path;
	char		       **ldap_uris;	/* tried in order; for embedded: the ldapi URI */
	size_t			 nldap_uris;
	int			 starttls;	/* on ldap:// URIs */
	char			*tls_ca_file;	/* for ldaps:// and StartTLS */
	int			 sasl_external;	/* SASL EXTERNAL (ldapi peer credentials, or a TLS client certificate) */
	char			*bind_dn;	/* simple bind; NULL: SASL EXTERNAL or anonymous */
	char			*bind_password_file;
	char			*base_dn;	/* naming context */
	char			*user_base;
	char			*user_filter;	/* "%s" is the escaped user name */
	char			*user_name_attr;	/* uid or sAMAccountName */
	char			*display_name_attr;	/* displayName */
	char			*group_base;
	enum conf_group_mode	 group_mode;
	char			*group_filter;	/* search mode: "%s" is the user's escaped DN */
	char			*group_name_attr;	/* cn */
	char			*latchkey_base;	/* policy objects and pending approvals */
	uint64_t		 ldap_timeout_ms;	/* per operation */
	uint64_t		 ldap_backoff_max_ms;	/* reconnect backoff ceiling */

	/* RADIUS */
	char			*radius_listen;	/* ADDR:PORT, NULL: no RADIUS (the first one) */
	char		       **radius_listens;	/* every radius-listen, in order */
	size_t			 nradius_listens;
	struct conf_radius_client *radius_clients;
	size_t			 nradius_clients;
	unsigned int		 radius_rate_client;	/* requests a second per client (200) */
	unsigned int		 radius_rate_user;	/* requests a second per User-Name (5) */
	char		       **radius_legacy_groups;	/* may use a legacy password */
	size_t			 nradius_legacy_groups;
	struct conf_radius_reply *radius_replies;	/* in file order */
	size_t			 nradius_replies;

	/* attestation trust */
	char		       **attestation_roots;	/* PEM files of trusted attestation roots */
	size_t			 nattestation_roots;
	char			*mds_root;	/* PEM root of FIDO metadata BLOBs; default: installed FIDO root */
};

/*
 * Reads and validates the file at path into a new struct conf.  Returns it,
 * or NULL with "FILE:LINE: reason" (or "FILE: reason") in err.  Relative
 * paths in the file are resolved against the file's own directory.
 */
struct conf	*conf_load(const char *path, char *err, size_t errlen);
/*
 * Same, from a string, with name standing for the file name in errors
 * (tests); relative paths are resolved against the directory part of name,
 * and kept as written when name has none.
 */
struct conf	*conf_parse(const char *name, const char *text, char *err, size_t errlen);
void		 conf_free(struct conf *);

#endif
