/*
 * api_client.c: what the drivers of the live JSON API tests share:
 * libevent's HTTP client (one connection per request, our Origin, the
 * session cookie), TAP output, and registration and sign-in with the
 * software authenticator.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include "api_client.h"
#include "softauthn.h"
#include "util.h"
#include "xmalloc.h"

static void	 on_done(struct evhttp_request *, void *);

struct event_base	*base;
char			*host;
int			 port;
char			*origin;	/* the URL, our origin */
char			*rp_id;
int			 ntests, nfailed;

void
check(int ok, const char *fmt, ...)
{
	va_list	 ap;

	ntests++;
	if (!ok)
		nfailed++;
	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void
x_clear(struct x *x)
{
	free(x->body);
	json_decref(x->json);
	free(x->cookie);
	free(x->retry_after);
	if (x->conn != NULL)
		evhttp_connection_free(x->conn);
	memset(x, 0, sizeof(*x));
}

static void
on_done(struct evhttp_request *req, void *arg)
{
	struct x		*x = arg;
	struct evbuffer		*in;
	struct evkeyval		*h;
	size_t			 len;
	const char		*v;

	x->done = 1;
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		x->status = -1;
		return;
	}
	x->status = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	x->body = xmalloc(len + 1);
	evbuffer_remove(in, x->body, len);
	x->body[len] = '\0';
	x->json = json_loadb(x->body, len, 0, NULL);
	TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next) {
		if (strcasecmp(h->key, "Set-Cookie") == 0 &&
		    strncmp(h->value, COOKIE_NAME "=", strlen(COOKIE_NAME) + 1) == 0) {
			free(x->cookie);
			x->cookie = xstrdup(h->value);
			x->cookie[strcspn(x->cookie, ";")] = '\0';
			if (strcmp(x->cookie, COOKIE_NAME "=") == 0)
				x->cookie[0] = '\0';
		}
	}
	if ((v = evhttp_find_header(evhttp_request_get_input_headers(req), "Retry-After")) != NULL)
		x->retry_after = xstrdup(v);
}

/* Starts a request on its own connection (freed with the base). */
void
start(struct x *x, const char *method, const char *path, const char *org,
    const char *ctype, const char *body, size_t len, const char *cookie)
{
	struct evhttp_connection	*c;
	struct evhttp_request		*req;
	struct evkeyvalq		*h;
	enum evhttp_cmd_type		 cmd = EVHTTP_REQ_POST;
	char				 clen[32];

	memset(x, 0, sizeof(*x));
	if (strcmp(method, "GET") == 0)
		cmd = EVHTTP_REQ_GET;
	else if (strcmp(method, "PATCH") == 0)
		cmd = EVHTTP_REQ_PATCH;
	else if (strcmp(method, "DELETE") == 0)
		cmd = EVHTTP_REQ_DELETE;
	c = x->conn = evhttp_connection_base_new(base, NULL, host, (unsigned short)port);
	evhttp_connection_set_timeout(c, 20);
	req = evhttp_request_new(on_done, x);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", host);
	evhttp_add_header(h, "Connection", "close");
	if (org != NULL)
		evhttp_add_header(h, "Origin", org);
	if (ctype != NULL)
		evhttp_add_header(h, "Content-Type", ctype);
	if (cookie != NULL && *cookie != '\0')
		evhttp_add_header(h, "Cookie", cookie);
	if (body != NULL) {
		/* libevent's client adds Content-Length on POST and PUT only. */
		if (cmd != EVHTTP_REQ_POST) {
			snprintf(clen, sizeof(clen), "%zu", len);
			evhttp_add_header(h, "Content-Length", clen);
		}
		evbuffer_add(evhttp_request_get_output_buffer(req), body, len);
	}
	if (evhttp_make_request(c, req, cmd, path) == -1)
		x->done = 1, x->status = -1;
}

void
wait_all(struct x *xs, size_t n)
{
	size_t	 i;

	for (;;) {
		for (i = 0; i < n && xs[i].done; i++)
			;
		if (i == n)
			return;
		event_base_loop(base, EVLOOP_ONCE);
	}
}

/* A request with our Origin and JSON; body NULL: none. */
void
req(struct x *x, const char *method, const char *path, const char *body,
    const char *cookie)
{
	start(x, method, path, origin, body != NULL ? CT_JSON : NULL, body,
	    body != NULL ? strlen(body) : 0, cookie);
	wait_all(x, 1);
}

/* Same, with a body built by json_pack (reference taken). */
void
reqj(struct x *x, const char *method, const char *path, json_t *body, const char *cookie)
{
	char	*s = json_dumps(body, JSON_COMPACT);

	json_decref(body);
	req(x, method, path, s, cookie);
	free(s);
}

