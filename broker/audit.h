/*
 * audit.h: the audit trail, a sink apart from the log: one JSON line per
 * event in the audit file, and the same line to syslog (facility auth).
 * Each line has time, event, outcome, actor, subject, client address and
 * the event's own fields.  Never a TAP code, a challenge or a key.
 */
#ifndef LATCHKEY_AUDIT_H
#define LATCHKEY_AUDIT_H

#include <jansson.h>

/* Opens (creates, mode 0640) the audit file for appending; NULL path: syslog only. 0 or -1. */
int	 audit_open(const char *path, char *err, size_t errlen);
void	 audit_close(void);
/*
 * Writes one event: event ("signin", "registration", "tap.issued",
 * "tap.redeemed", "tap.failed", "tap.locked", "passkey.renamed",
 * "passkey.removed", ...), outcome ("success" or a reason code), actor (who
 * did it), subject (whom it concerns), client (address), and extra fields
 * (an object whose reference is taken; may be NULL).
 */
void	 audit_event(const char *event, const char *outcome, const char *actor,
	    const char *subject, const char *client, json_t *extra);

#endif
