/*
 * slapd_setup.c: creating the embedded directory (slapd.c supervises it).
 * slapd_setup() writes the cn=config LDIF and the base DIT LDIF under
 * STATE_DIR/slapd, loads them with two slapadd runs (cn=config into
 * slapd.d/, the base DIT into the mdb database in data/), then hands the
 * tree to the service user.  All of it blocks: it runs once, from
 * latchkeyctl init, never inside the daemon's event loop.
 *
 * Access is by SASL EXTERNAL over ldapi only: slapd maps the peer's uid and
 * gid to "gidNumber=G+uidNumber=U,cn=peercred,cn=external,cn=auth" and the
 * ACLs below give root and the owner uid full (manage) access, and
 * anonymous clients nothing but the root DSE.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/evp.h>

#include "conf.h"
#include "log.h"
#include "schema_data.h"
#include "slapd.h"
#include "slapd_priv.h"
#include "util.h"
#include "xmalloc.h"

#define SLAPD_DB_MAXSIZE	"1073741824"	/* mdb map size: 1 GiB */
#define SLAPD_ERR_TAIL		400		/* bytes of a command's output kept for err */
#define SLAPD_MAX_NEW_ENTRIES	32		/* containers the base DIT may need */
#define SLAPD_PEERCRED		"cn=peercred,cn=external,cn=auth"

/* The base DIT being written: DNs already emitted, so parents come once. */
struct slapd_dit {
	FILE	*f;
	char	*done[SLAPD_MAX_NEW_ENTRIES];
	size_t	 ndone;
};

static int	 slapd_run(char *const [], char *, size_t);
static void	 slapd_put(FILE *, const char *, const char *, size_t);
static void	 slapd_puts(FILE *, const char *, const char *);
static int	 slapd_write_config(const char *, const struct conf *, uid_t, gid_t,
		    const char *, char *, size_t);
static int	 slapd_write_dit(const char *, const struct conf *, char *, size_t);
static int	 slapd_dit_entry(struct slapd_dit *, LDAPDN, char *, size_t);
static int	 slapd_dit_base(struct slapd_dit *, const char *, LDAPDN, int, char *,
		    size_t);
static void	 slapd_dit_policies(FILE *, const char *);
static int	 slapd_walk(const char *, uid_t, gid_t, int);

/* 1 if slapadd has written a cn=config here before. */
int
slapd_exists(const struct conf *conf)
{
	struct stat	 st;
	char		*p;
	int		 r;

	p = slapd_path(conf, "slapd.d/cn=config.ldif");
	r = stat(p, &st) == 0;
	free(p);
	return r;
}

