/*
 * test_conf.c: latchkey.conf as an administrator meets it: the defaults of
 * a minimal file, every directive, and the exact "FILE:LINE: reason" of
 * every refusal.
 */
#include "config.h"

#include <sys/stat.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "log.h"

#define NAME	"latchkey.conf"

static char	 tmpdir[PATH_MAX];

/* Parses text that must be accepted; fails the test with the reason if not. */
static struct conf *
ok(const char *name, const char *text)
{
	struct conf	*conf;
	char		 err[CONF_ERR_MAX] = "";

	conf = conf_parse(name, text, err, sizeof(err));
	if (conf == NULL)
		fail_msg("refused: %s", err);
	return conf;
}

/* Parses text that must be refused with exactly the message want. */
static void
refused(const char *text, const char *want)
{
	struct conf	*conf;
	char		 err[CONF_ERR_MAX] = "";

	conf = conf_parse(NAME, text, err, sizeof(err));
	if (conf != NULL) {
		conf_free(conf);
		fail_msg("accepted, expected: %s\n--- text:\n%s", want, text);
	}
	if (strcmp(err, want) != 0)
		fail_msg("got:  %s\nwant: %s\n--- text:\n%s", err, want, text);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
test_defaults(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME, "state-dir /var/lib/latchkey\n");
	assert_string_equal(c->file, NAME);
	assert_null(c->user);
	assert_string_equal(c->state_dir, "/var/lib/latchkey");
	assert_null(c->pid_file);
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_string_equal(c->audit_file, "/var/lib/latchkey/audit.log");
	assert_string_equal(c->tap_key_file, "/var/lib/latchkey/keys/tap.key");
	assert_int_equal(c->session_idle_ms, 30 * 60 * 1000);
	assert_int_equal(c->session_lifetime_ms, 8 * 3600 * 1000);
	assert_int_equal(c->ceremony_timeout_ms, 5 * 60 * 1000);
	/* web */
	assert_int_equal(c->nlistens, 1);
	assert_int_equal(c->listens[0].tls, 0);
	assert_string_equal(c->listens[0].host, "localhost");
	assert_int_equal(c->listens[0].port, 8080);
	assert_null(c->tls_cert);
	assert_null(c->tls_key);
	assert_string_equal(c->public_url, "http://localhost:8080");
	assert_string_equal(c->rp_id, "localhost");
	assert_int_equal(c->norigins, 1);
	assert_string_equal(c->origins[0], "http://localhost:8080");
	assert_int_equal(c->http_max_body, 65536);
	assert_int_equal(c->http_max_headers, 16384);
	assert_int_equal(c->http_timeout_ms, 30000);
	/* directory: embedded */
	assert_int_equal(c->embedded, 1);
	assert_string_equal(c->slapd_path, SLAPD_PATH);
	assert_int_equal(c->nldap_uris, 1);
	assert_string_equal(c->ldap_uris[0],
	    "ldapi://%2Fvar%2Flib%2Flatchkey%2Fslapd%2Fldapi");
	assert_int_equal(c->starttls, 0);
	assert_null(c->tls_ca_file);
	assert_int_equal(c->sasl_external, 1);
	assert_null(c->bind_dn);
	assert_null(c->bind_password_file);
	assert_string_equal(c->base_dn, "dc=latchkey,dc=local");
	assert_string_equal(c->user_base, "ou=people,dc=latchkey,dc=local");
	assert_string_equal(c->user_filter,
	    "(&(objectClass=inetOrgPerson)(uid=%s))");
	assert_string_equal(c->user_name_attr, "uid");
	assert_string_equal(c->display_name_attr, "displayName");
	assert_string_equal(c->group_base, "ou=groups,dc=latchkey,dc=local");
	assert_int_equal(c->group_mode, CONF_GROUPS_MEMBEROF);
	assert_string_equal(c->group_filter,
	    "(&(objectClass=groupOfNames)(member=%s))");
	assert_string_equal(c->group_name_attr, "cn");
	assert_string_equal(c->latchkey_base, "ou=latchkey,dc=latchkey,dc=local");
	assert_int_equal(c->ldap_timeout_ms, 5000);
	assert_int_equal(c->ldap_backoff_max_ms, 30000);
	/* RADIUS: off */
	assert_null(c->radius_listen);
	assert_int_equal(c->nradius_clients, 0);
	conf_free(c);
}

