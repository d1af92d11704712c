/*
 * xmalloc.h: allocation that cannot fail.  Out of memory is fatal: the
 * daemon cannot keep its promises without memory, and a half-done request
 * is worse than a restart by the supervisor.
 */
#ifndef LATCHKEY_XMALLOC_H
#define LATCHKEY_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
int	 xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
/* Wipes len bytes of p, then frees it (NULL-safe): for secrets. */
void	 freezero_x(void *p, size_t len);

#endif
