// signin.js: the sign-in page ("/").  Three ways in, all ending on
// /passkeys: the user name field's autofill (conditional mediation, started
// in the background when the browser offers it), "Sign in with a passkey"
// (no user name: the browser lists the passkeys it has for this site), and
// "Continue" with a typed user name.

import { api } from "./api.js";
import { autofillAvailable, getPasskey, supported } from "./webauthn.js";
import { busy, ready, say } from "./ui.js";
import { UNLOCK, UNSUPPORTED, assuranceText, errorText } from "./words.js";

// A ceremony lives 5 minutes on the server: renew the background one before.
const AUTOFILL_RENEW_MS = 4 * 60 * 1000;
// After a failure other than a closed prompt, offer the passkeys again after this.
const AUTOFILL_RETRY_MS = 5000;

const form = document.getElementById("signin-form");
const username = document.getElementById("username");
const cont = document.getElementById("signin-continue");
const passkey = document.getElementById("signin-passkey");

let autofill = null;	// { abort: AbortController, done: Promise, timer }

async function finish(ceremony, credential) {
	const res = await api("POST", "/api/v1/signin/finish", { ceremony, credential });
	say(assuranceText(res.assurance) || "Signed in.", "ok");
	window.location.assign("/passkeys");
}

// The background request behind the user name field's autofill.  It waits
// until the person picks a passkey there; a button press aborts it first.
async function autofillRun(abort) {
	const begin = await api("POST", "/api/v1/signin/begin", {});
	if (abort.signal.aborted)
		return;
	const credential = await getPasskey(begin.publicKey,
	    { conditional: true, signal: abort.signal });
	say("Checking your passkey…");
	busy(true, cont, passkey);
	try {
		await finish(begin.ceremony, credential);
	} finally {
		busy(false, cont, passkey);
	}
}

function autofillStart() {
	const abort = new AbortController();
	const done = autofillRun(abort).catch((err) => {
		if (abort.signal.aborted)
			return;
		const text = errorText(err, "signin");
		if (text)
			say(text, "error");
		// A failure past the prompt leaves the field without passkeys: offer
		// them again, unless the organisation refused that passkey (offering
		// it again would only be refused again).
		if (err && err.name !== "NotAllowedError" && err.status !== 403)
			window.setTimeout(autofillRestart, AUTOFILL_RETRY_MS);
	});
	const timer = window.setTimeout(autofillRestart, AUTOFILL_RENEW_MS);
	autofill = { abort, done, timer };
}

// Stops the background request and waits until the browser has let go of
// it: a second request while one is pending is refused.
async function autofillStop() {
	if (!autofill)
		return;
	const a = autofill;
	autofill = null;
	window.clearTimeout(a.timer);
	a.abort.abort();
	await a.done;
}

async function autofillRestart() {
	await autofillStop();
	autofillStart();
}

// A sign-in started by a button: with the typed user name, or without.
async function signin(name) {
	if (!supported()) {
		say(UNSUPPORTED, "error");
		return;
	}
	const hadAutofill = autofill !== null;
	busy(true, cont, passkey);
	try {
		await autofillStop();
		say("Follow your browser's prompt: " + UNLOCK + ".");
		const begin = await api("POST", "/api/v1/signin/begin",
		    name ? { username: name } : {});
		const credential = await getPasskey(begin.publicKey);
		say("Checking your passkey…");
		await finish(begin.ceremony, credential);
		return;
	} catch (err) {
		const text = errorText(err, "signin");
		say(text, text ? "error" : "");
	} finally {
		busy(false, cont, passkey);
	}
	if (hadAutofill)
		autofillStart();
}

form.addEventListener("submit", (ev) => {
	ev.preventDefault();
	const name = username.value.trim();
	if (!name) {
		say("Type your user name, then press Continue. Or use \"Sign in with a passkey\".", "error");
		username.focus();
		return;
	}
	signin(name);
});

passkey.addEventListener("click", () => signin(null));

async function start() {
	const params = new URLSearchParams(window.location.search);
	if (params.has("signedout"))
		say("You are signed out.", "ok");
	if (!supported()) {
		say(UNSUPPORTED, "error");
		busy(true, cont, passkey);
	} else if (!params.has("signedout") && await autofillAvailable()) {
		// Not right after signing out: the person meant to leave, so
		// the field does not offer to sign straight back in.
		autofillStart();
	}
	ready();
}

start();
