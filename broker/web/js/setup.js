// setup.js: "Set up your passkey" ("/setup").  The temporary pass from the
// helpdesk buys a session that may do one thing, register a passkey
// (ARCHITECTURE §4): redeem it, create the passkey, save it, and say in
// plain words what was created.

import { api } from "./api.js";
import { createPasskey, supported } from "./webauthn.js";
import { busy, ready, say } from "./ui.js";
import { CAMPAIGN_SNOOZED, UNLOCK, UNSUPPORTED, campaignText, createdNext, createdText,
    errorText } from "./words.js";

const form = document.getElementById("setup-form");
const username = document.getElementById("setup-username");
const code = document.getElementById("setup-code");
const submit = document.getElementById("setup-submit");
const campaign = document.getElementById("campaign");
const campaignSetup = document.getElementById("campaign-setup");
const campaignNotNow = document.getElementById("campaign-not-now");

// The user name whose pass was redeemed in this page: a one-time pass
// works once, so a closed prompt is retried on the session it bought.
let redeemed = null;

const SESSION_OVER = "Setting up took too long. Type your temporary pass again and retry; " +
    "if it worked only once, ask the helpdesk for a new one.";

async function register() {
	const begin = await api("POST", "/api/v1/passkeys/register/begin", {});
	say("Follow your browser's prompt to create your passkey: " + UNLOCK + ".");
	const credential = await createPasskey(begin.publicKey);
	say("Saving your passkey…");
	return api("POST", "/api/v1/passkeys/register/finish",
	    { ceremony: begin.ceremony, credential });
}

// The registration campaign (ARCHITECTURE §5, GET /api/v1/me on the session
// the pass bought): when the organisation asks this person to set up a
// passkey, the page asks first, with "Not now" while snoozes remain.  Any
// failure to read it leaves the page as it was: creating the passkey goes on.
async function campaignPrompt() {
	let me;
	try {
		me = await api("GET", "/api/v1/me");
	} catch (err) {
		return false;
	}
	const c = me && typeof me.campaign === "object" && me.campaign !== null ? me.campaign : null;
	if (!c || c.prompt !== true)
		return false;
	campaignShow(c);
	return true;
}

function campaignShow(c) {
	document.getElementById("campaign-text").textContent = campaignText(c);
	campaignNotNow.hidden = c.canSnooze !== true;
	document.getElementById("setup-start").hidden = true;
	campaign.hidden = false;
	say("");
	campaignSetup.focus();
}

function campaignHide() {
	campaign.hidden = true;
	document.getElementById("setup-start").hidden = false;
}

function done(res) {
	document.getElementById("setup-done").textContent = createdText(res) +
	    " was created for " + redeemed + ".";
	document.getElementById("setup-next").textContent = createdNext(res);
	document.getElementById("setup-start").hidden = true;
	document.getElementById("setup-result").hidden = false;
	document.getElementById("setup-aside").hidden = true;
	say("Your passkey is ready.", "ok");
	document.getElementById("setup-signin").focus();
}

async function setup(name, pass) {
	let step = "setup";
	busy(true, submit);
	try {
		if (redeemed !== name) {
			redeemed = null;
			say("Checking your pass…");
			await api("POST", "/api/v1/tap/redeem", { username: name, code: pass });
			redeemed = name;
			code.value = "";
			if (await campaignPrompt())
				return;
		}
		step = "register";
		const res = await register();
		code.value = "";
		done(res);
	} catch (err) {
		if (step === "register" && err.status === 401) {
			// The session the pass bought has ended (10 minutes at most).
			redeemed = null;
			say(SESSION_OVER, "error");
		} else {
			const text = errorText(err, step);
			say(text, text ? "error" : "");
			if (step === "setup" && err.status === 401)
				code.focus();
		}
	} finally {
		busy(false, submit);
	}
}

campaignSetup.addEventListener("click", async () => {
	if (!supported()) {
		say(UNSUPPORTED, "error");
		return;
	}
	busy(true, campaignSetup, campaignNotNow);
	try {
		const res = await register();
		campaign.hidden = true;
		done(res);
	} catch (err) {
		if (err.status === 401) {
			redeemed = null;
			campaignHide();
			say(SESSION_OVER, "error");
			code.focus();
		} else {
			const text = errorText(err, "register");
			say(text, text ? "error" : "");
		}
	} finally {
		busy(false, campaignSetup, campaignNotNow);
	}
});

campaignNotNow.addEventListener("click", async () => {
	busy(true, campaignSetup, campaignNotNow);
	try {
		await api("POST", "/api/v1/me/campaign/snooze", {});
		campaignHide();
		say(CAMPAIGN_SNOOZED, "ok");
		submit.focus();
	} catch (err) {
		if (err.status === 401) {
			redeemed = null;
			campaignHide();
			say(SESSION_OVER, "error");
			code.focus();
		} else {
			// No snoozes left after all (another tab used the last):
			// the prompt stays, without "Not now".
			if (err.code === "snooze_limit" || err.code === "campaign_required")
				campaignNotNow.hidden = true;
			const text = errorText(err, "snooze");
			say(text, text ? "error" : "");
		}
	} finally {
		busy(false, campaignSetup, campaignNotNow);
	}
});

form.addEventListener("submit", (ev) => {
	ev.preventDefault();
	const name = username.value.trim();
	const pass = code.value.trim();
	if (!name) {
		say("Type your user name, then press the button again.", "error");
		username.focus();
		return;
	}
	if (!pass && redeemed !== name) {
		say("Type the temporary pass from your helpdesk, then press the button again.", "error");
		code.focus();
		return;
	}
	if (!supported()) {
		say(UNSUPPORTED, "error");
		return;
	}
	setup(name, pass);
});

if (!supported())
	say(UNSUPPORTED, "error");
ready();