/* Every directive, on an external directory reached over StartTLS. */
static void
test_every_directive(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok("/etc/latchkey/latchkey.conf",
	    "# latchkey on an OpenLDAP server\n"
	    "\n"
	    "user _latchkey\n"
	    "state-dir /var/lib/latchkey\n"
	    "pid-file /run/latchkeyd.pid\n"
	    "log-level debug\n"
	    "audit-file /var/log/latchkey/audit.log\n"
	    "listen https://0.0.0.0:443\n"
	    "listen http://127.0.0.1:8080\n"
	    "listen https://[2001:db8::1]:8443\n"
	    "tls-certificate /etc/latchkey/cert.pem\n"
	    "tls-key /etc/latchkey/key.pem\n"
	    "public-url https://ID.Example.com/\n"
	    "rp-id example.com\n"
	    "origin https://id.example.com\n"
	    "origin https://Login.Example.com:8443/\n"
	    "http-max-body 1m\n"
	    "http-max-headers 8k\n"
	    "http-timeout 1m\n"
	    "directory ldap://ldap1.example.com ldap://ldap2.example.com:389\n"
	    "slapd /usr/local/sbin/slapd\n"
	    "starttls yes\n"
	    "tls-ca-file /etc/ssl/certs/ca.pem\n"
	    "sasl-external no\n"
	    "bind-dn cn=latchkey,ou=services,dc=example,dc=com\n"
	    "bind-password-file /etc/latchkey/bind-password\n"
	    "base-dn dc=example,dc=com\n"
	    "user-base ou=staff,dc=example,dc=com\n"
	    "user-filter (&(objectClass=posixAccount)(uid=%s))\n"
	    "user-name-attribute uid\n"
	    "display-name-attribute cn\n"
	    "group-base ou=teams,dc=example,dc=com\n"
	    "group-membership search\n"
	    "group-filter (&(objectClass=groupOfUniqueNames)(uniqueMember=%s))\n"
	    "group-name-attribute cn\n"
	    "latchkey-base ou=passkeys,dc=example,dc=com\n"
	    "ldap-timeout 10s\n"
	    "ldap-backoff-max 2m\n"
	    "radius-listen [::1]:1812\n"
	    "radius-listen 192.0.2.1:1645\n"
	    "radius-client 10.1.0.0/16 secret-file radius/vpn mode hold legacy "
	    "hold-timeout 20s require-message-authenticator no\n"
	    "radius-client ::1 secret-file /etc/latchkey/local\n"
	    "radius-client 192.0.2.7 mode challenge secret-file s\n"
	    "radius-legacy-group vpn-legacy\n"
	    "radius-legacy-group Contractors\n"
	    "radius-reply vpn-legacy Filter-Id vpn-restricted\n"
	    "radius-reply staff Tunnel-Private-Group-Id 42\n"
	    "radius-reply staff Reply-Message \"Hello, staff\"\n");
	assert_string_equal(c->user, "_latchkey");
	assert_string_equal(c->pid_file, "/run/latchkeyd.pid");
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_string_equal(c->audit_file, "/var/log/latchkey/audit.log");
	assert_int_equal(c->nlistens, 3);
	assert_int_equal(c->listens[0].tls, 1);
	assert_string_equal(c->listens[0].host, "0.0.0.0");
	assert_int_equal(c->listens[0].port, 443);
	assert_int_equal(c->listens[1].tls, 0);
	assert_string_equal(c->listens[1].host, "127.0.0.1");
	assert_string_equal(c->listens[2].host, "2001:db8::1");
	assert_int_equal(c->listens[2].port, 8443);
	assert_string_equal(c->tls_cert, "/etc/latchkey/cert.pem");
	assert_string_equal(c->tls_key, "/etc/latchkey/key.pem");
	assert_string_equal(c->public_url, "https://ID.Example.com");
	assert_string_equal(c->rp_id, "example.com");
	assert_int_equal(c->norigins, 2);
	assert_string_equal(c->origins[0], "https://id.example.com");
	assert_string_equal(c->origins[1], "https://login.example.com:8443");
	assert_int_equal(c->http_max_body, 1024 * 1024);
	assert_int_equal(c->http_max_headers, 8192);
	assert_int_equal(c->http_timeout_ms, 60000);
	assert_int_equal(c->embedded, 0);
	assert_string_equal(c->slapd_path, "/usr/local/sbin/slapd");
	assert_int_equal(c->nldap_uris, 2);
	assert_string_equal(c->ldap_uris[0], "ldap://ldap1.example.com");
	assert_string_equal(c->ldap_uris[1], "ldap://ldap2.example.com:389");
	assert_int_equal(c->starttls, 1);
	assert_string_equal(c->tls_ca_file, "/etc/ssl/certs/ca.pem");
	assert_int_equal(c->sasl_external, 0);
	assert_string_equal(c->bind_dn, "cn=latchkey,ou=services,dc=example,dc=com");
	assert_string_equal(c->bind_password_file, "/etc/latchkey/bind-password");
	assert_string_equal(c->base_dn, "dc=example,dc=com");
	assert_string_equal(c->user_base, "ou=staff,dc=example,dc=com");
	assert_string_equal(c->user_filter, "(&(objectClass=posixAccount)(uid=%s))");
	assert_string_equal(c->display_name_attr, "cn");
	assert_string_equal(c->group_base, "ou=teams,dc=example,dc=com");
	assert_int_equal(c->group_mode, CONF_GROUPS_SEARCH);
	assert_string_equal(c->group_filter,
	    "(&(objectClass=groupOfUniqueNames)(uniqueMember=%s))");
	assert_string_equal(c->latchkey_base, "ou=passkeys,dc=example,dc=com");
	assert_int_equal(c->ldap_timeout_ms, 10000);
	assert_int_equal(c->ldap_backoff_max_ms, 120000);
	assert_string_equal(c->radius_listen, "[::1]:1812");
	assert_int_equal(c->nradius_listens, 2);
	assert_string_equal(c->radius_listens[0], "[::1]:1812");
	assert_string_equal(c->radius_listens[1], "192.0.2.1:1645");
	assert_int_equal(c->nradius_clients, 3);
	assert_string_equal(c->radius_clients[0].name, "10.1.0.0/16");
	assert_string_equal(c->radius_clients[0].secret_file,
	    "/etc/latchkey/radius/vpn");
	assert_int_equal(c->radius_clients[0].mode, CONF_RADIUS_HOLD);
	assert_int_equal(c->radius_clients[0].legacy, 1);
	assert_int_equal(c->radius_clients[0].hold_timeout_ms, 20000);
	assert_int_equal(c->radius_clients[0].require_ma, 0);
	assert_string_equal(c->radius_clients[1].name, "::1");
	assert_string_equal(c->radius_clients[1].secret_file, "/etc/latchkey/local");
	assert_int_equal(c->radius_clients[1].mode, CONF_RADIUS_CHALLENGE);
	assert_int_equal(c->radius_clients[1].legacy, 0);
	/* Defaults: 25 s, under the usual client timeout; MA required. */
	assert_int_equal(c->radius_clients[1].hold_timeout_ms, 25000);
	assert_int_equal(c->radius_clients[1].require_ma, 1);
	assert_string_equal(c->radius_clients[2].secret_file, "/etc/latchkey/s");
	assert_int_equal(c->radius_clients[2].mode, CONF_RADIUS_CHALLENGE);
	assert_int_equal(c->nradius_legacy_groups, 2);
	assert_string_equal(c->radius_legacy_groups[0], "vpn-legacy");
	assert_string_equal(c->radius_legacy_groups[1], "Contractors");
	assert_int_equal(c->nradius_replies, 3);
	assert_string_equal(c->radius_replies[0].group, "vpn-legacy");
	assert_string_equal(c->radius_replies[0].attr, "Filter-Id");
	assert_string_equal(c->radius_replies[0].value, "vpn-restricted");
	assert_string_equal(c->radius_replies[1].attr, "Tunnel-Private-Group-Id");
	assert_string_equal(c->radius_replies[1].value, "42");
	assert_string_equal(c->radius_replies[2].value, "Hello, staff");
	/* Kept so that the dictionary check can name the line (authreq_conf_check). */
	assert_true(c->radius_replies[0].line > 0);
	assert_int_equal(c->radius_replies[1].line, c->radius_replies[0].line + 1);
	conf_free(c);
}

