/*
 * attest_priv.h: what the attestation files share and nobody else sees:
 * the decoded statement, the per-call context, the signature and key
 * helpers, the certificate profiles and the chain builder.
 */
#ifndef LATCHKEY_ATTEST_PRIV_H
#define LATCHKEY_ATTEST_PRIV_H

#include <fido/param.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest.h"

/* Bounds on what a statement may carry (WebAuthn §8; real ones are far smaller). */
#define ATTEST_STMT_MAX		(64 * 1024)	/* attStmt CBOR bytes */
#define ATTEST_X5C_MAX		8		/* certificates in x5c */
#define ATTEST_CERT_MAX		(16 * 1024)	/* one DER certificate */
#define ATTEST_FIELD_MAX	4096		/* sig, certInfo, pubArea */

/* COSE_ES256, COSE_RS1 and the others: libfido2 names them (IANA COSE registry). */

/* The attestation type a format's procedure established (WebAuthn §6.5.3). */
enum attest_type {
	ATTEST_TYPE_NONE = 0,
	ATTEST_TYPE_SELF,
	ATTEST_TYPE_BASIC,	/* x5c to be chained: basic, AttCA or AnonCA */
};

/* The attStmt map, decoded; byte fields point into the input. */
struct attest_stmt {
	void			*item;		/* the decoded cbor_item_t, owner of the bytes */
	size_t			 npairs;
	int			 has_alg;
	int			 alg;
	const unsigned char	*sig;
	size_t			 siglen;
	const unsigned char	*ver;		/* text, not NUL-terminated */
	size_t			 verlen;
	const unsigned char	*certinfo;
	size_t			 certinfolen;
	const unsigned char	*pubarea;
	size_t			 pubarealen;
	int			 has_x5c;
	STACK_OF(X509)		*x5c;		/* x5c[0] is the leaf */
	int			 has_ecdaa;
	unsigned char		*canon;		/* attStmt re-encoded in CTAP2 canonical order */
	size_t			 canonlen;
};

/* One verification in progress. */
struct attest_ctx {
	const struct attest_input	*in;
	struct attest_stmt		 st;
	EVP_PKEY			*credkey;	/* the credential public key */
	enum attest_type		 type;		/* set by the format's procedure */
	int				 tpm;		/* x5c[0] is a TPM AIK: §8.3.1 profile */
};

/* attest.c */
int	 attest_sig_verify(EVP_PKEY *, int alg, const unsigned char *, size_t,
	    const unsigned char *sig, size_t siglen, struct wa_error *, const char *what);
int	 attest_hash(int alg, const unsigned char *, size_t, const unsigned char *, size_t,
	    unsigned char *out, unsigned int *outlen);
EVP_PKEY *attest_cose_pkey(const unsigned char *, size_t);
int	 attest_fido_verify(struct attest_ctx *, int self, struct wa_error *);

/* attest_x509.c */
int	 attest_x509_packed(X509 *, const unsigned char aaguid[16], struct wa_error *);
int	 attest_x509_tpm(X509 *, const unsigned char aaguid[16], struct wa_error *);
int	 attest_x509_aaguid(X509 *, const unsigned char aaguid[16], struct wa_error *);
int	 attest_x509_key_eq(X509 *, EVP_PKEY *, struct wa_error *, const char *what);
int	 attest_x509_chain(const struct attest_trust *, const struct attest_input *,
	    STACK_OF(X509) *, struct attest_result *);
char	*attest_x509_subject(X509 *);

/* attest_trust.c */
STACK_OF(X509)	*attest_trust_pem_roots(const struct attest_trust *);
STACK_OF(X509)	*attest_trust_mds_roots(const struct attest_trust *, const unsigned char aaguid[16]);

/* The format procedures. */
int	 attest_tpm_verify(struct attest_ctx *, struct wa_error *);
int	 attest_apple_verify(struct attest_ctx *, struct wa_error *);
int	 attest_android_verify(struct attest_ctx *, struct wa_error *);

#endif
