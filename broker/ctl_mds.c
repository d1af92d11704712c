/*
 * ctl_mds.c: `latchkeyctl mds import FILE [--root PEM]` and `mds show`: the
 * FIDO metadata BLOB an administrator downloads and brings to the
 * appliance (docs/mds.md).  latchkeyd reads the stored BLOB at start.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "mds.h"
#include "util.h"

#define MDS_IMPORT_USAGE	"usage: latchkeyctl mds import FILE [--root PEM]"

static json_t	*mds_json(const struct mds_blob *);
static void	 mds_import_print(json_t *);
static void	 mds_show_print(json_t *);

int
ctl_mds_import(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct mds_blob	*blob;
	const char	*root = NULL;
	char		 err[MDS_ERR_MAX];
	int		 ch;

	optind = 0;	/* glibc: start afresh, forgetting the main parse's ordering */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			root = optarg;
			break;
		default:
			return ctl_fail(ctl, "usage", MDS_IMPORT_USAGE);
		}
	}
	if (argc - optind != 1)
		return ctl_fail(ctl, "usage", MDS_IMPORT_USAGE);
	if (mds_import(ctl->conf, argv[optind], root, util_now(), &blob, err,
	    sizeof(err)) == -1)
		return ctl_fail(ctl, "mds_refused", "%s: %s", argv[optind], err);
	ctl_print(ctl, mds_json(blob), mds_import_print);
	mds_blob_free(blob);
	return 0;
}

int
ctl_mds_show(struct ctl *ctl, int argc, char **argv)
{
	struct mds_blob	*blob;
	char		 err[MDS_ERR_MAX];

	(void)argv;
	if (argc != 1)
		return ctl_fail(ctl, "usage", "usage: latchkeyctl mds show");
	if (mds_stored(ctl->conf, util_now(), &blob, err, sizeof(err)) == -1)
		return ctl_fail(ctl, "mds_invalid", "the stored metadata BLOB "
		    "does not verify: %s", err);
	if (blob == NULL)
		return ctl_fail(ctl, "not_found", "no metadata BLOB imported: "
		    "use latchkeyctl mds import FILE");
	ctl_print(ctl, mds_json(blob), mds_show_print);
	mds_blob_free(blob);
	return 0;
}

static json_t *
mds_json(const struct mds_blob *blob)
{
	return json_pack("{s:I, s:s, s:b, s:I, s:I, s:I}",
	    "no", (json_int_t)blob->no, "next_update", blob->next_update,
	    "stale", blob->stale, "entries", (json_int_t)blob->nentries,
	    "compromised", (json_int_t)blob->ncompromised,
	    "skipped", (json_int_t)blob->nskipped);
}

static void
mds_import_print(json_t *j)
{
	printf("imported BLOB no %" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT
	    " entries (%" JSON_INTEGER_FORMAT " compromised), next update %s\n",
	    json_integer_value(json_object_get(j, "no")),
	    json_integer_value(json_object_get(j, "entries")),
	    json_integer_value(json_object_get(j, "compromised")),
	    json_string_value(json_object_get(j, "next_update")));
}

static void
mds_show_print(json_t *j)
{
	printf("BLOB no %" JSON_INTEGER_FORMAT "\nnext update %s%s\n"
	    "entries %" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT
	    " compromised, %" JSON_INTEGER_FORMAT " UAF entries skipped)\n",
	    json_integer_value(json_object_get(j, "no")),
	    json_string_value(json_object_get(j, "next_update")),
	    json_is_true(json_object_get(j, "stale")) ?
	    " (passed: import the current BLOB)" : "",
	    json_integer_value(json_object_get(j, "entries")),
	    json_integer_value(json_object_get(j, "compromised")),
	    json_integer_value(json_object_get(j, "skipped")));
}
