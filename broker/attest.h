/*
 * attest.h: attestation statements and attestation trust.  Verifies the
 * statement of each format (WebAuthn §8) — libfido2 for packed, fido-u2f
 * and tpm with RS1; OpenSSL for tpm with RS256/ES256, apple and
 * android-key — checks the certificate requirements of §8.2.1 and §8.3.1,
 * and builds the x5c chain with OpenSSL up to a trust anchor: a root from
 * FIDO metadata (MDS3) or a PEM root named in the configuration.
 */
#ifndef LATCHKEY_ATTEST_H
#define LATCHKEY_ATTEST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "passkey.h"
#include "webauthn.h"

struct attest_trust;

/* One authenticator's metadata, as imported from a verified MDS3 BLOB. */
struct attest_mds_entry {
	unsigned char	 aaguid[16];
	int		 has_aaguid;		/* FIDO2; U2F entries have key ids instead */
	char	       **key_ids;		/* attestationCertificateKeyIdentifiers (hex SHA-1) */
	size_t		 nkey_ids;
	char		*description;
	unsigned char  **roots;			/* attestationRootCertificates, DER */
	size_t		*root_lens;
	size_t		 nroots;
	int		 compromised;		/* a status that forbids trusting it */
	char		*status;		/* latest statusReports[].status */
};

struct attest_trust	*attest_trust_new(void);
void			 attest_trust_free(struct attest_trust *);
/* Adds every certificate of a PEM file as a trust anchor named by its subject. 0 or -1. */
int			 attest_trust_add_pem(struct attest_trust *, const char *path, char *err, size_t errlen);
/* Same from memory (tests, the embedded vectors). */
int			 attest_trust_add_pem_mem(struct attest_trust *, const char *pem, size_t len,
			    char *err, size_t errlen);
/* Adds (a copy of) a metadata entry. 0 or -1. */
int			 attest_trust_add_mds(struct attest_trust *, const struct attest_mds_entry *,
			    char *err, size_t errlen);
/* The metadata entry for an AAGUID, or NULL. */
const struct attest_mds_entry *attest_trust_find_aaguid(const struct attest_trust *,
			    const unsigned char aaguid[16]);

/* What the registration verifier hands over for the statement. */
struct attest_input {
	const char		*fmt;
	const unsigned char	*attstmt;	/* the attStmt map, CBOR bytes */
	size_t			 attstmt_len;
	const unsigned char	*authdata;	/* raw authenticator data */
	size_t			 authdata_len;
	const unsigned char	*cdh;		/* SHA-256(clientDataJSON), 32 bytes */
	const char		*rp_id;
	int			 alg;		/* the credential key's COSE alg */
	const unsigned char	*cose;		/* the credential public key, COSE_Key bytes */
	size_t			 cose_len;
	const unsigned char	*aaguid;	/* 16 bytes */
	const unsigned char	*cred_id;
	size_t			 cred_id_len;
	int			 require_uv;
	/* Extension outputs in authData, mirrored into libfido2 (webauthn-verify.md §1.4). */
	int			 cred_protect;	/* 0: absent */
	int			 hmac_secret;
	int			 cred_blob;
	int			 min_pin_length;	/* 0: absent */
	time_t			 now;		/* certificate validity clock */
};

struct attest_result {
	enum passkey_trust	 trust;
	char			*source;	/* what anchored it (metadata description or root subject); NULL */
	char			*authenticator;	/* metadata description when trusted; NULL */
};

/*
 * Verifies the attestation statement and decides its trust.  Returns 0 with
 * the result (trust none for fmt none), or -1 with err:
 * format_unsupported, attestation_invalid (statement or certificate wrong),
 * bad_signature.  An untrusted but valid statement is not an error here.
 */
int	 attest_verify(const struct attest_trust *, const struct attest_input *,
	    struct attest_result *, struct wa_error *);
void	 attest_result_clear(struct attest_result *);

/* A people's name for an AAGUID from the maintained list of passkey providers, or NULL. */
const char *attest_aaguid_name(const unsigned char aaguid[16]);

#endif
