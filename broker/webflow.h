/*
 * webflow.h: the user web flow: the JSON API of ARCHITECTURE §5 (TAP
 * redemption, passkey registration, sign-in, the signed-in user's
 * passkeys) and the static pages (broker/web/, built into the binary).
 * The one place that joins the web side to the directory, the verifier,
 * TAPs, sessions and the audit trail.
 */
#ifndef LATCHKEY_WEBFLOW_H
#define LATCHKEY_WEBFLOW_H

#include "tap.h"

struct attest_trust;
struct conf;
struct event_base;
struct http;
struct store;
struct webflow;

/* Adds the API and page routes to http. */
struct webflow	*webflow_new(struct event_base *, struct http *, struct store *,
		    const struct conf *, const struct attest_trust *,
		    const unsigned char tap_key[TAP_KEY_LEN]);
/* Takes a new configuration and trust store (reload). */
void		 webflow_reconf(struct webflow *, const struct conf *, const struct attest_trust *);
void		 webflow_free(struct webflow *);

#endif