/* The Active Directory example of the man page, and derived defaults. */
static void
test_active_directory(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME,
	    "state-dir /var/lib/latchkey\n"
	    "listen https://[::]:443\n"
	    "tls-certificate cert.pem\n"
	    "tls-key key.pem\n"
	    "public-url https://id.corp.example.com:443/\n"
	    "directory ldaps://dc1.example.com ldaps://dc2.example.com\n"
	    "base-dn DC=corp,DC=example,DC=com\n"
	    "bind-dn \"CN=latchkey svc,OU=Service Accounts,DC=corp,DC=example,DC=com\"\n"
	    "bind-password-file /etc/latchkey/bind-password\n"
	    "user-filter (&(objectCategory=person)(sAMAccountName=%s))\n"
	    "user-name-attribute sAMAccountName\n");
	assert_int_equal(c->embedded, 0);
	assert_int_equal(c->sasl_external, 0);
	assert_int_equal(c->nldap_uris, 2);
	assert_string_equal(c->ldap_uris[1], "ldaps://dc2.example.com");
	assert_string_equal(c->listens[0].host, "::");
	assert_string_equal(c->bind_dn,
	    "CN=latchkey svc,OU=Service Accounts,DC=corp,DC=example,DC=com");
	assert_string_equal(c->rp_id, "id.corp.example.com");
	/* The default port is not part of a serialised origin. */
	assert_string_equal(c->origins[0], "https://id.corp.example.com");
	assert_string_equal(c->user_base, "ou=people,DC=corp,DC=example,DC=com");
	assert_string_equal(c->latchkey_base,
	    "ou=latchkey,DC=corp,DC=example,DC=com");
	/* Without a directory of its own, tls-certificate stays relative. */
	assert_string_equal(c->tls_cert, "cert.pem");
	conf_free(c);
}

static void
test_public_url_defaults(void **state)
{
	struct conf	*c;

	(void)state;
	/* The first listener becomes the public URL, brackets kept for IPv6. */
	c = ok(NAME, "state-dir /s\nlisten http://[::1]:9000\n"
	    "listen http://127.0.0.1:9001\n");
	assert_string_equal(c->public_url, "http://[::1]:9000");
	assert_string_equal(c->origins[0], "http://[::1]:9000");
	assert_string_equal(c->rp_id, "::1");
	conf_free(c);
	/* An rp-id equal to the host is fine, in any case. */
	c = ok(NAME, "state-dir /s\npublic-url https://id.example.com\n"
	    "rp-id ID.example.COM\n");
	assert_string_equal(c->rp_id, "id.example.com");
	conf_free(c);
	/* Embedded with a service bind: simple bind, no SASL EXTERNAL. */
	c = ok(NAME, "state-dir /s\nbind-dn cn=admin,dc=latchkey,dc=local\n"
	    "bind-password-file pw\n");
	assert_int_equal(c->embedded, 1);
	assert_int_equal(c->sasl_external, 0);
	conf_free(c);
	c = ok(NAME, "state-dir /s\ndirectory ldapi://%2Frun%2Fslapd%2Fldapi\n"
	    "base-dn dc=example,dc=org\nsasl-external yes\n");
	assert_int_equal(c->embedded, 0);
	assert_int_equal(c->sasl_external, 1);
	conf_free(c);
}

static void
test_quoting(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME,
	    "   state-dir\t\"/var/lib/my state\"   # trailing comment\n"
	    "user \"a\\\"b\\\\c\"\n"
	    "pid-file pre\"fix with\"\" blanks\"\n"
	    "display-name-attribute \"#notacomment\"\n"
	    "user-name-attribute uid#1\n"
	    "\t# an indented comment\n"
	    "\r\n"
	    "log-level warn\r\n");
	assert_string_equal(c->state_dir, "/var/lib/my state");
	assert_string_equal(c->user, "a\"b\\c");
	assert_string_equal(c->pid_file, "prefix with blanks");
	assert_string_equal(c->display_name_attr, "#notacomment");
	assert_string_equal(c->user_name_attr, "uid#1");
	assert_int_equal(c->log_level, LOG_LEVEL_WARN);
	conf_free(c);
	/* Outside quotes a backslash is an ordinary character (DN escapes). */
	c = ok(NAME, "state-dir /s\nbind-dn cn=Smith\\,Jr,dc=latchkey,dc=local\n"
	    "bind-password-file pw\n");
	assert_string_equal(c->bind_dn, "cn=Smith\\,Jr,dc=latchkey,dc=local");
	conf_free(c);
}

