/*
 * stub_ldap.c: the network half of libldap, scripted (see stub_ldap.h).
 * The definitions here take precedence over libldap's for the test binary;
 * everything else (escaping, DN parsing, ldap_err2string, ldap_memfree)
 * stays the real library.  Memory handed to the store comes from malloc,
 * which is what ldap_memfree releases by default.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldap.h>

#include "stub_ldap.h"

#define STUB_REQS_MAX	256

struct ldapmsg {
	struct ldapmsg	*next;
	int		 msgid;
	int		 type;
	int		 rc;
	char		*diag;
	char		*dn;
	char	       **names;		/* attribute names, NULL-terminated */
	char	      ***vals;		/* values per name, NULL-terminated */
	size_t		 cursor;	/* ldap_next_attribute */
};

struct ldap {
	int		 fds[2];
	int		 nextid;
	int		 down;
	int		 err;
	char		*uri;
	struct ldapmsg	*head, **tail;
};

int	 stub_bind_rc = LDAP_SUCCESS;
int	 stub_send_rc = LDAP_SUCCESS;
int	 stub_nconnects;
int	 stub_nunbinds;

static struct ldap	*stub_cur;
static char		*stub_uris[64];
static struct stub_req	 stub_reqs[STUB_REQS_MAX];
static size_t		 stub_nreq;
static int		 stub_aband[STUB_REQS_MAX];
static size_t		 stub_naband;
static void		(*stub_responder)(const struct stub_req *);

static char *
stub_strdup(const char *s)
{
	return s == NULL ? NULL : strdup(s);
}

static void
stub_msg_free(struct ldapmsg *m)
{
	size_t	 i, j;

	for (i = 0; m->names != NULL && m->names[i] != NULL; i++) {
		free(m->names[i]);
		for (j = 0; m->vals[i][j] != NULL; j++)
			free(m->vals[i][j]);
		free(m->vals[i]);
	}
	free(m->names);
	free(m->vals);
	free(m->dn);
	free(m->diag);
	free(m);
}

static void
stub_queue(struct ldapmsg *m)
{
	char	 c = 'x';

	if (stub_cur == NULL) {
		stub_msg_free(m);
		return;
	}
	*stub_cur->tail = m;
	stub_cur->tail = &m->next;
	if (write(stub_cur->fds[1], &c, 1) != 1)
		abort();
}

