/*
 * slapd.h: the embedded directory.  When the configuration names no
 * external directory, latchkey runs Debian's slapd privately: its own
 * cn=config and database under STATE_DIR/slapd, listening only on an
 * ldapi:// socket there, with the latchkey schema, the memberof overlay,
 * the equality indexes and a base DIT.  latchkeyd supervises it: restarts
 * it with backoff when it dies, stops it on exit.
 */
#ifndef LATCHKEY_SLAPD_H
#define LATCHKEY_SLAPD_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct conf;
struct slapd;

/* The ldapi:// URI of the embedded directory of conf (new string). */
char		*slapd_uri(const struct conf *);
/* 1 if STATE_DIR/slapd holds a configured directory already. */
int		 slapd_exists(const struct conf *);
/*
 * Creates the embedded directory (cn=config and the database with the base
 * DIT: base_dn, user_base, group_base, latchkey_base, a default passkey
 * profile, TAP policy and campaign policy) under STATE_DIR/slapd, owned by
 * owner/group, with SASL EXTERNAL over ldapi granting full access to root
 * and to owner.  Runs slapadd; does not start slapd.  Returns 0, or -1 with
 * a reason in err (a missing slapd binary names the Debian package).
 */
int		 slapd_setup(const struct conf *, uid_t owner, gid_t group, char *err, size_t errlen);
/* Creates a supervisor; nothing runs until slapd_start. */
struct slapd	*slapd_new(struct event_base *, const struct conf *);
/*
 * Starts slapd in the foreground as a child and supervises it: if it dies it
 * is restarted with backoff (1 s doubling to 30 s), with one log line per
 * state change.  Returns 0, or -1 if it could not even be started.
 */
int		 slapd_start(struct slapd *);
/* Stops slapd (SIGTERM, then SIGKILL after 5 s) and waits for it.  NULL-safe free. */
void		 slapd_stop(struct slapd *);
void		 slapd_free(struct slapd *);
/* Process id of the running slapd, or -1 (tests and /metrics). */
pid_t		 slapd_pid(const struct slapd *);

#endif