static void
test_embedded_uri(void **state)
{
	struct conf	*c;

	(void)state;
	/* Every byte outside [A-Za-z0-9._~-] is %XX with upper-case hex. */
	c = ok(NAME, "state-dir \"/tmp/a b/\xc3\xbc~x_y-z.1%:@\"\n"
	    "directory embedded\n");
	assert_int_equal(c->embedded, 1);
	assert_int_equal(c->nldap_uris, 1);
	assert_string_equal(c->ldap_uris[0], "ldapi://%2Ftmp%2Fa%20b%2F%C3%BC"
	    "~x_y-z.1%25%3A%40%2Fslapd%2Fldapi");
	conf_free(c);
}

static void
test_relative_paths(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok("/etc/latchkey/latchkey.conf",
	    "state-dir state\n"
	    "pid-file ../../run/latchkeyd.pid\n"
	    "audit-file /var/log/audit.log\n"
	    "listen https://id.example.com:443\n"
	    "tls-certificate tls/cert.pem\n"
	    "tls-key tls/key.pem\n"
	    "slapd bin/slapd\n"
	    "directory ldaps://ldap.example.com\n"
	    "base-dn dc=example,dc=com\n"
	    "tls-ca-file ca.pem\n"
	    "bind-dn cn=svc,dc=example,dc=com\n"
	    "bind-password-file secret\n"
	    "radius-listen 0.0.0.0:1812\n"
	    "radius-client 10.0.0.1 secret-file radius-secret\n");
	assert_string_equal(c->state_dir, "/etc/latchkey/state");
	assert_string_equal(c->pid_file, "/etc/latchkey/../../run/latchkeyd.pid");
	assert_string_equal(c->audit_file, "/var/log/audit.log");
	assert_string_equal(c->tls_cert, "/etc/latchkey/tls/cert.pem");
	assert_string_equal(c->tls_key, "/etc/latchkey/tls/key.pem");
	assert_string_equal(c->slapd_path, "/etc/latchkey/bin/slapd");
	assert_string_equal(c->tls_ca_file, "/etc/latchkey/ca.pem");
	assert_string_equal(c->bind_password_file, "/etc/latchkey/secret");
	assert_string_equal(c->radius_clients[0].secret_file,
	    "/etc/latchkey/radius-secret");
	conf_free(c);
	/* The default audit file follows a resolved state-dir. */
	c = ok("/latchkey.conf", "state-dir st\n");
	assert_string_equal(c->state_dir, "/st");
	assert_string_equal(c->audit_file, "/st/audit.log");
	assert_string_equal(c->ldap_uris[0], "ldapi://%2Fst%2Fslapd%2Fldapi");
	conf_free(c);
}