/* Records a request and lets the default and the test's responder see it. */
static int
stub_record(LDAP *ld, enum stub_kind kind, const char *dn, int *msgidp)
{
	struct stub_req	*r;

	if (stub_nreq == STUB_REQS_MAX)
		abort();
	r = &stub_reqs[stub_nreq++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->msgid = *msgidp = ld->nextid++;
	r->uri = stub_strdup(ld->uri);
	r->dn = stub_strdup(dn);
	return r->msgid;
}

static void
stub_respond(void)
{
	const struct stub_req *r = &stub_reqs[stub_nreq - 1];

	if (r->kind == STUB_BIND)
		stub_done(r->msgid, LDAP_RES_BIND, stub_bind_rc,
		    stub_bind_rc == LDAP_SUCCESS ? NULL : "bad credentials");
	else if (r->kind == STUB_STARTTLS)
		stub_done(r->msgid, LDAP_RES_EXTENDED, LDAP_SUCCESS, NULL);
	if (stub_responder != NULL)
		stub_responder(r);
}

void
stub_reset(void)
{
	size_t	 i;

	for (i = 0; i < stub_nreq; i++) {
		free(stub_reqs[i].uri);
		free(stub_reqs[i].dn);
		free(stub_reqs[i].mech);
		free(stub_reqs[i].cred);
		free(stub_reqs[i].filter);
		free(stub_reqs[i].mods);
	}
	stub_nreq = 0;
	stub_naband = 0;
	stub_responder = NULL;
	stub_bind_rc = LDAP_SUCCESS;
	stub_send_rc = LDAP_SUCCESS;
	for (i = 0; i < 64; i++) {
		free(stub_uris[i]);
		stub_uris[i] = NULL;
	}
	stub_nconnects = 0;
	stub_nunbinds = 0;
}

const char *
stub_connect_uri(int i)
{
	return i >= 0 && i < 64 ? stub_uris[i] : NULL;
}

void
stub_set_responder(void (*fn)(const struct stub_req *))
{
	stub_responder = fn;
}

size_t
stub_nreqs(void)
{
	return stub_nreq;
}

const struct stub_req *
stub_req(size_t i)
{
	return i < stub_nreq ? &stub_reqs[i] : NULL;
}

const struct stub_req *
stub_last(enum stub_kind kind)
{
	size_t	 i;

	for (i = stub_nreq; i > 0; i--)
		if (stub_reqs[i - 1].kind == kind)
			return &stub_reqs[i - 1];
	return NULL;
}

void
stub_entry(int msgid, const char *dn, const char *const *attrs)
{
	struct ldapmsg	*m;
	size_t		 i, j, n = 0, k;

	m = calloc(1, sizeof(*m));
	m->msgid = msgid;
	m->type = LDAP_RES_SEARCH_ENTRY;
	m->dn = strdup(dn);
	m->names = calloc(64, sizeof(*m->names));
	m->vals = calloc(64, sizeof(*m->vals));
	for (i = 0; attrs != NULL && attrs[i] != NULL; i += 2) {
		for (j = 0; j < n; j++)
			if (strcmp(m->names[j], attrs[i]) == 0)
				break;
		if (j == n) {
			if (n == 63)
				abort();
			m->names[n] = strdup(attrs[i]);
			m->vals[n] = calloc(1, sizeof(char *));
			n++;
		}
		for (k = 0; m->vals[j][k] != NULL; k++)
			;
		m->vals[j] = realloc(m->vals[j], (k + 2) * sizeof(char *));
		m->vals[j][k] = strdup(attrs[i + 1]);
		m->vals[j][k + 1] = NULL;
	}
	stub_queue(m);
}

void
stub_done(int msgid, int type, int rc, const char *diag)
{
	struct ldapmsg	*m;

	m = calloc(1, sizeof(*m));
	m->msgid = msgid;
	m->type = type;
	m->rc = rc;
	m->diag = stub_strdup(diag);
	stub_queue(m);
}

void
stub_down(void)
{
	char	 c = 'x';

	if (stub_cur == NULL)
		return;
	stub_cur->down = 1;
	if (write(stub_cur->fds[1], &c, 1) != 1)
		abort();
}

int
stub_abandoned(int msgid)
{
	size_t	 i;

	for (i = 0; i < stub_naband; i++)
		if (stub_aband[i] == msgid)
			return 1;
	return 0;
}

/* libldap. */

int
ldap_initialize(LDAP **ldp, const char *url)
{
	struct ldap	*ld;

	if (stub_nconnects < 64)
		stub_uris[stub_nconnects] = strdup(url);
	stub_nconnects++;
	ld = calloc(1, sizeof(*ld));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, ld->fds) == -1)
		abort();
	fcntl(ld->fds[0], F_SETFL, O_NONBLOCK);
	ld->nextid = 1;
	ld->uri = strdup(url);
	ld->tail = &ld->head;
	stub_cur = ld;
	*ldp = ld;
	return LDAP_SUCCESS;
}

int
ldap_set_option(LDAP *ld, int option, const void *invalue)
{
	(void)ld;
	(void)option;
	(void)invalue;
	return LDAP_OPT_SUCCESS;
}

int
ldap_get_option(LDAP *ld, int option, void *outvalue)
{
	if (option == LDAP_OPT_DESC)
		*(int *)outvalue = ld->fds[0];
	else if (option == LDAP_OPT_RESULT_CODE)
		*(int *)outvalue = ld->err;
	else
		return LDAP_OPT_ERROR;
	return LDAP_OPT_SUCCESS;
}

