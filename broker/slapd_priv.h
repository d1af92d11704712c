/*
 * slapd_priv.h: private to the embedded directory (slapd.c, the supervisor,
 * and slapd_setup.c, which creates it).  Callers include slapd.h only.
 */
#ifndef LATCHKEY_SLAPD_PRIV_H
#define LATCHKEY_SLAPD_PRIV_H

#include <stddef.h>

struct conf;

#define SLAPD_NOT_FOUND		"slapd not found: install the Debian package slapd"

/* STATE_DIR/slapd, or a path under it (new string). */
char		*slapd_path(const struct conf *, const char *sub);
/*
 * Finds an executable: want if given (a path, or a name looked up in PATH),
 * else builtin, else name in PATH and the sbin directories a non-root PATH
 * often lacks.  0 with the path in out, or -1.
 */
int		 slapd_find_bin(const char *want, const char *builtin, const char *name,
		    char *out, size_t outlen);
/*
 * In a forked child: stdout to outfd (-1: /dev/null), stderr to errfd, no
 * inherited descriptors or signal state, then exec argv.  Never returns.
 */
void		 slapd_child_exec(int outfd, int errfd, char *const argv[])
		    __attribute__((noreturn));

#endif