/* Every refusal, with the line it names.  Line 1 is "state-dir /s". */
static const struct {
	const char	*text;
	const char	*want;
} errors[] = {
	/* syntax */
	{ "state-dir /s\n\n# comment\n\n\n\nlistn http://localhost:1\n",
	  NAME ":7: unknown directive \"listn\"" },
	{ "state-dir /s\nuser \"unterminated\n",
	  NAME ":2: unterminated quote" },
	{ "state-dir /s\nuser \"a\\nb\"\n",
	  NAME ":2: inside quotes a backslash must be followed by \" or \\" },
	{ "state-dir /s\nradius-client a b c d e f g h i j k l m n o p q\n",
	  NAME ":2: more than 16 words on one line" },
	{ "state-dir /s\nstate-dir /t\n",
	  NAME ":2: state-dir: given twice (first on line 1)" },
	{ "state-dir /s\nuser\n",
	  NAME ":2: user: expects 1 argument, got 0" },
	{ "state-dir /s /t\n",
	  NAME ":1: state-dir: expects 1 argument, got 2" },
	{ "state-dir /s\nradius-client 10.0.0.1 secret-file\n",
	  NAME ":2: radius-client: expects 3 to 13 arguments, got 2" },
	{ "state-dir /s\nuser \"\"\n", NAME ":2: user: empty value" },
	{ "state-dir \"\"\n", NAME ":1: state-dir: empty path" },
	/* whole-file checks */
	{ "", NAME ": state-dir is required (the directory for keys, the "
	  "embedded directory and runtime files)" },
	{ "# nothing but a comment\nlog-level info\n", NAME ": state-dir is "
	  "required (the directory for keys, the embedded directory and "
	  "runtime files)" },
	/* process */
	{ "state-dir /s\nlog-level verbose\n",
	  NAME ":2: log-level: expects warn, info or debug, not \"verbose\"" },
	/* web */
	{ "state-dir /s\nlisten http://192.0.2.1:80\n", NAME ":2: listen: plain "
	  "http is only allowed on loopback addresses; use https://" },
	{ "state-dir /s\nlisten http://0.0.0.0:80\n", NAME ":2: listen: plain "
	  "http is only allowed on loopback addresses; use https://" },
	{ "state-dir /s\nlisten http://localhost\n",
	  NAME ":2: listen: \"http://localhost\" needs a port from 1 to 65535" },
	{ "state-dir /s\nlisten http://localhost:0\n",
	  NAME ":2: listen: \"http://localhost:0\" needs a port from 1 to 65535" },
	{ "state-dir /s\nlisten http://localhost:65536\n", NAME ":2: listen: "
	  "\"http://localhost:65536\" is not an http://HOST:PORT or "
	  "https://HOST:PORT URL" },
	{ "state-dir /s\nlisten ftp://localhost:21\n", NAME ":2: listen: "
	  "\"ftp://localhost:21\" is not an http://HOST:PORT or "
	  "https://HOST:PORT URL" },
	{ "state-dir /s\nlisten localhost:8080\n", NAME ":2: listen: "
	  "\"localhost:8080\" is not an http://HOST:PORT or "
	  "https://HOST:PORT URL" },
	{ "state-dir /s\nlisten http://localhost:80/app\n", NAME ":2: listen: "
	  "\"http://localhost:80/app\": only a scheme, a host and a port "
	  "belong here" },
	{ "state-dir /s\n\nlisten https://id.example.com:443\n",
	  NAME ":3: listen: https needs tls-certificate and tls-key" },
	{ "state-dir /s\nlisten https://id.example.com:443\ntls-key k\n",
	  NAME ":3: tls-key: needs tls-certificate as well" },
	{ "state-dir /s\ntls-certificate c\n",
	  NAME ":2: tls-certificate: needs tls-key as well" },
	{ "state-dir /s\nlisten https://0.0.0.0:443\ntls-certificate c\n"
	  "tls-key k\n", NAME ":2: listen: 0.0.0.0 is not an address a browser "
	  "can open; set public-url" },
	{ "state-dir /s\npublic-url id.example.com\n", NAME ":2: public-url: "
	  "\"id.example.com\" is not an http:// or https:// URL of the form "
	  "scheme://host[:port][/path]" },
	{ "state-dir /s\npublic-url https://id.example.com/?x=1\n",
	  NAME ":2: public-url: \"https://id.example.com/?x=1\" is not an "
	  "http:// or https:// URL of the form scheme://host[:port][/path]" },
	{ "state-dir /s\norigin https://id.example.com/login\n",
	  NAME ":2: origin: \"https://id.example.com/login\" is not an http:// "
	  "or https:// URL of the form scheme://host[:port]" },
	{ "state-dir /s\npublic-url https://id.example.com\nrp-id example.org\n",
	  NAME ":3: rp-id: \"example.org\" is neither the host of public-url "
	  "(id.example.com) nor a parent domain of it" },
	{ "state-dir /s\npublic-url https://id.example.com\nrp-id ample.com\n",
	  NAME ":3: rp-id: \"ample.com\" is neither the host of public-url "
	  "(id.example.com) nor a parent domain of it" },
	{ "state-dir /s\nrp-id \"example com\"\n",
	  NAME ":2: rp-id: \"example com\" is not a domain name" },
	{ "state-dir /s\nhttp-max-body 64x\n",
	  NAME ":2: http-max-body: \"64x\" is not a size (use 65536, 64k, 1m)" },
	{ "state-dir /s\nhttp-max-headers -1\n", NAME ":2: http-max-headers: "
	  "\"-1\" is not a size (use 65536, 64k, 1m)" },
	{ "state-dir /s\nhttp-max-body 99999999999999999999\n",
	  NAME ":2: http-max-body: \"99999999999999999999\" is not a size "
	  "(use 65536, 64k, 1m)" },
	{ "state-dir /s\nhttp-max-body 0\n",
	  NAME ":2: http-max-body: must be more than 0" },
	{ "state-dir /s\nhttp-timeout 0s\n",
	  NAME ":2: http-timeout: must be longer than 0" },
	/* directory */
	{ "state-dir /s\n\nldap-timeout 5x\n", NAME ":3: ldap-timeout: \"5x\" "
	  "is not a duration (use 90s, 5m, 1h)" },
	{ "state-dir /s\nldap-backoff-max soon\n", NAME ":2: ldap-backoff-max: "
	  "\"soon\" is not a duration (use 90s, 5m, 1h)" },
	{ "state-dir /s\ndirectory http://ldap.example.com\n",
	  NAME ":2: directory: \"http://ldap.example.com\" is not an ldap://, "
	  "ldaps:// or ldapi:// URI" },
	{ "state-dir /s\ndirectory ldap://a.example.com cldap://b\n",
	  NAME ":2: directory: \"cldap://b\" is not an ldap://, ldaps:// or "
	  "ldapi:// URI" },
	{ "state-dir /s\ndirectory embedded ldap://x\n",
	  NAME ":2: directory: embedded takes no URIs" },
	{ "state-dir /s\ndirectory ldaps://dc1.example.com\n",
	  NAME ":2: directory: an external directory needs base-dn" },
	{ "state-dir /s\nbase-dn example.com\n", NAME ":2: base-dn: "
	  "\"example.com\" is not a distinguished name (RFC 4514)" },
	{ "state-dir /s\nuser-base \"\"\n", NAME ":2: user-base: \"\" is not a "
	  "distinguished name (RFC 4514)" },
	{ "state-dir /s\nstarttls maybe\n",
	  NAME ":2: starttls: expects yes or no, not \"maybe\"" },
	{ "state-dir /s\nstarttls yes\n", NAME ":2: starttls: applies to "
	  "ldap:// URIs and the directory has none" },
	{ "state-dir /s\n\nbind-dn cn=svc,dc=latchkey,dc=local\n",
	  NAME ":3: bind-dn: needs bind-password-file" },
	{ "state-dir /s\nbind-password-file pw\n",
	  NAME ":2: bind-password-file: needs bind-dn" },
	{ "state-dir /s\nsasl-external yes\nbind-dn cn=a,dc=b\n"
	  "bind-password-file pw\n", NAME ":2: sasl-external: conflicts with "
	  "bind-dn (choose one way to bind)" },
	{ "state-dir /s\nbind-password hunter2\n", NAME ":2: bind-password: a "
	  "password is never written in the configuration; put it in a file "
	  "readable by root only and name it with bind-password-file" },
	{ "state-dir /s\nuser-filter (uid=%s)(cn=%s)\n",
	  NAME ":2: user-filter: must contain %s exactly once, found 2" },
	{ "state-dir /s\nuser-filter (objectClass=person)\n",
	  NAME ":2: user-filter: must contain %s exactly once, found 0" },
	{ "state-dir /s\nuser-filter (uid=%s%d)\n", NAME ":2: user-filter: "
	  "only %s may follow % (write a literal % as \\25)" },
	{ "state-dir /s\ngroup-filter (member=%s)%\n", NAME ":2: group-filter: "
	  "only %s may follow % (write a literal % as \\25)" },
	{ "state-dir /s\nuser-filter uid=%s\n", NAME ":2: user-filter: a filter "
	  "is written in parentheses, e.g. (uid=%s)" },
	{ "state-dir /s\ngroup-membership nested\n", NAME ":2: "
	  "group-membership: expects memberof or search, not \"nested\"" },
	/* RADIUS */
	{ "state-dir /s\nradius-listen 1812\n", NAME ":2: radius-listen: "
	  "\"1812\" is not ADDR:PORT with a numeric address and a port from 1 "
	  "to 65535 (IPv6 as [::1]:1812)" },
	{ "state-dir /s\nradius-listen ::1:1812\n", NAME ":2: radius-listen: "
	  "\"::1:1812\" is not ADDR:PORT with a numeric address and a port "
	  "from 1 to 65535 (IPv6 as [::1]:1812)" },
	{ "state-dir /s\nradius-listen 127.0.0.1:0\n", NAME ":2: radius-listen: "
	  "\"127.0.0.1:0\" is not ADDR:PORT with a numeric address and a port "
	  "from 1 to 65535 (IPv6 as [::1]:1812)" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client vpn.example.com secret-file s\n", NAME ":3: "
	  "radius-client: \"vpn.example.com\" is not an IPv4 or IPv6 address "
	  "with an optional /PREFIX" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.0/33 secret-file s\n", NAME ":3: "
	  "radius-client: \"10.0.0.0/33\" is not an IPv4 or IPv6 address "
	  "with an optional /PREFIX" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 secret s\n", NAME ":3: radius-client: "
	  "unexpected \"secret\" (expects ADDR[/PREFIX] secret-file PATH "
	  "[name LABEL] [mode challenge|hold] [hold-timeout DUR] "
	  "[require-message-authenticator yes|no] [legacy] [rest])" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 secret-file s hold-timeout 31s\n", NAME ":3: "
	  "radius-client: hold-timeout \"31s\" is not a duration from 1s to "
	  "30s" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 secret-file s hold-timeout soon\n", NAME ":3: "
	  "radius-client: hold-timeout \"soon\" is not a duration from 1s to "
	  "30s" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 secret-file s "
	  "require-message-authenticator auto\n", NAME ":3: radius-client: "
	  "require-message-authenticator is yes or no, not \"auto\"" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-listen 127.0.0.1:1812\n", NAME ":3: radius-listen: "
	  "127.0.0.1:1812 is listed twice" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 legacy mode push\n", NAME ":3: radius-client: "
	  "mode is challenge or hold, not \"push\"" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 legacy mode hold\n", NAME ":3: radius-client: "
	  "10.0.0.1 needs secret-file PATH" },
	{ "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	  "radius-client 10.0.0.1 secret-file a\n"
	  "radius-client 10.0.0.1 secret-file b\n", NAME ":4: radius-client: "
	  "10.0.0.1 is listed twice" },
	{ "state-dir /s\n\nradius-client 127.0.0.1 secret-file s\n",
	  NAME ":3: radius-client: no radius-listen is configured" },
	{ "state-dir /s\nradius-legacy-group a\nradius-legacy-group A\n",
	  NAME ":3: radius-legacy-group: A is listed twice" },
	{ "state-dir /s\nradius-legacy-group \"\"\n",
	  NAME ":2: radius-legacy-group: an empty group name" },
	{ "state-dir /s\nradius-legacy-group a b\n",
	  NAME ":2: radius-legacy-group: expects 1 argument, got 2" },
	{ "state-dir /s\nradius-reply staff Filter-Id\n",
	  NAME ":2: radius-reply: expects 3 arguments, got 2" },
	{ "state-dir /s\nradius-reply staff \"Filter Id\" x\n",
	  NAME ":2: radius-reply: \"Filter Id\" is not an attribute name" },
	{ "state-dir /s\nradius-reply staff Filter-Id \"\"\n",
	  NAME ":2: radius-reply: expects GROUP ATTRIBUTE VALUE" },
};

