/*
 * mds_load.c: at start-up, the stored FIDO metadata BLOB becomes attestation
 * trust.  Kept apart from mds.c so that latchkeyctl, which imports and shows
 * BLOBs, does not link the attestation trust store.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "attest.h"
#include "conf.h"
#include "log.h"
#include "mds.h"
#include "util.h"

int
mds_load(const struct conf *conf, struct attest_trust *trust, char *err,
    size_t errlen)
{
	struct mds_blob	*blob;
	size_t		 i;

	if (mds_stored(conf, util_now(), &blob, err, errlen) == -1)
		return -1;
	if (blob == NULL) {
		log_info("no FIDO metadata imported: attestation is trusted "
		    "through configured roots only");
		return 0;
	}
	/*
	 * A BLOB whose nextUpdate passed while the daemon ran is still the
	 * best list there is; refusing it would drop every anchor at once.
	 */
	if (blob->stale)
		log_warnx("FIDO metadata BLOB no %" PRIu64 ": its nextUpdate %s "
		    "has passed; import the current one with latchkeyctl mds "
		    "import", blob->no, blob->next_update);
	for (i = 0; i < blob->nentries; i++) {
		if (attest_trust_add_mds(trust, &blob->entries[i], err,
		    errlen) == -1) {
			mds_blob_free(blob);
			return -1;
		}
	}
	log_info("FIDO metadata BLOB no %" PRIu64 " loaded: %zu entries (%zu "
	    "compromised), next update %s", blob->no, blob->nentries,
	    blob->ncompromised, blob->next_update);
	mds_blob_free(blob);
	return 0;
}