const char *
err_of(const struct x *x)
{
	const char	*e = json_string_value(json_object_get(x->json, "error"));

	return (e != NULL ? e : "(none)");
}

/* The status and the error code together: the outcome a page would see. */
void
expect_err(const struct x *x, int status, const char *code, const char *what)
{
	check(x->status == status && strcmp(err_of(x), code) == 0,
	    "%s: %d %s (got %d %s)", what, status, code, x->status, err_of(x));
}

const char *
jstr(json_t *o, const char *path1, const char *path2)
{
	json_t	*v = json_object_get(o, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return (json_string_value(v));
}

/* The challenge of an options answer, decoded. */
unsigned char *
challenge_of(const struct x *x, size_t *len)
{
	const char	*c = jstr(json_object_get(x->json, "publicKey"), "challenge", NULL);

	*len = 0;
	return (c != NULL ? util_b64url_decode(c, strlen(c), len) : NULL);
}

/* register begin + finish with cred; returns the finish status; *x holds the finish answer. */
int
do_register(struct x *x, const char *cookie, struct sa_cred *cred, uint8_t flags,
    const char *label, char **ceremony_out, char **resp_out)
{
	return (do_register_with(x, cookie, cred, flags, label, NULL, NULL, NULL,
	    ceremony_out, resp_out));
}

/* The same with an attestation format and CA; *begin_out: the options answer (a reference). */
int
do_register_with(struct x *x, const char *cookie, struct sa_cred *cred, uint8_t flags,
    const char *label, const char *fmt, const struct sa_ca *ca, json_t **begin_out,
    char **ceremony_out, char **resp_out)
{
	struct sa_opts	 o;
	unsigned char	*ch;
	size_t		 chlen;
	char		*resp, *cer;
	json_t		*body;

	req(x, "POST", "/api/v1/passkeys/register/begin", "{}", cookie);
	if (x->status != 200)
		return (x->status);
	ch = challenge_of(x, &chlen);
	cer = xstrdup(jstr(x->json, "ceremony", NULL));
	if (begin_out != NULL)
		*begin_out = json_incref(x->json);
	sa_opts_init(&o, rp_id, origin, ch, chlen);
	o.flags = flags;
	if (fmt != NULL)
		o.fmt = fmt;
	o.ca = ca;
	resp = sa_register(cred, &o);
	body = json_pack("{s:s, s:o}", "ceremony", cer, "credential", json_loads(resp, 0, NULL));
	if (label != NULL)
		json_object_set_new(body, "label", json_string(label));
	x_clear(x);
	reqj(x, "POST", "/api/v1/passkeys/register/finish", body, cookie);
	free(ch);
	if (ceremony_out != NULL)
		*ceremony_out = cer;
	else
		free(cer);
	if (resp_out != NULL)
		*resp_out = resp;
	else
		free(resp);
	return (x->status);
}

/* signin begin (username or NULL) + finish with cred; *x holds the finish answer. */
int
do_signin(struct x *x, const char *username, struct sa_cred *cred,
    const unsigned char *uh, size_t uhlen, uint8_t flags, int bad_sig, size_t *nallow)
{
	struct sa_opts	 o;
	unsigned char	*ch;
	size_t		 chlen;
	char		*resp, *cer;
	json_t		*body;

	if (username != NULL)
		reqj(x, "POST", "/api/v1/signin/begin", json_pack("{s:s}", "username",
		    username), NULL);
	else
		req(x, "POST", "/api/v1/signin/begin", "{}", NULL);
	if (x->status != 200)
		return (x->status);
	if (nallow != NULL)
		*nallow = json_array_size(json_object_get(json_object_get(x->json,
		    "publicKey"), "allowCredentials"));
	ch = challenge_of(x, &chlen);
	cer = xstrdup(jstr(x->json, "ceremony", NULL));
	sa_opts_init(&o, rp_id, origin, ch, chlen);
	o.flags = flags;
	o.user_handle = uh;
	o.user_handle_len = uhlen;
	o.bad_signature = bad_sig;
	cred->count++;
	resp = sa_assert(cred, &o);
	body = json_pack("{s:s, s:o}", "ceremony", cer, "credential", json_loads(resp, 0, NULL));
	x_clear(x);
	reqj(x, "POST", "/api/v1/signin/finish", body, NULL);
	free(ch);
	free(cer);
	free(resp);
	return (x->status);
}

char *
b64(const unsigned char *p, size_t n)
{
	return (util_b64url_encode(p, n));
}