int
slapd_setup(const struct conf *conf, uid_t owner, gid_t group, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	char		 slapadd[PATH_MAX], slapdbin[PATH_MAX], *sibling = NULL;
	char		*dir = NULL, *confdir = NULL, *datadir = NULL, *cfg = NULL;
	char		*dit = NULL, *sock = NULL;
	int		 created = 0, rc = -1;

	if (conf->state_dir == NULL || conf->state_dir[0] != '/') {
		snprintf(err, errlen, "state directory must be an absolute path");
		return -1;
	}
	if (conf->base_dn == NULL || conf->latchkey_base == NULL) {
		snprintf(err, errlen, "embedded directory needs base_dn and latchkey_base");
		return -1;
	}
	sock = slapd_path(conf, "ldapi");
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "state directory too long: the socket path %s exceeds "
		    "the %zu bytes a unix socket address can hold", sock, sizeof(sun.sun_path) - 1);
		goto done;
	}
	if (slapd_exists(conf)) {
		snprintf(err, errlen, "%s/slapd already holds a directory", conf->state_dir);
		goto done;
	}
	if (slapd_find_bin(conf->slapd_path, SLAPD_PATH, "slapd", slapdbin,
	    sizeof(slapdbin)) == -1) {
		snprintf(err, errlen, SLAPD_NOT_FOUND);
		goto done;
	}
	/* A configured slapd brings its own slapadd next to it. */
	if (conf->slapd_path != NULL && strrchr(slapdbin, '/') != NULL)
		xasprintf(&sibling, "%.*s/slapadd",
		    (int)(strrchr(slapdbin, '/') - slapdbin), slapdbin);
	if (slapd_find_bin(sibling, SLAPADD_PATH, "slapadd", slapadd, sizeof(slapadd)) == -1) {
		snprintf(err, errlen, SLAPD_NOT_FOUND " (slapadd is missing)");
		goto done;
	}

	/* A state directory made here belongs to the owner too, or slapd could not reach its own. */
	if (access(conf->state_dir, F_OK) == -1) {
		if (util_mkdirs(conf->state_dir, 0700) == -1 ||
		    chown(conf->state_dir, owner, group) == -1) {
			snprintf(err, errlen, "%s: %s", conf->state_dir, strerror(errno));
			goto done;
		}
	}
	dir = slapd_path(conf, NULL);
	confdir = slapd_path(conf, "slapd.d");
	datadir = slapd_path(conf, "data");
	cfg = slapd_path(conf, "config.ldif");
	dit = slapd_path(conf, "base.ldif");
	if (util_mkdirs(dir, 0700) == -1 || util_mkdirs(confdir, 0700) == -1 ||
	    util_mkdirs(datadir, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto done;
	}
	created = 1;
	if (slapd_write_config(cfg, conf, owner, group, datadir, err, errlen) == -1)
		goto done;
	{
		char *const argv[] = { slapadd, "-n0", "-F", confdir, "-l", cfg, NULL };

		if (slapd_run(argv, err, errlen) == -1)
			goto done;
	}
	if (slapd_write_dit(dit, conf, err, errlen) == -1)
		goto done;
	{
		char *const argv[] = { slapadd, "-F", confdir, "-b", conf->base_dn, "-l", dit,
		    NULL };

		if (slapd_run(argv, err, errlen) == -1)
			goto done;
	}
	/* Setup may run as root on behalf of the service user that will run slapd. */
	if (slapd_walk(dir, owner, group, 0) == -1) {
		snprintf(err, errlen, "%s: cannot hand over to uid %ld: %s", dir,
		    (long)owner, strerror(errno));
		goto done;
	}
	log_info("embedded directory created in %s for %s", dir, conf->base_dn);
	rc = 0;
 done:
	if (cfg != NULL)
		unlink(cfg);
	if (dit != NULL)
		unlink(dit);
	/* Leave no half-made directory that slapd_exists() would take for a real one. */
	if (rc == -1 && created) {
		slapd_walk(confdir, 0, 0, 1);
		slapd_walk(datadir, 0, 0, 1);
	}
	free(sibling);
	free(dir);
	free(confdir);
	free(datadir);
	free(cfg);
	free(dit);
	free(sock);
	return rc;
}

/*
 * Runs argv to completion (blocking: setup time only) with its stdout and
 * stderr captured.  0 on exit status 0; else -1 with the command and the
 * tail of its output in err.
 */
static int
slapd_run(char *const argv[], char *err, size_t errlen)
{
	char		 tail[SLAPD_ERR_TAIL + 1], buf[512], *s;
	size_t		 tlen = 0, take;
	ssize_t		 n;
	int		 pfd[2], status;
	pid_t		 pid;

	if (pipe2(pfd, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0)
		slapd_child_exec(pfd[1], pfd[1], argv);
	close(pfd[1]);
	/* Keep the last SLAPD_ERR_TAIL bytes: slapadd puts the reason at the end. */
	while ((n = read(pfd[0], buf, sizeof(buf))) > 0 || (n == -1 && errno == EINTR)) {
		if (n <= 0)
			continue;
		take = (size_t)n > SLAPD_ERR_TAIL ? SLAPD_ERR_TAIL : (size_t)n;
		if (tlen + take > SLAPD_ERR_TAIL) {
			memmove(tail, tail + (tlen + take - SLAPD_ERR_TAIL),
			    SLAPD_ERR_TAIL - take);
			tlen = SLAPD_ERR_TAIL - take;
		}
		memcpy(tail + tlen, buf + (n - take), take);
		tlen += take;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "%s: waitpid: %s", argv[0], strerror(errno));
			return -1;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	tail[tlen] = '\0';
	while (tlen > 0 && isspace((unsigned char)tail[tlen - 1]))
		tail[--tlen] = '\0';
	for (s = tail; *s != '\0'; s++)
		if (*s == '\n' || !isprint((unsigned char)*s))
			*s = *s == '\n' ? '|' : ' ';
	snprintf(err, errlen, "%s %s failed (%s %d): %s", argv[0], argv[1],
	    WIFEXITED(status) ? "exit" : "signal",
	    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
	    tlen > 0 ? tail : "no output");
	return -1;
}

/*
 * Writes "attr: value" to an LDIF file, base64 ("attr:: ...") unless the
 * value is an RFC 2849 SAFE-STRING (which also rules out trailing spaces).
 */
static void
slapd_put(FILE *f, const char *attr, const char *val, size_t len)
{
	unsigned char	*b64;
	size_t		 i;
	int		 safe = len == 0 || (val[0] != ' ' && val[0] != ':' && val[0] != '<' &&
			    val[len - 1] != ' ');

	for (i = 0; i < len && safe; i++)
		safe = val[i] > 0 && val[i] < 0x7f && val[i] != '\n' && val[i] != '\r';
	if (safe) {
		fprintf(f, "%s: %.*s\n", attr, (int)len, val);
		return;
	}
	b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)val, (int)len);
	fprintf(f, "%s:: %s\n", attr, b64);
	free(b64);
}

