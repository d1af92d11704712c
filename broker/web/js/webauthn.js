// webauthn.js: the browser's passkey calls.  The API sends options and
// expects credentials in the Level 3 JSON forms; the browser's own
// parseCreationOptionsFromJSON / parseRequestOptionsFromJSON and
// credential.toJSON() are used where they exist, and a small fallback
// converts the base64url fields by hand elsewhere.

function fromB64url(s) {
	const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
	const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++)
		out[i] = bin.charCodeAt(i);
	return out.buffer;
}

function toB64url(buf) {
	const bytes = new Uint8Array(buf);
	let bin = "";
	for (let i = 0; i < bytes.length; i++)
		bin += String.fromCharCode(bytes[i]);
	return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function descriptors(list) {
	return (list || []).map((c) => ({ ...c, id: fromB64url(c.id) }));
}

// True when this browser can use passkeys at all.
export function supported() {
	return typeof window.PublicKeyCredential === "function" &&
	    !!navigator.credentials;
}

// True when the user name field may offer passkeys (conditional mediation).
export async function autofillAvailable() {
	try {
		return supported() &&
		    typeof PublicKeyCredential.isConditionalMediationAvailable === "function" &&
		    await PublicKeyCredential.isConditionalMediationAvailable() === true;
	} catch (e) {
		return false;
	}
}

function creationOptions(json) {
	if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function")
		return PublicKeyCredential.parseCreationOptionsFromJSON(json);
	const o = { ...json, challenge: fromB64url(json.challenge),
	    user: { ...json.user, id: fromB64url(json.user.id) } };
	if (json.excludeCredentials)
		o.excludeCredentials = descriptors(json.excludeCredentials);
	return o;
}

function requestOptions(json) {
	if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function")
		return PublicKeyCredential.parseRequestOptionsFromJSON(json);
	const o = { ...json, challenge: fromB64url(json.challenge) };
	if (json.allowCredentials)
		o.allowCredentials = descriptors(json.allowCredentials);
	return o;
}

// RegistrationResponseJSON / AuthenticationResponseJSON (WebAuthn L3 §5.1).
function credentialJSON(cred) {
	if (typeof cred.toJSON === "function") {
		try {
			return cred.toJSON();
		} catch (e) {
			// Fall through: some versions throw on extension results.
		}
	}
	const r = cred.response;
	const out = {
		id: cred.id,
		rawId: toB64url(cred.rawId),
		type: cred.type,
		clientExtensionResults: {},
		response: { clientDataJSON: toB64url(r.clientDataJSON) },
	};
	if (cred.authenticatorAttachment)
		out.authenticatorAttachment = cred.authenticatorAttachment;
	if (r.attestationObject) {
		out.response.attestationObject = toB64url(r.attestationObject);
		out.response.transports = typeof r.getTransports === "function" ?
		    r.getTransports() : [];
		if (typeof r.getAuthenticatorData === "function")
			out.response.authenticatorData = toB64url(r.getAuthenticatorData());
		if (typeof r.getPublicKey === "function") {
			const pk = r.getPublicKey();
			if (pk)
				out.response.publicKey = toB64url(pk);
		}
		if (typeof r.getPublicKeyAlgorithm === "function")
			out.response.publicKeyAlgorithm = r.getPublicKeyAlgorithm();
	} else {
		out.response.authenticatorData = toB64url(r.authenticatorData);
		out.response.signature = toB64url(r.signature);
		if (r.userHandle)
			out.response.userHandle = toB64url(r.userHandle);
	}
	return out;
}

// Creates a passkey from CreationOptionsJSON; resolves with its JSON.
export async function createPasskey(publicKey) {
	const cred = await navigator.credentials.create({
	    publicKey: creationOptions(publicKey) });
	if (!cred)
		throw new DOMException("no credential", "NotAllowedError");
	return credentialJSON(cred);
}

// Asks for a passkey from RequestOptionsJSON; with conditional, through the
// user name field's autofill, until signal aborts.
export async function getPasskey(publicKey, { conditional = false, signal } = {}) {
	const opts = { publicKey: requestOptions(publicKey) };
	if (conditional)
		opts.mediation = "conditional";
	if (signal)
		opts.signal = signal;
	const cred = await navigator.credentials.get(opts);
	if (!cred)
		throw new DOMException("no credential", "NotAllowedError");
	return credentialJSON(cred);
}
