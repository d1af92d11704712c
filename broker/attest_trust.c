/*
 * attest_trust.c: the attestation trust anchors: PEM roots named in the
 * configuration, and FIDO metadata entries (copies), whose DER roots are
 * parsed once when the entry is added.  Read-only once built.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "attest_priv.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define TRUST_PEM_MAX		(4 * 1024 * 1024)	/* a PEM bundle file */
#define TRUST_ROOTS_MAX		64			/* roots in one metadata entry */

struct trust_mds {
	struct attest_mds_entry	 e;
	STACK_OF(X509)		*roots;
};

struct attest_trust {
	STACK_OF(X509)		*pem;
	struct trust_mds	*mds;
	size_t			 nmds;
};

static void	 attest_trust_mds_clear(struct trust_mds *);
static int	 attest_trust_mds_copy(struct trust_mds *, const struct attest_mds_entry *,
		    char *, size_t);

struct attest_trust *
attest_trust_new(void)
{
	struct attest_trust	*t;

	t = xcalloc(1, sizeof(*t));
	if ((t->pem = sk_X509_new_null()) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
attest_trust_free(struct attest_trust *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	sk_X509_pop_free(t->pem, X509_free);
	for (i = 0; i < t->nmds; i++)
		attest_trust_mds_clear(&t->mds[i]);
	free(t->mds);
	free(t);
}

int
attest_trust_add_pem(struct attest_trust *t, const char *path, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rv;

	if ((buf = util_read_file(path, TRUST_PEM_MAX, &len)) == NULL) {
		snprintf(err, errlen, "%s: cannot read the trust anchors", path);
		return -1;
	}
	rv = attest_trust_add_pem_mem(t, buf, len, err, errlen);
	if (rv == -1) {
		/* Name the file in front of the reason. */
		char	 reason[256];

		snprintf(reason, sizeof(reason), "%s", err);
		snprintf(err, errlen, "%s: %s", path, reason);
	}
	free(buf);
	return rv;
}

/* Every certificate of the PEM text becomes an anchor; nothing else may be in it. */
int
attest_trust_add_pem_mem(struct attest_trust *t, const char *pem, size_t len, char *err,
    size_t errlen)
{
	STACK_OF(X509)	*add;
	BIO		*bio;
	X509		*x;
	unsigned long	 e;
	int		 rv = -1;

	if (len == 0 || len > TRUST_PEM_MAX || len > INT_MAX) {
		snprintf(err, errlen, "the PEM text is empty or too long");
		return -1;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (add = sk_X509_new_null()) == NULL) {
		BIO_free(bio);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(add, x) <= 0) {
			X509_free(x);
			snprintf(err, errlen, "out of memory");
			goto done;
		}
	/* The loop ends at the end of the text, or at something that is not a certificate. */
	e = ERR_peek_last_error();
	if (e != 0 && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		snprintf(err, errlen, "a certificate in the PEM text is malformed");
		goto done;
	}
	if (sk_X509_num(add) == 0) {
		snprintf(err, errlen, "the PEM text holds no certificate");
		goto done;
	}
	while ((x = sk_X509_shift(add)) != NULL)
		if (sk_X509_push(t->pem, x) <= 0) {
			X509_free(x);
			snprintf(err, errlen, "out of memory");
			goto done;
		}
	rv = 0;
 done:
	ERR_clear_error();
	sk_X509_pop_free(add, X509_free);
	BIO_free(bio);
	return rv;
}

/* A copy of the entry; an entry for the same AAGUID is replaced. */
int
attest_trust_add_mds(struct attest_trust *t, const struct attest_mds_entry *e, char *err,
    size_t errlen)
{
	struct trust_mds	 m;
	size_t			 i;

	if (attest_trust_mds_copy(&m, e, err, errlen) == -1)
		return -1;
	if (e->has_aaguid)
		for (i = 0; i < t->nmds; i++)
			if (t->mds[i].e.has_aaguid &&
			    memcmp(t->mds[i].e.aaguid, e->aaguid, 16) == 0) {
				attest_trust_mds_clear(&t->mds[i]);
				t->mds[i] = m;
				return 0;
			}
	t->mds = xreallocarray(t->mds, t->nmds + 1, sizeof(*t->mds));
	t->mds[t->nmds++] = m;
	return 0;
}

const struct attest_mds_entry *
attest_trust_find_aaguid(const struct attest_trust *t, const unsigned char aaguid[16])
{
	size_t	 i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < t->nmds; i++)
		if (t->mds[i].e.has_aaguid && memcmp(t->mds[i].e.aaguid, aaguid, 16) == 0)
			return &t->mds[i].e;
	return NULL;
}

/* The configured PEM roots (borrowed). */
STACK_OF(X509) *
attest_trust_pem_roots(const struct attest_trust *t)
{
	return t != NULL ? t->pem : NULL;
}

/* The parsed roots of the AAGUID's metadata entry (borrowed), or NULL. */
STACK_OF(X509) *
attest_trust_mds_roots(const struct attest_trust *t, const unsigned char aaguid[16])
{
	const struct attest_mds_entry	*e;

	if ((e = attest_trust_find_aaguid(t, aaguid)) == NULL)
		return NULL;
	/* e is the first member of its struct trust_mds. */
	return ((const struct trust_mds *)(const void *)e)->roots;
}

static int
attest_trust_mds_copy(struct trust_mds *m, const struct attest_mds_entry *e, char *err,
    size_t errlen)
{
	const unsigned char	*p;
	X509			*x;
	size_t			 i;

	memset(m, 0, sizeof(*m));
	if (e->nroots > TRUST_ROOTS_MAX || e->nkey_ids > 1024) {
		snprintf(err, errlen, "the metadata entry lists too many roots or key ids");
		return -1;
	}
	if ((m->roots = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < e->nroots; i++) {
		p = e->roots[i];
		x = NULL;
		if (p != NULL && e->root_lens[i] > 0 && e->root_lens[i] <= ATTEST_CERT_MAX)
			x = d2i_X509(NULL, &p, (long)e->root_lens[i]);
		if (x == NULL || p != e->roots[i] + e->root_lens[i] ||
		    sk_X509_push(m->roots, x) <= 0) {
			X509_free(x);
			ERR_clear_error();
			snprintf(err, errlen, "attestation root %zu of metadata entry \"%s\" is not "
			    "a DER certificate", i, e->description ? e->description : "?");
			attest_trust_mds_clear(m);
			return -1;
		}
	}
	memcpy(m->e.aaguid, e->aaguid, sizeof(m->e.aaguid));
	m->e.has_aaguid = e->has_aaguid;
	m->e.compromised = e->compromised;
	m->e.description = e->description ? xstrdup(e->description) : NULL;
	m->e.status = e->status ? xstrdup(e->status) : NULL;
	m->e.nkey_ids = e->nkey_ids;
	m->e.key_ids = xcalloc(e->nkey_ids ? e->nkey_ids : 1, sizeof(char *));
	for (i = 0; i < e->nkey_ids; i++)
		m->e.key_ids[i] = xstrdup(e->key_ids[i]);
	m->e.nroots = e->nroots;
	m->e.roots = xcalloc(e->nroots ? e->nroots : 1, sizeof(unsigned char *));
	m->e.root_lens = xcalloc(e->nroots ? e->nroots : 1, sizeof(size_t));
	for (i = 0; i < e->nroots; i++) {
		m->e.roots[i] = xmemdup(e->roots[i], e->root_lens[i]);
		m->e.root_lens[i] = e->root_lens[i];
	}
	return 0;
}

static void
attest_trust_mds_clear(struct trust_mds *m)
{
	size_t	 i;

	sk_X509_pop_free(m->roots, X509_free);
	for (i = 0; i < m->e.nkey_ids; i++)
		free(m->e.key_ids[i]);
	free(m->e.key_ids);
	for (i = 0; i < m->e.nroots; i++)
		free(m->e.roots[i]);
	free(m->e.roots);
	free(m->e.root_lens);
	free(m->e.description);
	free(m->e.status);
	memset(m, 0, sizeof(*m));
}