int
ldap_unbind_ext(LDAP *ld, LDAPControl **sctrls, LDAPControl **cctrls)
{
	struct ldapmsg	*m;

	(void)sctrls;
	(void)cctrls;
	stub_nunbinds++;
	while ((m = ld->head) != NULL) {
		ld->head = m->next;
		stub_msg_free(m);
	}
	close(ld->fds[0]);
	close(ld->fds[1]);
	if (stub_cur == ld)
		stub_cur = NULL;
	free(ld->uri);
	free(ld);
	return LDAP_SUCCESS;
}

int
ldap_start_tls(LDAP *ld, LDAPControl **sctrls, LDAPControl **cctrls, int *msgidp)
{
	(void)sctrls;
	(void)cctrls;
	stub_record(ld, STUB_STARTTLS, NULL, msgidp);
	stub_respond();
	return LDAP_SUCCESS;
}

int
ldap_install_tls(LDAP *ld)
{
	(void)ld;
	return LDAP_SUCCESS;
}

int
ldap_sasl_bind(LDAP *ld, const char *dn, const char *mech, struct berval *cred,
    LDAPControl **sctrls, LDAPControl **cctrls, int *msgidp)
{
	struct stub_req	*r;

	(void)sctrls;
	(void)cctrls;
	if (stub_send_rc != LDAP_SUCCESS)
		return stub_send_rc;
	stub_record(ld, STUB_BIND, dn, msgidp);
	r = &stub_reqs[stub_nreq - 1];
	r->mech = stub_strdup(mech);
	if (cred != NULL && cred->bv_val != NULL)
		r->cred = strndup(cred->bv_val, cred->bv_len);
	stub_respond();
	return LDAP_SUCCESS;
}

int
ldap_search_ext(LDAP *ld, const char *base, int scope, const char *filter,
    char **attrs, int attrsonly, LDAPControl **sctrls, LDAPControl **cctrls,
    struct timeval *timeout, int sizelimit, int *msgidp)
{
	struct stub_req	*r;

	(void)attrs;
	(void)attrsonly;
	(void)sctrls;
	(void)cctrls;
	(void)timeout;
	stub_record(ld, STUB_SEARCH, base, msgidp);
	r = &stub_reqs[stub_nreq - 1];
	r->scope = scope;
	r->sizelimit = sizelimit;
	r->filter = stub_strdup(filter);
	stub_respond();
	return LDAP_SUCCESS;
}

/* "add a=v1,v2;delete b;" */
static char *
stub_mods(LDAPMod **mods)
{
	static const char *const ops[] = { "add", "delete", "replace" };
	char	*buf;
	size_t	 i, j, len;

	buf = calloc(1, 4096);
	for (i = 0; mods[i] != NULL; i++) {
		len = strlen(buf);
		snprintf(buf + len, 4096 - len, "%s %s",
		    ops[mods[i]->mod_op & LDAP_MOD_OP], mods[i]->mod_type);
		for (j = 0; mods[i]->mod_bvalues != NULL &&
		    mods[i]->mod_bvalues[j] != NULL; j++) {
			len = strlen(buf);
			snprintf(buf + len, 4096 - len, "%s%.*s", j ? "," : "=",
			    (int)mods[i]->mod_bvalues[j]->bv_len,
			    mods[i]->mod_bvalues[j]->bv_val);
		}
		len = strlen(buf);
		snprintf(buf + len, 4096 - len, ";");
	}
	return buf;
}

int
ldap_modify_ext(LDAP *ld, const char *dn, LDAPMod **mods, LDAPControl **sctrls,
    LDAPControl **cctrls, int *msgidp)
{
	(void)sctrls;
	(void)cctrls;
	stub_record(ld, STUB_MODIFY, dn, msgidp);
	stub_reqs[stub_nreq - 1].mods = stub_mods(mods);
	stub_respond();
	return LDAP_SUCCESS;
}

int
ldap_add_ext(LDAP *ld, const char *dn, LDAPMod **mods, LDAPControl **sctrls,
    LDAPControl **cctrls, int *msgidp)
{
	(void)sctrls;
	(void)cctrls;
	stub_record(ld, STUB_ADD, dn, msgidp);
	stub_reqs[stub_nreq - 1].mods = stub_mods(mods);
	stub_respond();
	return LDAP_SUCCESS;
}

