// vpn.js: the VPN approval page ("/vpn?code=K7Q2MX").  The VPN showed a
// code and this address; the person unlocks a passkey here, and the code
// ties that sign-in to the VPN's waiting request.  A sign-in of the last
// few minutes is used as it is; otherwise the browser asks for a passkey
// first (the same sign-in as on "/", without a user name).
//
// A VPN that cannot show a code (hold mode) waits instead: while this page
// is open with a passkey sign-in, it asks every 2 s whether the person's
// VPN is waiting, and offers to approve that request by itself.

import { api } from "./api.js";
import { getPasskey, supported } from "./webauthn.js";
import { busy, ready, say } from "./ui.js";
import { UNLOCK, UNSUPPORTED, errorText } from "./words.js";

const form = document.getElementById("vpn-form");
const code = document.getElementById("vpn-code");
const approveButton = document.getElementById("vpn-approve");

// A passkey sign-in (no user name: the browser lists this site's passkeys).
async function signin() {
	say("Follow your browser's prompt: " + UNLOCK + ".");
	const begin = await api("POST", "/api/v1/signin/begin", {});
	const credential = await getPasskey(begin.publicKey);
	say("Checking your passkey…");
	await api("POST", "/api/v1/signin/finish", { ceremony: begin.ceremony, credential });
}

// body: { code } from the form, or { id } of a waiting request.
async function approve(body) {
	try {
		return await api("POST", "/api/v1/vpn/approve", body);
	} catch (err) {
		if (!err || err.code !== "signin_required")
			throw err;
	}
	await signin();
	return await api("POST", "/api/v1/vpn/approve", body);
}

// The server's own sentence for the VPN's refusals: it says what to do.
function vpnText(err) {
	if (err && typeof err.code === "string" && err.code.startsWith("vpn_") && err.message)
		return err.message;
	return errorText(err, "signin");
}

form.addEventListener("submit", async (ev) => {
	ev.preventDefault();
	const value = code.value.trim();
	if (!value) {
		say("Type the code your VPN shows, then press the button.", "error");
		code.focus();
		return;
	}
	if (!supported()) {
		say(UNSUPPORTED, "error");
		return;
	}
	busy(true, approveButton);
	try {
		await approve({ code: value });
		document.getElementById("vpn-start").hidden = true;
		document.getElementById("vpn-result").hidden = false;
		say("Your VPN can continue: press Continue on it.", "ok");
	} catch (err) {
		const text = vpnText(err);
		say(text, text ? "error" : "");
	} finally {
		busy(false, approveButton);
	}
});

// Hold mode: the request the VPN is waiting on, if any.
const hold = document.getElementById("vpn-hold");
const holdText = document.getElementById("vpn-hold-text");
const holdButton = document.getElementById("vpn-hold-approve");
const POLL_MS = 2000;
let waiting = null;	// { id, from } shown now
let approving = false;

async function poll() {
	if (approving)
		return;
	let list = [];
	let signedOut = false;
	try {
		const res = await api("GET", "/api/v1/vpn/pending");
		list = Array.isArray(res.pending) ? res.pending : [];
	} catch (err) {
		// Not signed in yet: offer to; the server busy: ask again later.
		signedOut = err && err.status === 401;
	}
	if (approving)
		return;
	waiting = list.length > 0 ? list[0] : null;
	hold.hidden = waiting === null && !signedOut;
	if (waiting) {
		const from = waiting.from || waiting.client || "an unknown place";
		holdText.textContent = "Your VPN is asking to sign in from " + from +
		    ": unlock to approve.";
		holdButton.textContent = "Unlock and approve";
	} else if (signedOut) {
		holdText.textContent = "Is your VPN waiting without showing a code? " +
		    "Unlock with your passkey to see its request here.";
		holdButton.textContent = "Unlock to check";
	}
}

holdButton.addEventListener("click", async () => {
	if (!supported()) {
		say(UNSUPPORTED, "error");
		return;
	}
	approving = true;
	busy(true, holdButton);
	try {
		if (!waiting) {
			await signin();
			say("");
			approving = false;
			await poll();
			if (!waiting)
				say("Your VPN is not waiting for you right now. Start " +
				    "signing in on it; its request shows here.");
			return;
		}
		await approve({ id: waiting.id });
		hold.hidden = true;
		document.getElementById("vpn-start").hidden = true;
		document.getElementById("vpn-result").hidden = false;
		document.getElementById("vpn-done").textContent =
		    "Approved: your VPN is signing you in now.";
		say("Approved: your VPN is signing you in now.", "ok");
	} catch (err) {
		const text = vpnText(err);
		say(text, text ? "error" : "");
	} finally {
		busy(false, holdButton);
		approving = false;
	}
});

function start() {
	poll();
	setInterval(poll, POLL_MS);
	const params = new URLSearchParams(window.location.search);
	const given = params.get("code");
	if (given)
		code.value = given.length === 6 ? given.slice(0, 3) + "-" + given.slice(3) : given;
	if (!supported()) {
		say(UNSUPPORTED, "error");
		busy(true, approveButton);
	} else if (given) {
		say("Check that this code is the one your VPN shows, then press the button.");
	}
	ready();
}

start();
