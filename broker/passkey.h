/*
 * passkey.h: the credential record, as stored in one latchkeyPasskey value
 * (ARCHITECTURE §3 and §5): a versioned JSON object.  A record written by
 * this version must stay readable by every later one: later versions add
 * keys and never change the meaning of existing ones; readers ignore keys
 * they do not know, and refuse a "v" newer than they understand.
 */
#ifndef LATCHKEY_PASSKEY_H
#define LATCHKEY_PASSKEY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PASSKEY_VERSION		1
#define PASSKEY_ID_MAX		1023	/* WebAuthn §7.1 step 24: credential id at most 1023 bytes */

/* What the attestation proved (webauthn-verify.md §5). */
enum passkey_trust {
	PASSKEY_TRUST_NONE = 0,		/* fmt none, or attestation not asked for */
	PASSKEY_TRUST_SELF,		/* self attestation: signed by the credential key */
	PASSKEY_TRUST_UNTRUSTED,	/* valid statement, chain to no trust anchor */
	PASSKEY_TRUST_TRUSTED,		/* chains to a metadata entry or a configured root */
};

struct passkey {
	int			 v;		/* format version of the record */
	unsigned char		*id;		/* credential id */
	size_t			 idlen;
	int			 alg;		/* COSE algorithm */
	unsigned char		*pubkey;	/* COSE_Key bytes as in authData */
	size_t			 pubkeylen;
	uint32_t		 sign_count;
	int			 uv;		/* uvInitialized */
	int			 be;		/* backup eligible */
	int			 bs;		/* backup state */
	unsigned char		 aaguid[16];
	char			*fmt;		/* attestation statement format */
	enum passkey_trust	 trust;
	char			*trust_source;	/* metadata entry or root that anchored it; NULL */
	char			*authenticator;	/* a name for people, by AAGUID; NULL if unknown */
	int			 authenticator_verified;	/* the name is backed by trusted attestation */
	char		       **transports;
	size_t			 ntransports;
	char			*profile;	/* passkey profile that admitted it; NULL */
	time_t			 created;
	time_t			 last_used;	/* 0: never */
	char			*label;		/* the user's name for it; NULL */
};

/* "synced" (BE=1) or "device-bound" (BE=0). */
const char	*passkey_type(const struct passkey *);
/* Device-bound with trusted attestation: the only kind whose properties are guaranteed. */
int		 passkey_attested_device_bound(const struct passkey *);
const char	*passkey_trust_name(enum passkey_trust);
/* Formats an AAGUID as 8-4-4-4-12 lowercase hex into buf[37]. */
void		 passkey_aaguid_fmt(const unsigned char aaguid[16], char buf[37]);
/* Parses 8-4-4-4-12 hex; 0 or -1. */
int		 passkey_aaguid_parse(const char *s, unsigned char aaguid[16]);

/* Encodes the record as compact JSON (new string; sorted keys, stable). */
char		*passkey_encode(const struct passkey *);
/*
 * Decodes a record; NULL with a reason in err on malformed input or an
 * unknown future version.  The input is untrusted (a directory value).
 */
struct passkey	*passkey_decode(const char *json, size_t len, char *err, size_t errlen);
struct passkey	*passkey_dup(const struct passkey *);
void		 passkey_free(struct passkey *);

#endif
