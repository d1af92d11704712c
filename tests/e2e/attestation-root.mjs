// Writes the virtual authenticator's attestation certificate, as PEM, to
// the file named by the first argument: run.sh names it in the test
// instance's latchkey.conf (attestation-root) so that the "admins" profile,
// which requires attested device-bound passkeys, can be tested.  Never for
// a real instance: the certificate's key is published.

import { writeFileSync } from 'node:fs';
import { virtualAttestationPem } from './lib.mjs';

const out = process.argv[2];
if (!out) {
	process.stderr.write('usage: node attestation-root.mjs OUT.pem\n');
	process.exit(2);
}
writeFileSync(out, await virtualAttestationPem());
