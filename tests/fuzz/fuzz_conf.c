/*
 * fuzz_conf.c: libFuzzer harness for conf_parse(), the parser of
 * latchkey.conf.  A configuration file is written by an administrator, but
 * `latchkeyd -n` and `latchkeyctl` read files they did not write, so any
 * bytes must give either a valid struct conf or a clear "FILE:LINE: reason",
 * never a crash, a leak or a hang.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "xmalloc.h"

#define FUZZ_CONF_NAME	"fuzz.conf"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_conf_valid(const struct conf *);
static int	fuzz_conf_template(const char *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Warnings only: a log line per input would drown libFuzzer's output. */
	log_init(1, LOG_LEVEL_WARN, "fuzz_conf");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*conf;
	char		*text, err[CONF_ERR_MAX];

	/* conf_parse takes a C string: an embedded NUL ends the text early. */
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	conf = conf_parse(FUZZ_CONF_NAME, text, err, sizeof(err));

	/* The contract of conf.h: a conf, or an error that names the file. */
	if (conf == NULL && (err[0] == '\0' ||
	    strncmp(err, FUZZ_CONF_NAME, strlen(FUZZ_CONF_NAME)) != 0))
		abort();
	if (conf != NULL && !fuzz_conf_valid(conf))
		abort();
	conf_free(conf);
	free(text);
	return 0;
}

/* Validation fills in everything the daemon reads without checking. */
static int
fuzz_conf_valid(const struct conf *conf)
{
	return conf->file != NULL && conf->state_dir != NULL &&
	    conf->audit_file != NULL && conf->nlistens > 0 &&
	    conf->listens[0].host != NULL && conf->public_url != NULL &&
	    conf->rp_id != NULL && conf->norigins > 0 &&
	    conf->nldap_uris > 0 && conf->base_dn != NULL &&
	    conf->user_base != NULL && conf->group_base != NULL &&
	    conf->latchkey_base != NULL &&
	    fuzz_conf_template(conf->user_filter) &&
	    fuzz_conf_template(conf->group_filter) &&
	    (conf->nradius_clients == 0 || conf->radius_listen != NULL);
}

/* store.c expands a filter template printf-style: one %s, no other '%'. */
static int
fuzz_conf_template(const char *filter)
{
	const char	*p;
	int		 n = 0;

	if (filter == NULL)
		return 0;
	for (p = filter; (p = strchr(p, '%')) != NULL; p++) {
		if (p[1] != 's')
			return 0;
		n++;
	}
	return n == 1;
}
