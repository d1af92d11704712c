/*
 * http.h: the web listeners on evhttp.  Plain HTTP only on loopback
 * addresses; HTTPS with the configured certificate and key over OpenSSL
 * bufferevents.  Routes are a table of (method, path) -> handler; limits on
 * header and body sizes; JSON in and out with jansson; request counters and
 * latencies for /metrics.
 */
#ifndef LATCHKEY_HTTP_H
#define LATCHKEY_HTTP_H

#include <stddef.h>

#include <jansson.h>

struct event_base;
struct evhttp_request;
struct conf;
struct http;

typedef void (*http_handler)(struct evhttp_request *, void *arg);

/* One route; path ending in '*' matches the prefix. */
struct http_route {
	const char	*method;	/* "GET", "POST", ...; NULL: any */
	const char	*path;
	http_handler	 handler;
};

/*
 * Binds every listener of conf and loads the TLS certificate (done as root,
 * before the privilege drop).  Returns NULL with a reason in err.
 */
struct http	*http_new(struct event_base *, const struct conf *, char *err, size_t errlen);
void		 http_free(struct http *);
/* Adds n routes, all called with arg. */
void		 http_add_routes(struct http *, const struct http_route *, size_t n, void *arg);
/* Reloads limits and the TLS certificate on SIGHUP; listeners stay. 0 or -1. */
int		 http_reconf(struct http *, const struct conf *, char *err, size_t errlen);

/* The port listener i (in conf order) is bound to, or -1: for a configured port 0. */
int		 http_port(const struct http *, size_t i);
/*
 * Parks a request on asynchronous work (STYLE 11).  If the client goes away,
 * or the server shuts down, before the reply, gone(arg) is called once and
 * the request no longer exists: the owner cancels its work and never
 * replies.  Replying unparks the request.
 */
void		 http_park(struct evhttp_request *, void (*gone)(void *), void *arg);

/* Replies with a JSON body (takes the reference to body) and no-store. */
void		 http_reply_json(struct evhttp_request *, int status, json_t *body);
/* Replies {"error": code, "message": message}. */
void		 http_reply_error(struct evhttp_request *, int status, const char *code, const char *message);
/* Replies with a text body of the given content type. */
void		 http_reply_text(struct evhttp_request *, int status, const char *ctype, const char *text, size_t len);

#endif
