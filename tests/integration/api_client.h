/*
 * api_client.h: the HTTP client and the ceremonies the live API test
 * drivers (api_live, api_policy_live) share.  Tests only.
 */
#ifndef LATCHKEY_API_CLIENT_H
#define LATCHKEY_API_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define COOKIE_NAME	"latchkey_session"
#define CT_JSON		"application/json"

struct event_base;
struct evhttp_connection;
struct sa_ca;
struct sa_cred;

/* One exchange: what was sent and what came back. */
struct x {
	int		 done;
	int		 status;
	char		*body;
	json_t		*json;
	char		*cookie;	/* "latchkey_session=V" from Set-Cookie; "" if cleared */
	char		*retry_after;
	struct evhttp_connection *conn;
};

extern struct event_base	*base;
extern char			*host;
extern int			 port;
extern char			*origin;	/* the URL, our origin */
extern char			*rp_id;
extern int			 ntests, nfailed;

/* One TAP line. */
void		 check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void		 x_clear(struct x *);
/* Starts a request on its own connection; wait_all runs the loop until all are done. */
void		 start(struct x *, const char *method, const char *path, const char *org,
		    const char *ctype, const char *body, size_t len, const char *cookie);
void		 wait_all(struct x *, size_t n);
/* A request with our Origin and JSON (body NULL: none), waited for. */
void		 req(struct x *, const char *method, const char *path, const char *body,
		    const char *cookie);
/* Same, with a body built by json_pack (reference taken). */
void		 reqj(struct x *, const char *method, const char *path, json_t *body,
		    const char *cookie);
const char	*err_of(const struct x *);
/* The status and the error code together: the outcome a page would see. */
void		 expect_err(const struct x *, int status, const char *code, const char *what);
const char	*jstr(json_t *, const char *path1, const char *path2);
unsigned char	*challenge_of(const struct x *, size_t *len);
/* register begin + finish; the finish status; *x holds the finish answer. */
int		 do_register(struct x *, const char *cookie, struct sa_cred *, uint8_t flags,
		    const char *label, char **ceremony_out, char **resp_out);
int		 do_register_with(struct x *, const char *cookie, struct sa_cred *,
		    uint8_t flags, const char *label, const char *fmt, const struct sa_ca *,
		    json_t **begin_out, char **ceremony_out, char **resp_out);
/* signin begin (username or NULL) + finish; *x holds the finish answer. */
int		 do_signin(struct x *, const char *username, struct sa_cred *,
		    const unsigned char *uh, size_t uhlen, uint8_t flags, int bad_sig,
		    size_t *nallow);
char		*b64(const unsigned char *, size_t);

#endif
