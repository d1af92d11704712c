/*
 * web_data.h: the user pages (broker/web/: HTML, CSS and ES modules),
 * generated into broker/web_data.c at build time by broker/web/gen-web-data.py
 * so that the daemon needs no file at run time.  The pages are served at
 * "/", "/setup" and "/passkeys"; the other files at their path under
 * broker/web/ ("/style.css", "/js/api.js").
 */
#ifndef LATCHKEY_WEB_DATA_H
#define LATCHKEY_WEB_DATA_H

#include <stddef.h>

struct web_file {
	const char	*path;	/* "/", "/setup", "/style.css", "/js/api.js" */
	const char	*ctype;	/* Content-Type header value */
	const char	*etag;	/* strong ETag, quotes included: a hash of the bytes */
	const char	*data;	/* the bytes (NUL-terminated, but len counts) */
	size_t		 len;
};

/* Every file, sorted by path (strcmp order). */
extern const struct web_file	web_files[];
extern const size_t		web_nfiles;

/*
 * The file served at path (the decoded path alone, no query string), or
 * NULL.  "/index.html" is not an alias of "/".
 */
const struct web_file	*web_data_find(const char *path);

#endif
