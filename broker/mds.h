/*
 * mds.h: FIDO Metadata Service v3 BLOBs, imported offline.  A BLOB is a
 * JWS (RFC 7515 compact serialization) whose x5c chain must end in the FIDO
 * MDS root and whose payload lists authenticators by AAGUID (FIDO2) or
 * attestation key identifier (U2F), with their attestation roots and
 * status reports (FIDO MDS3 §3.1).  The verified BLOB is kept under
 * STATE_DIR/mds/ and verified again each time the daemon starts.
 */
#ifndef LATCHKEY_MDS_H
#define LATCHKEY_MDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct attest_mds_entry;
struct attest_trust;
struct conf;

#define MDS_BLOB_MAX		(16 * 1024 * 1024)	/* bytes of the JWS */
#define MDS_ERR_MAX		512

/* mds_verify_blob flags */
#define MDS_STALE_OK		0x01	/* a passed nextUpdate is a warning, not a refusal */

/* A verified BLOB: its serial, its next update and its entries. */
struct mds_blob {
	uint64_t		 no;
	char			 next_update[11];	/* YYYY-MM-DD as in the BLOB */
	time_t			 next_update_t;		/* 00:00 UTC of that day */
	int			 stale;			/* nextUpdate has passed (MDS_STALE_OK) */
	char			*legal_header;
	struct attest_mds_entry	*entries;
	size_t			 nentries;
	size_t			 ncompromised;
	size_t			 nskipped;		/* UAF entries (aaid only): not ours */
};

/*
 * Verifies a BLOB of len bytes against the PEM roots (one or more
 * certificates) at the time now: the x5c chain up to a root (no CRLs:
 * they cannot be fetched offline), the RS256 or ES256 signature over
 * "header.payload" with the leaf key, then the payload.  Refuses a BLOB
 * whose "no" is not greater than last_no, and one whose nextUpdate has
 * passed unless flags has MDS_STALE_OK (then blob->stale is set).
 * Returns 0 and a new blob in *out, or -1 with a sentence in err.
 */
int	 mds_verify_blob(const char *jws, size_t len, const char *roots_pem,
	    size_t roots_len, time_t now, uint64_t last_no, int flags,
	    struct mds_blob **out, char *err, size_t errlen);
void	 mds_blob_free(struct mds_blob *);

/*
 * The serial of the BLOB stored under state_dir (0 if none); -1 with err
 * when the serial file is unreadable or malformed.
 */
int	 mds_stored_serial(const char *state_dir, uint64_t *no, char *err, size_t errlen);
/*
 * Reads the BLOB at path, verifies it with the PEM roots at root_path (NULL:
 * conf->mds_root) against the stored serial, and stores it atomically
 * (write, fsync, rename) as STATE_DIR/mds/blob.jwt and STATE_DIR/mds/serial.
 */
int	 mds_import(const struct conf *, const char *path, const char *root_path,
	    time_t now, struct mds_blob **out, char *err, size_t errlen);
/*
 * Verifies the stored BLOB again (a passed nextUpdate only sets stale).
 * Returns 0 with *out NULL when nothing is stored.
 */
int	 mds_stored(const struct conf *, time_t now, struct mds_blob **out,
	    char *err, size_t errlen);
/*
 * At start-up: verifies the stored BLOB and adds every entry to trust
 * (compromised ones marked so, never trusted).  A missing BLOB is not an
 * error; a stale one is used with a warning.  0 or -1 with err.
 */
int	 mds_load(const struct conf *, struct attest_trust *, char *err, size_t errlen);

#endif
