// The peer of the issue 4 benchmark (docs/benchmarks.md): how many
// assertions per second @simplewebauthn/server's verifyAuthenticationResponse()
// verifies, bare: one ES256 assertion made here with node:crypto, checked
// again and again against its credential record, each call awaited.
// No HTTP, no directory, no session: the verification alone.
//
//   node bench.mjs [SECONDS]
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { verifyAuthenticationResponse } from '@simplewebauthn/server';

const seconds = Number(process.argv[2] ?? 3);
const rpID = 'localhost';
const origin = 'http://localhost:8080';
const b64url = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => createHash('sha256').update(b).digest();

// The credential: a P-256 key, its COSE_Key (RFC 9053 EC2, alg ES256).
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = publicKey.export({ format: 'jwk' });
const cose = Buffer.concat([
	Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
	Buffer.from(jwk.x, 'base64url'),
	Buffer.from([0x22, 0x58, 0x20]),
	Buffer.from(jwk.y, 'base64url'),
]);
const credentialID = randomBytes(32);

// One assertion: authenticatorData (UP, UV, BE, BS; signCount 0, as a synced
// passkey sends), clientDataJSON, and the DER ECDSA signature over both.
const challenge = b64url(randomBytes(32));
const authData = Buffer.concat([sha256(rpID), Buffer.from([0x1d, 0, 0, 0, 0])]);
const clientDataJSON = Buffer.from(JSON.stringify({
	type: 'webauthn.get', challenge, origin, crossOrigin: false,
}));
const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), privateKey);
const response = {
	id: b64url(credentialID),
	rawId: b64url(credentialID),
	type: 'public-key',
	response: {
		authenticatorData: b64url(authData),
		clientDataJSON: b64url(clientDataJSON),
		signature: b64url(signature),
		userHandle: b64url(randomBytes(32)),
	},
	clientExtensionResults: {},
	authenticatorAttachment: 'platform',
};
const opts = {
	response,
	expectedChallenge: challenge,
	expectedOrigin: origin,
	expectedRPID: rpID,
	authenticator: { credentialID, credentialPublicKey: cose, counter: 0 },
	requireUserVerification: true,
};

// A warm-up, so the JIT has seen the path before the clock runs.
for (let i = 0; i < 200; i++) {
	const v = await verifyAuthenticationResponse(opts);
	if (!v.verified)
		throw new Error('the assertion did not verify');
}
let n = 0;
const t0 = process.hrtime.bigint();
const end = t0 + BigInt(Math.round(seconds * 1e9));
let now = t0;
while (now < end) {
	for (let i = 0; i < 64; i++) {
		const v = await verifyAuthenticationResponse(opts);
		if (!v.verified)
			throw new Error('the assertion did not verify');
	}
	n += 64;
	now = process.hrtime.bigint();
}
const t = Number(now - t0) / 1e9;
console.log(`simplewebauthn verifyAuthenticationResponse: ${n} in ${t.toFixed(2)} s: ` +
    `${(n / t).toFixed(0)}/s`);