static void
slapd_puts(FILE *f, const char *attr, const char *val)
{
	slapd_put(f, attr, val, strlen(val));
}

/*
 * The cn=config LDIF: modules, schemas (Debian's core, cosine, nis,
 * inetorgperson, then latchkey's), the frontend, config and mdb databases
 * with their ACLs, indexes and the memberof overlay.
 */
static int
slapd_write_config(const char *path, const struct conf *conf, uid_t owner, gid_t group,
    const char *datadir, char *err, size_t errlen)
{
	static const char *schemas[] = { "core", "cosine", "nis", "inetorgperson" };
	static const char *indexes[] = { "objectClass eq", "uid eq", "cn eq", "member eq",
	    "memberOf eq", "latchkeyUserHandle eq", "latchkeyPasskeyId eq",
	    "latchkeyApprovalExpiry eq", "latchkeyApprovalId eq", "latchkeyApprovalUser eq",
	    "latchkeyApprovalCodeHash eq" };
	char		*who = NULL, *rootdn = NULL, *acl = NULL;
	FILE		*f;
	size_t		 i;
	int		 fd, rc;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	/* Any gid: root or the owner uid, whatever group it runs under ('.' matches '+'). */
	xasprintf(&who, "dn.regex=\"^gidNumber=[0-9]+.uidNumber=(0|%lu),%s$\"",
	    (unsigned long)owner, SLAPD_PEERCRED);
	xasprintf(&rootdn, "gidNumber=%lu+uidNumber=%lu,%s", (unsigned long)group,
	    (unsigned long)owner, SLAPD_PEERCRED);
	xasprintf(&acl, "{0}to * by %s manage by * none", who);

	fprintf(f, "dn: cn=config\nobjectClass: olcGlobal\ncn: config\n\n");
	fprintf(f, "dn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\n"
	    "olcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n"
	    "olcModuleLoad: memberof\n\n");
	fprintf(f, "dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n");
	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
		fprintf(f, "include: file:///etc/ldap/schema/%s.ldif\n\n", schemas[i]);
	fprintf(f, "%s\n", schema_ldif);

	/* Anonymous clients see the root DSE and nothing else. */
	fprintf(f, "dn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\n"
	    "objectClass: olcFrontendConfig\nolcDatabase: {-1}frontend\n"
	    "olcAccess: {0}to dn.base=\"\" by * read\n"
	    "olcAccess: {1}to dn.base=\"cn=Subschema\" by users read\n"
	    "olcAccess: {2}to * by %s manage by * none\n\n", who);
	fprintf(f, "dn: olcDatabase={0}config,cn=config\nobjectClass: olcDatabaseConfig\n"
	    "olcDatabase: {0}config\nolcAccess: %s\n\n", acl);

	fprintf(f, "dn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\n"
	    "objectClass: olcMdbConfig\nolcDatabase: {1}mdb\n");
	slapd_puts(f, "olcSuffix", conf->base_dn);
	slapd_puts(f, "olcDbDirectory", datadir);
	/*
	 * A password (where an admin sets one, for legacy VPN logins during
	 * the migration) may be checked by a bind as its user, never read.
	 */
	fprintf(f, "olcDbMaxSize: %s\nolcRootDN: %s\n"
	    "olcAccess: {0}to attrs=userPassword by %s manage by anonymous auth by * none\n"
	    "olcAccess: {1}to * by %s manage by * none\n"
	    "olcLimits: %s size=unlimited time=unlimited\n", SLAPD_DB_MAXSIZE, rootdn, who, who, who);
	for (i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++)
		fprintf(f, "olcDbIndex: %s\n", indexes[i]);
	/* memberOf on users kept by the overlay; refint follows renames and deletions. */
	fprintf(f, "\ndn: olcOverlay={0}memberof,olcDatabase={1}mdb,cn=config\n"
	    "objectClass: olcOverlayConfig\nobjectClass: olcMemberOf\n"
	    "olcOverlay: {0}memberof\nolcMemberOfRefInt: TRUE\n"
	    "olcMemberOfGroupOC: groupOfNames\nolcMemberOfMemberAD: member\n"
	    "olcMemberOfMemberOfAD: memberOf\nolcMemberOfDangling: ignore\n");

	rc = ferror(f) ? -1 : 0;
	if (fclose(f) == EOF)
		rc = -1;
	if (rc == -1)
		snprintf(err, errlen, "%s: write failed", path);
	free(who);
	free(rootdn);
	free(acl);
	return rc;
}

