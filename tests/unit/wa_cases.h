/*
 * wa_cases.h: the runner of the case files in tests/data/webauthn/
 * (W3C Level 3 §16 vectors and real-device captures), shared by
 * test_webauthn.c, which puts them in its one cmocka group.
 */
#ifndef LATCHKEY_WA_CASES_H
#define LATCHKEY_WA_CASES_H

#include <glob.h>

/*
 * Finds the case files under $top_srcdir/tests/data/webauthn (top_srcdir
 * defaults to ".").  Returns 0 with at least one path in g, or -1 after
 * saying why on stderr: no case file at all means the data was not found.
 */
int	 cases_glob(glob_t *g);
/* A cmocka test: *state is the path of one case file. */
void	 cases_run(void **state);

#endif