static void
test_errors(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		refused(errors[i].text, errors[i].want);
}

static void
test_error_truncated(void **state)
{
	char	 err[16];

	(void)state;
	assert_null(conf_parse(NAME, "bogus\n", err, sizeof(err)));
	assert_string_equal(err, "latchkey.conf:1");
}

static void
test_long_line(void **state)
{
	char	*text;
	char	 err[CONF_ERR_MAX];

	(void)state;
	/* 4096 bytes are fine (a comment), 4097 are not. */
	text = calloc(1, 9000);
	assert_non_null(text);
	strcpy(text, "state-dir /s\n#");
	memset(text + strlen(text), 'x', 4095);
	strcat(text, "\n");
	conf_free(ok(NAME, text));
	strcat(text, "#");
	memset(text + strlen(text), 'x', 4096);
	strcat(text, "\n");
	assert_null(conf_parse(NAME, text, err, sizeof(err)));
	assert_string_equal(err, NAME ":3: line is longer than 4096 bytes");
	free(text);
}

static void
test_load(void **state)
{
	struct conf	*c;
	char		 path[PATH_MAX + 32], err[CONF_ERR_MAX];
	static const char nul[] = "state-dir /s\nuser a\0b\n";
	char		*big;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	assert_null(conf_load(path, err, sizeof(err)));
	assert_true(strcmp(err + strlen(tmpdir),
	    "/missing.conf: No such file or directory") == 0);

	/* A good file: relative paths against its own (absolute) directory. */
	snprintf(path, sizeof(path), "%s/good.conf", tmpdir);
	write_file(path, "state-dir state\n", 16);
	assert_non_null(c = conf_load(path, err, sizeof(err)));
	assert_string_equal(c->file, path);
	assert_memory_equal(c->state_dir, tmpdir, strlen(tmpdir));
	assert_string_equal(c->state_dir + strlen(tmpdir), "/state");
	conf_free(c);

	/* A NUL byte: refused with its line. */
	snprintf(path, sizeof(path), "%s/nul.conf", tmpdir);
	write_file(path, nul, sizeof(nul) - 1);
	assert_null(conf_load(path, err, sizeof(err)));
	assert_string_equal(err + strlen(tmpdir),
	    "/nul.conf:2: NUL byte in the line (is this a text file?)");

	/* Over 1 MiB: refused before parsing (comments would be fine). */
	snprintf(path, sizeof(path), "%s/big.conf", tmpdir);
	assert_non_null(big = malloc(1024 * 1024 + 1));
	memset(big, '\n', 1024 * 1024 + 1);
	memcpy(big, "state-dir /s", 12);
	write_file(path, big, 1024 * 1024);
	conf_free(c = conf_load(path, err, sizeof(err)));
	assert_non_null(c);
	write_file(path, big, 1024 * 1024 + 1);
	assert_null(conf_load(path, err, sizeof(err)));
	assert_string_equal(err + strlen(tmpdir),
	    "/big.conf: larger than 1048576 bytes");
	free(big);

	/* A directory is not a configuration file. */
	assert_null(conf_load(tmpdir, err, sizeof(err)));
	assert_string_equal(err + strlen(tmpdir), ": Is a directory");
}

