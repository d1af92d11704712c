/*
 * softauthn.h: a software authenticator for the tests only.  It makes
 * registrations and assertions in the WebAuthn Level 3 JSON forms
 * (RegistrationResponseJSON, AuthenticationResponseJSON) with OpenSSL keys,
 * and lets a test choose every field the verifier checks: flags, counter,
 * algorithm, attestation format, credential id length, trailing bytes, the
 * clientData members, a broken signature.  Nothing here is for production:
 * its keys are generated per run and its CA is a throwaway.
 */
#ifndef LATCHKEY_SOFTAUTHN_H
#define LATCHKEY_SOFTAUTHN_H

#include <stddef.h>
#include <stdint.h>

#define SA_UP	0x01
#define SA_UV	0x04
#define SA_BE	0x08
#define SA_BS	0x10
#define SA_AT	0x40
#define SA_ED	0x80

#define SA_ID_MAX	2048

/* A test attestation CA (self-signed, P-256). */
struct sa_ca;

struct sa_ca	*sa_ca_new(const char *cn);
void		 sa_ca_free(struct sa_ca *);
/* The CA certificate as PEM (new string). */
char		*sa_ca_pem(const struct sa_ca *);

/* One credential: its key, id and counter. */
struct sa_cred {
	int		 alg;		/* COSE: -7, -35, -257, -8 */
	void		*pkey;		/* EVP_PKEY */
	unsigned char	 id[SA_ID_MAX];
	size_t		 idlen;
	uint32_t	 count;		/* signCount the next response carries */
	unsigned char	 aaguid[16];
};

/*
 * A new credential with a fresh key of alg (rsa_bits for RS256, 0 for
 * 2048) and a random id of idlen bytes.  NULL if alg is unknown.
 */
struct sa_cred	*sa_cred_new(int alg, size_t idlen, int rsa_bits);
void		 sa_cred_free(struct sa_cred *);
/* The credential public key as COSE_Key bytes (new buffer). */
unsigned char	*sa_cred_cose(const struct sa_cred *, size_t *len);

/* What to put in one ceremony's response.  sa_opts_init() fills sane defaults. */
struct sa_opts {
	const char		*rp_id;		/* hashed into authData */
	const char		*origin;
	const char		*type;		/* clientData type; NULL: by ceremony */
	const unsigned char	*challenge;
	size_t			 challenge_len;
	int			 cross_origin;	/* -1: absent, 0: false, 1: true */
	const char		*top_origin;	/* NULL: absent */
	uint8_t			 flags;		/* UP/UV/BE/BS; AT is added for registrations */
	int			 no_at;		/* registration without the AT flag */
	int			 set_at;	/* assertion with the AT flag */
	const char		*fmt;		/* "none", "packed", or any string */
	const struct sa_ca	*ca;		/* packed: full attestation by this CA; NULL: self */
	int			 cert_bad_aaguid;	/* leaf AAGUID extension differs from authData */
	int			 cert_bad_ou;	/* leaf OU is not "Authenticator Attestation" */
	int			 bad_signature;	/* flip a bit of the (attestation) signature */
	size_t			 trailing_attobj;	/* bytes after the attestationObject */
	size_t			 trailing_authdata;	/* bytes after authData */
	const unsigned char	*cose_override;	/* credential key bytes put in authData */
	size_t			 cose_override_len;
	const unsigned char	*user_handle;
	size_t			 user_handle_len;
};

void	 sa_opts_init(struct sa_opts *, const char *rp_id, const char *origin,
	    const void *challenge, size_t challenge_len);

/* A RegistrationResponseJSON (new string), or NULL on an internal failure. */
char	*sa_register(struct sa_cred *, const struct sa_opts *);
/* An AuthenticationResponseJSON (new string).  Both carry cred->count as it is. */
char	*sa_assert(struct sa_cred *, const struct sa_opts *);

#endif