/*
 * The base DIT: base_dn, then user_base, group_base and latchkey_base with
 * any containers between them and base_dn, then the default policies.
 */
static int
slapd_write_dit(const char *path, const struct conf *conf, char *err, size_t errlen)
{
	struct slapd_dit dit;
	const char	*bases[] = { conf->user_base, conf->group_base, conf->latchkey_base };
	LDAPDN		 base = NULL;
	char		*lkbase = NULL;
	size_t		 i;
	int		 fd, nbase, rc = -1;

	memset(&dit, 0, sizeof(dit));
	if (ldap_str2dn(conf->base_dn, &base, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    base == NULL) {
		snprintf(err, errlen, "base DN %s is not a valid DN", conf->base_dn);
		return -1;
	}
	for (nbase = 0; base[nbase] != NULL; nbase++)
		;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    (dit.f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		goto done;
	}
	if (slapd_dit_entry(&dit, base, err, errlen) == -1)
		goto done;
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (bases[i] != NULL && slapd_dit_base(&dit, bases[i], base, nbase, err,
		    errlen) == -1)
			goto done;
	/* The last one done is latchkey_base in its normal form. */
	lkbase = dit.done[dit.ndone - 1];
	slapd_dit_policies(dit.f, lkbase);
	rc = 0;
 done:
	if (dit.f != NULL && (ferror(dit.f) | fclose(dit.f)) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: write failed", path);
		rc = -1;
	}
	for (i = 0; i < dit.ndone; i++)
		ldap_memfree(dit.done[i]);
	ldap_dnfree(base);
	return rc;
}

/* Adds dn (under base, which has nbase RDNs) and every missing container above it. */
static int
slapd_dit_base(struct slapd_dit *dit, const char *dn, LDAPDN base, int nbase, char *err,
    size_t errlen)
{
	LDAPDN	 ldn = NULL;
	char	*tail = NULL, *want = NULL;
	int	 n, k, rc = -1;

	if (ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || ldn == NULL) {
		snprintf(err, errlen, "%s is not a valid DN", dn);
		return -1;
	}
	for (n = 0; ldn[n] != NULL; n++)
		;
	if (n < nbase || ldap_dn2str(&ldn[n - nbase], &tail, LDAP_DN_FORMAT_LDAPV3) != 0 ||
	    ldap_dn2str(base, &want, LDAP_DN_FORMAT_LDAPV3) != 0 ||
	    strcasecmp(tail, want) != 0) {
		snprintf(err, errlen, "%s is not under the base DN %s", dn, want ? want : "");
		goto done;
	}
	/* Parents first: from the RDN just below base down to dn itself. */
	for (k = n - nbase - 1; k >= 0; k--)
		if (slapd_dit_entry(dit, &ldn[k], err, errlen) == -1)
			goto done;
	if (n == nbase)		/* dn is base_dn itself: record it as the last one done */
		rc = slapd_dit_entry(dit, ldn, err, errlen);
	else
		rc = 0;
 done:
	ldap_memfree(tail);
	ldap_memfree(want);
	ldap_dnfree(ldn);
	return rc;
}

/*
 * Writes one container entry named by the first RDN of dn, unless written
 * before (then it only moves to the end of the done list).  The object class
 * follows the naming attribute.
 */
static int
slapd_dit_entry(struct slapd_dit *dit, LDAPDN dn, char *err, size_t errlen)
{
	static const struct { const char *attr, *oc; } kinds[] = {
		{ "dc", "domain" }, { "o", "organization" }, { "ou", "organizationalUnit" },
		{ "c", "country" }, { "l", "locality" }, { "cn", "organizationalRole" },
	};
	LDAPAVA	*ava;
	char	*str = NULL;
	size_t	 i, k;

	if (ldap_dn2str(dn, &str, LDAP_DN_FORMAT_LDAPV3) != 0 || str == NULL) {
		snprintf(err, errlen, "cannot format a DN");
		return -1;
	}
	for (i = 0; i < dit->ndone; i++)
		if (strcasecmp(dit->done[i], str) == 0) {
			ldap_memfree(dit->done[i]);
			for (k = i; k + 1 < dit->ndone; k++)
				dit->done[k] = dit->done[k + 1];
			dit->done[dit->ndone - 1] = str;
			return 0;
		}
	ava = dn[0][0];
	if (dn[0][1] != NULL) {
		snprintf(err, errlen, "%s: multi-valued RDNs are not supported", str);
		goto fail;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (ava->la_attr.bv_len == strlen(kinds[i].attr) &&
		    strncasecmp(ava->la_attr.bv_val, kinds[i].attr, ava->la_attr.bv_len) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(err, errlen, "%s: naming attribute must be dc, o, ou, c, l or cn", str);
		goto fail;
	}
	if (dit->ndone == SLAPD_MAX_NEW_ENTRIES) {
		snprintf(err, errlen, "%s: too many containers", str);
		goto fail;
	}
	fprintf(dit->f, "\n");
	slapd_puts(dit->f, "dn", str);
	fprintf(dit->f, "objectClass: top\nobjectClass: %s\n", kinds[i].oc);
	slapd_put(dit->f, kinds[i].attr, ava->la_value.bv_val, ava->la_value.bv_len);
	dit->done[dit->ndone++] = str;
	return 0;
 fail:
	ldap_memfree(str);
	return -1;
}

/*
 * The default policies (docs/schema.md): a passkey profile that targets
 * everyone (no include group), the TAP policy and a disabled campaign.
 */
static void
slapd_dit_policies(FILE *f, const char *base)
{
	char	*dn;

	xasprintf(&dn, "cn=default,%s", base);
	fprintf(f, "\n");
	slapd_puts(f, "dn", dn);
	fprintf(f, "objectClass: top\nobjectClass: latchkeyPasskeyProfile\ncn: default\n"
	    "description: Default passkey profile; no include group means everyone\n"
	    "latchkeyPasskeyType: deviceBound\nlatchkeyPasskeyType: synced\n"
	    "latchkeyAttestationEnforcement: disabled\nlatchkeyKeyRestriction: off\n"
	    "latchkeyUserVerification: required\n");
	free(dn);

	xasprintf(&dn, "cn=tap-policy,%s", base);
	fprintf(f, "\n");
	slapd_puts(f, "dn", dn);
	fprintf(f, "objectClass: top\nobjectClass: latchkeyTapPolicy\ncn: tap-policy\n"
	    "latchkeyTapMinLifetime: 3600\nlatchkeyTapMaxLifetime: 28800\n"
	    "latchkeyTapDefaultLifetime: 3600\nlatchkeyTapDefaultLength: 8\n"
	    "latchkeyTapOneTime: TRUE\n");
	free(dn);

	xasprintf(&dn, "cn=campaign,%s", base);
	fprintf(f, "\n");
	slapd_puts(f, "dn", dn);
	fprintf(f, "objectClass: top\nobjectClass: latchkeyCampaignPolicy\ncn: campaign\n"
	    "latchkeyCampaignState: disabled\nlatchkeySnoozeDays: 1\n"
	    "latchkeySnoozeLimit: 3\n");
	free(dn);
}

/*
 * Walks the tree at path without following symlinks.  remove == 0: gives
 * everything to uid/gid, directories 0700 and files 0600.  remove == 1:
 * deletes it.  A missing path is not an error.
 */
static int
slapd_walk(const char *path, uid_t uid, gid_t gid, int remove)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		*sub;
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return -1;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			xasprintf(&sub, "%s/%s", path, de->d_name);
			if (slapd_walk(sub, uid, gid, remove) == -1)
				rc = -1;
			free(sub);
		}
		closedir(d);
	}
	if (remove)
		return (S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) == -1 ? -1 : rc;
	if (lchown(path, uid, gid) == -1)
		return -1;
	if (!S_ISLNK(st.st_mode) &&
	    chmod(path, S_ISDIR(st.st_mode) ? 0700 : 0600) == -1)
		return -1;
	return rc;
}