/* Every example in docs/latchkey.conf.5 is a configuration that checks out. */
static void
test_man_page_examples(void **state)
{
	FILE		*f;
	char		 path[PATH_MAX], line[1024], text[8192], *p, *q;
	const char	*top = getenv("top_srcdir");
	struct conf	*c;
	int		 in_examples = 0, in_block = 0, n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/latchkey.conf.5",
	    top != NULL ? top : ".");
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".SH ", 4) == 0)
			in_examples = strcmp(line, ".SH EXAMPLES\n") == 0;
		if (!in_examples)
			continue;
		if (strcmp(line, ".nf\n") == 0) {
			in_block = 1;
			text[0] = '\0';
		} else if (strcmp(line, ".fi\n") == 0) {
			c = ok("/etc/latchkey/latchkey.conf", text);
			conf_free(c);
			in_block = 0;
			n++;
		} else if (in_block) {
			/* Undo the roff escape of '-'. */
			for (p = q = line; *p != '\0'; p++)
				if (!(p[0] == '\\' && p[1] == '-'))
					*q++ = *p;
			*q = '\0';
			assert_true(strlen(text) + strlen(line) < sizeof(text));
			strcat(text, line);
		}
	}
	fclose(f);
	assert_int_equal(n, 3);	/* embedded, Active Directory, OpenLDAP */
}

/* The web flow's state: TAP key file, session and ceremony timeouts. */
static void
test_web_state(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok("/etc/latchkey/" NAME, "state-dir /s\ntap-key-file keys/tap\n"
	    "session-idle-timeout 10m\nsession-lifetime 1h\nceremony-timeout 90s\n");
	assert_string_equal(c->tap_key_file, "/etc/latchkey/keys/tap");
	assert_int_equal(c->session_idle_ms, 600000);
	assert_int_equal(c->session_lifetime_ms, 3600000);
	assert_int_equal(c->ceremony_timeout_ms, 90000);
	conf_free(c);
	/* A lifetime shorter than the default idle timeout takes the idle timeout with it. */
	c = ok(NAME, "state-dir /s\nsession-lifetime 10m\n");
	assert_int_equal(c->session_idle_ms, 600000);
	conf_free(c);
	refused("state-dir /s\nsession-idle-timeout 2h\nsession-lifetime 1h\n",
	    NAME ":2: session-idle-timeout: longer than session-lifetime (3600s)");
	refused("state-dir /s\nceremony-timeout 500ms\n",
	    NAME ":2: ceremony-timeout: must be at least 1s");
	refused("state-dir /s\nsession-lifetime 0\n",
	    NAME ":2: session-lifetime: must be longer than 0");
	refused("state-dir /s\nceremony-timeout soon\n",
	    NAME ":2: ceremony-timeout: \"soon\" is not a duration (use 90s, 5m, 1h)");
	refused("state-dir /s\ntap-key-file \"\"\n",
	    NAME ":2: tap-key-file: empty path");
}

/* attestation-root (repeatable, resolved like every path) and mds-root. */
static void
test_attestation_trust(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME, "state-dir /s\n");
	assert_int_equal(c->nattestation_roots, 0);
	assert_string_equal(c->mds_root, LATCHKEY_DATADIR "/fido-mds-root.pem");
	conf_free(c);
	c = ok("/etc/latchkey/latchkey.conf", "state-dir /s\n"
	    "attestation-root roots/yubico.pem\n"
	    "attestation-root /usr/share/latchkey/apple.pem\n"
	    "mds-root private-mds.pem\n");
	assert_int_equal(c->nattestation_roots, 2);
	assert_string_equal(c->attestation_roots[0],
	    "/etc/latchkey/roots/yubico.pem");
	assert_string_equal(c->attestation_roots[1],
	    "/usr/share/latchkey/apple.pem");
	assert_string_equal(c->mds_root, "/etc/latchkey/private-mds.pem");
	conf_free(c);
	refused("state-dir /s\nattestation-root a.pem\nattestation-root a.pem\n",
	    NAME ":3: attestation-root: a.pem is listed twice");
	refused("state-dir /s\nattestation-root \"\"\n",
	    NAME ":2: attestation-root: empty path");
	refused("state-dir /s\nmds-root a.pem\nmds-root b.pem\n",
	    NAME ":3: mds-root: given twice (first on line 2)");
	refused("state-dir /s\nmds-root\n",
	    NAME ":2: mds-root: expects 1 argument, got 0");
}

