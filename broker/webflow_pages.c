/*
 * webflow_pages.c: the user pages and their assets, from the files built
 * into the binary (web_data.c, generated from broker/web/).  One exact
 * route per file, so an unknown path stays a 404 and the API keeps its
 * 405s.  Answers carry the file's strong ETag; a matching If-None-Match
 * gets 304 (RFC 9110 §13.1.2), and the browser revalidates every time
 * (no-cache), so a new release is seen at once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "web_data.h"
#include "webflow_priv.h"
#include "xmalloc.h"

static void	 pages_get(struct evhttp_request *, void *);
static int	 pages_etag_match(const char *, const char *);

/* Adds a GET route for every embedded file. */
void
webflow_pages_init(struct webflow *wf)
{
	struct http_route	*rt;
	size_t			 i;

	rt = xcalloc(web_nfiles, sizeof(*rt));
	for (i = 0; i < web_nfiles; i++) {
		rt[i].method = "GET";
		rt[i].path = web_files[i].path;
		rt[i].handler = pages_get;
	}
	http_add_routes(wf->http, rt, web_nfiles, wf);
	free(rt);
}

static void
pages_get(struct evhttp_request *req, void *arg)
{
	const struct web_file	*f;
	struct evhttp_uri	*uri;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	const char		*inm;

	(void)arg;
	uri = evhttp_uri_parse(evhttp_request_get_uri(req));
	f = uri != NULL && evhttp_uri_get_path(uri) != NULL ?
	    web_data_find(evhttp_uri_get_path(uri)) : NULL;
	if (uri != NULL)
		evhttp_uri_free(uri);
	if (f == NULL) {
		http_reply_error(req, 404, "not_found", "no such resource");
		return;
	}
	evhttp_add_header(out, "ETag", f->etag);
	evhttp_add_header(out, "Cache-Control", "no-cache");
	inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
	if (inm != NULL && pages_etag_match(inm, f->etag)) {
		http_reply_text(req, 304, f->ctype, "", 0);
		return;
	}
	http_reply_text(req, 200, f->ctype, f->data, f->len);
}

/* If-None-Match: "*" or a list of entity tags, weak ones compared weakly (RFC 9110 §13.1.2). */
static int
pages_etag_match(const char *list, const char *etag)
{
	const char	*p = list, *q;
	size_t		 n = strlen(etag);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return (1);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' ||
		    p[n] == ' ' || p[n] == '\t'))
			return (1);
		if ((q = strchr(p, ',')) == NULL)
			break;
		p = q;
	}
	return (0);
}