int
ldap_delete_ext(LDAP *ld, const char *dn, LDAPControl **sctrls,
    LDAPControl **cctrls, int *msgidp)
{
	(void)sctrls;
	(void)cctrls;
	stub_record(ld, STUB_DELETE, dn, msgidp);
	stub_respond();
	return LDAP_SUCCESS;
}

int
ldap_abandon_ext(LDAP *ld, int msgid, LDAPControl **sctrls, LDAPControl **cctrls)
{
	(void)ld;
	(void)sctrls;
	(void)cctrls;
	if (stub_naband < STUB_REQS_MAX)
		stub_aband[stub_naband++] = msgid;
	return LDAP_SUCCESS;
}

int
ldap_result(LDAP *ld, int msgid, int all, struct timeval *timeout,
    LDAPMessage **result)
{
	struct ldapmsg	*m;
	char		 buf[64];

	(void)msgid;
	(void)all;
	(void)timeout;
	*result = NULL;
	if (ld->down) {
		ld->err = LDAP_SERVER_DOWN;
		return -1;
	}
	if ((m = ld->head) == NULL) {
		while (read(ld->fds[0], buf, sizeof(buf)) > 0)
			;
		return 0;
	}
	ld->head = m->next;
	if (ld->head == NULL)
		ld->tail = &ld->head;
	m->next = NULL;
	*result = m;
	return m->type;
}

int
ldap_msgid(LDAPMessage *m)
{
	return m->msgid;
}

int
ldap_msgtype(LDAPMessage *m)
{
	return m->type;
}

int
ldap_msgfree(LDAPMessage *m)
{
	int	 type;

	if (m == NULL)
		return 0;
	type = m->type;
	stub_msg_free(m);
	return type;
}

char *
ldap_get_dn(LDAP *ld, LDAPMessage *m)
{
	(void)ld;
	return stub_strdup(m->dn);
}

char *
ldap_first_attribute(LDAP *ld, LDAPMessage *m, BerElement **ber)
{
	(void)ld;
	*ber = NULL;
	m->cursor = 0;
	if (m->names == NULL || m->names[0] == NULL)
		return NULL;
	return strdup(m->names[m->cursor++]);
}

char *
ldap_next_attribute(LDAP *ld, LDAPMessage *m, BerElement *ber)
{
	(void)ld;
	(void)ber;
	if (m->names == NULL || m->names[m->cursor] == NULL)
		return NULL;
	return strdup(m->names[m->cursor++]);
}

struct berval **
ldap_get_values_len(LDAP *ld, LDAPMessage *m, const char *name)
{
	struct berval	**v;
	size_t		  i, n;

	(void)ld;
	for (i = 0; m->names != NULL && m->names[i] != NULL; i++)
		if (strcasecmp(m->names[i], name) == 0)
			break;
	if (m->names == NULL || m->names[i] == NULL)
		return NULL;
	for (n = 0; m->vals[i][n] != NULL; n++)
		;
	v = calloc(n + 1, sizeof(*v));
	for (n = 0; m->vals[i][n] != NULL; n++) {
		v[n] = calloc(1, sizeof(**v));
		v[n]->bv_val = strdup(m->vals[i][n]);
		v[n]->bv_len = strlen(m->vals[i][n]);
	}
	return v;
}

void
ldap_value_free_len(struct berval **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		free(v[i]->bv_val);
		free(v[i]);
	}
	free(v);
}

int
ldap_parse_result(LDAP *ld, LDAPMessage *m, int *errcodep, char **matcheddnp,
    char **errmsgp, char ***referralsp, LDAPControl ***serverctrls, int freeit)
{
	(void)ld;
	(void)freeit;
	*errcodep = m->rc;
	if (matcheddnp != NULL)
		*matcheddnp = NULL;
	if (errmsgp != NULL)
		*errmsgp = stub_strdup(m->diag != NULL ? m->diag : "");
	if (referralsp != NULL)
		*referralsp = NULL;
	if (serverctrls != NULL)
		*serverctrls = NULL;
	return LDAP_SUCCESS;
}