/* radius-rate-client and radius-rate-user: the listener's token buckets. */
static void
test_radius_rates(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME, "state-dir /s\n");
	assert_int_equal(c->radius_rate_client, 200);
	assert_int_equal(c->radius_rate_user, 5);
	conf_free(c);
	c = ok(NAME, "state-dir /s\nradius-rate-client 1000000/s\n"
	    "radius-rate-user 20\n");
	assert_int_equal(c->radius_rate_client, 1000000);
	assert_int_equal(c->radius_rate_user, 20);
	conf_free(c);
	refused("radius-rate-user 0/s\n", NAME ":1: radius-rate-user: 0/s is "
	    "out of range (1/s to 1000000/s)");
	refused("radius-rate-client 1000001/s\n", NAME ":1: radius-rate-client: "
	    "1000001/s is out of range (1/s to 1000000/s)");
	refused("radius-rate-client 5/m\n", NAME ":1: radius-rate-client: "
	    "\"5/m\" is not a rate (use 200/s)");
	refused("radius-rate-user -3/s\n", NAME ":1: radius-rate-user: "
	    "\"-3/s\" is not a rate (use 200/s)");
	refused("radius-rate-user 5/s\nradius-rate-user 6/s\n", NAME ":2: "
	    "radius-rate-user: given twice (first on line 1)");
}

/* rest: a FreeRADIUS in front may call the endpoint; alone, it needs no socket. */
static void
test_radius_rest(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME, "state-dir /s\nradius-client 127.0.0.1 secret-file s rest\n");
	assert_int_equal(c->nradius_listens, 0);
	assert_int_equal(c->nradius_clients, 1);
	assert_int_equal(c->radius_clients[0].rest, 1);
	assert_int_equal(c->radius_clients[0].mode, CONF_RADIUS_CHALLENGE);
	conf_free(c);
	c = ok(NAME, "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.0.1 secret-file s mode hold legacy rest\n"
	    "radius-client 10.0.0.2 secret-file s\n");
	assert_int_equal(c->radius_clients[0].rest, 1);
	assert_int_equal(c->radius_clients[0].mode, CONF_RADIUS_HOLD);
	assert_int_equal(c->radius_clients[1].rest, 0);
	conf_free(c);
	refused("state-dir /s\nradius-client 127.0.0.1 secret-file s rest\n"
	    "radius-client 10.0.0.2 secret-file s\n",
	    NAME ":2: radius-client: no radius-listen is configured");
}

/* name LABEL: how the client is called; its address still matches. */
static void
test_radius_client_name(void **state)
{
	struct conf	*c;

	(void)state;
	c = ok(NAME, "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.1.0/24 secret-file s name fortigate-hq mode hold\n"
	    "radius-client 10.0.2.1 secret-file s\n");
	assert_string_equal(c->radius_clients[0].name, "10.0.1.0/24");
	assert_string_equal(c->radius_clients[0].label, "fortigate-hq");
	assert_int_equal(c->radius_clients[0].mode, CONF_RADIUS_HOLD);
	assert_null(c->radius_clients[1].label);
	conf_free(c);
	/* Every option at once fits the directive. */
	c = ok(NAME, "state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.1.0/24 secret-file s name vpn mode hold hold-timeout 12s "
	    "require-message-authenticator no legacy rest\n");
	assert_string_equal(c->radius_clients[0].label, "vpn");
	assert_int_equal(c->radius_clients[0].require_ma, 0);
	assert_int_equal(c->radius_clients[0].legacy, 1);
	assert_int_equal(c->radius_clients[0].rest, 1);
	assert_int_equal(c->radius_clients[0].hold_timeout_ms, 12000);
	conf_free(c);
	refused("state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.1.1 secret-file s name vpn/hq\n",
	    NAME ":3: radius-client: name \"vpn/hq\" is not 1 to 64 letters, digits, "
	    "'.', '-' or '_'");
	refused("state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.1.1 secret-file s name vpn\n"
	    "radius-client 10.0.1.2 secret-file s name vpn\n",
	    NAME ":4: radius-client: the name vpn is taken by radius-client 10.0.1.1");
	refused("state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.1.1 secret-file s\n"
	    "radius-client 10.0.1.2 secret-file s name 10.0.1.1\n",
	    NAME ":4: radius-client: the name 10.0.1.1 is taken by radius-client 10.0.1.1");
	refused("state-dir /s\nradius-listen 127.0.0.1:1812\n"
	    "radius-client 10.0.1.2 secret-file s name 10.0.1.1\n"
	    "radius-client 10.0.1.1 secret-file s\n",
	    NAME ":4: radius-client: 10.0.1.1 is the name of radius-client 10.0.1.2");
}

static void
test_free_null(void **state)
{
	(void)state;
	conf_free(NULL);
}

static int
setup(void **state)
{
	char	*t;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	/* conf_load makes the directory absolute: compare with the real path. */
	if ((t = realpath(tmpdir, NULL)) == NULL)
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s", t);
	free(t);
	return 0;
}

static int
teardown(void **state)
{
	static const char *files[] = { "good.conf", "nul.conf", "big.conf" };
	char	 path[PATH_MAX + 32];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_directive),
		cmocka_unit_test(test_active_directory),
		cmocka_unit_test(test_public_url_defaults),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_embedded_uri),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_truncated),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_man_page_examples),
		cmocka_unit_test(test_attestation_trust),
		cmocka_unit_test(test_web_state),
		cmocka_unit_test(test_radius_rates),
		cmocka_unit_test(test_radius_rest),
		cmocka_unit_test(test_radius_client_name),
		cmocka_unit_test(test_free_null),
	};

	log_init(1, LOG_LEVEL_WARN, "test_conf");
	return cmocka_run_group_tests(tests, setup, teardown);
}
