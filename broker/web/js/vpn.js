// vpn.js: the VPN approval page ("/vpn?code=K7Q2MX").  The VPN showed a
// code and this address; the person unlocks a passkey here, and the code
// ties that sign-in to the VPN's waiting request.  A sign-in of the last
// few minutes is used as it is; otherwise the browser asks for a passkey
// first (the same sign-in as on "/", without a user name).

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

async function approve(value) {
	try {
		return await api("POST", "/api/v1/vpn/approve", { code: value });
	} catch (err) {
		if (!err || err.code !== "signin_required")
			throw err;
	}
	await signin();
	return await api("POST", "/api/v1/vpn/approve", { code: value });
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
		await approve(value);
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

function start() {
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
