// passkeys.js: "Your passkeys" ("/passkeys").  Lists the signed-in
// person's passkeys from GET /api/v1/me, with their kind, provider, and
// when each was created and last used; renames and removes them (removing
// the last one asks first: the API answers 409 confirm_last until the
// request says confirm); adds one; signs out.

import { api } from "./api.js";
import { createPasskey, supported } from "./webauthn.js";
import { busy, ready, say } from "./ui.js";
import { UNLOCK, UNSUPPORTED, assuranceText, createdText, dates, errorText, kindText,
    providerText } from "./words.js";

const LABEL_MAX = 64;

const list = document.getElementById("passkeys-list");
const empty = document.getElementById("passkeys-empty");
const template = document.getElementById("passkey-template");
const add = document.getElementById("add-passkey");
const signout = document.getElementById("signout");

function signedOut() {
	window.location.assign("/?signedout=1");
}

// Shows err in the status line; a lost session goes back to sign-in.
function fail(err, ctx) {
	if (err && err.status === 401) {
		signedOut();
		return;
	}
	const text = errorText(err, ctx);
	say(text, text ? "error" : "");
}

function setTime(el, iso) {
	const d = dates(iso);
	el.textContent = d.absolute ? d.relative + " (" + d.absolute + ")" : d.relative;
	if (d.absolute) {
		el.dateTime = iso;
		el.title = d.absolute;
	}
}

function passkeyPath(pk) {
	return "/api/v1/me/passkeys/" + encodeURIComponent(pk.id);
}

async function rename(li, pk, label) {
	try {
		await api("PATCH", passkeyPath(pk), { label });
		say("Passkey renamed to \u201c" + label + "\u201d.", "ok");
		await load();
	} catch (err) {
		fail(err, "rename");
		if (err.status === 404)
			await load();
	}
}

// Removes a passkey; confirm is true once the person has said yes for the last one.
async function remove(li, pk, confirm) {
	const buttons = li.querySelectorAll("button");
	busy(true, ...buttons);
	try {
		await api("DELETE", passkeyPath(pk), confirm ? { confirm: true } : {});
		say("Passkey \u201c" + nameOf(pk) + "\u201d removed.", "ok");
		await load();
	} catch (err) {
		if (err.code === "confirm_last" && !confirm) {
			li.querySelector(".passkey-confirm").hidden = false;
			li.querySelector(".passkey-remove-confirm").focus();
			say("");
		} else {
			fail(err, "remove");
			if (err.status === 404)
				await load();
		}
	} finally {
		busy(false, ...buttons);
	}
}

function nameOf(pk) {
	if (typeof pk.label === "string" && pk.label.trim())
		return pk.label.trim();
	return providerText(pk.authenticator) === "Unknown provider" ?
	    "Passkey" : providerText(pk.authenticator);
}

function wire(li, pk) {
	const form = li.querySelector(".passkey-rename-form");
	const input = li.querySelector(".passkey-rename-input");
	const confirm = li.querySelector(".passkey-confirm");

	li.querySelector(".passkey-rename").addEventListener("click", () => {
		confirm.hidden = true;
		form.hidden = false;
		input.value = nameOf(pk);
		input.focus();
		input.select();
	});
	li.querySelector(".passkey-rename-cancel").addEventListener("click", () => {
		form.hidden = true;
		li.querySelector(".passkey-rename").focus();
	});
	form.addEventListener("submit", (ev) => {
		ev.preventDefault();
		const label = input.value.trim();
		if (!label || label.length > LABEL_MAX) {
			say("Type a name of 1 to " + LABEL_MAX + " characters, then press Save.", "error");
			input.focus();
			return;
		}
		rename(li, pk, label);
	});
	li.querySelector(".passkey-remove").addEventListener("click", () => {
		form.hidden = true;
		remove(li, pk, false);
	});
	li.querySelector(".passkey-remove-confirm").addEventListener("click",
	    () => remove(li, pk, true));
	li.querySelector(".passkey-remove-cancel").addEventListener("click", () => {
		confirm.hidden = true;
		li.querySelector(".passkey-remove").focus();
	});
}

function item(pk, current) {
	const li = template.content.firstElementChild.cloneNode(true);
	li.dataset.id = pk.id;
	li.dataset.type = pk.type === "synced" ? "synced" : "device-bound";
	li.querySelector(".passkey-name").textContent = nameOf(pk);
	li.querySelector(".passkey-kind").textContent = kindText(pk.type);
	li.querySelector(".passkey-provider").textContent = providerText(pk.authenticator);
	setTime(li.querySelector(".passkey-created"), pk.created);
	setTime(li.querySelector(".passkey-used"), pk.lastUsed);
	li.querySelector(".passkey-current").hidden = !(current && current === pk.id) &&
	    pk.current !== true;
	wire(li, pk);
	return li;
}

// (Re)draws the list from GET /api/v1/me.
async function load() {
	const me = await api("GET", "/api/v1/me");
	const who = me.displayName || me.user || "";
	document.getElementById("passkeys-user").textContent = who;
	const strong = document.getElementById("passkeys-assurance");
	strong.textContent = assuranceText(me.assurance);
	strong.hidden = strong.textContent === "";
	const passkeys = Array.isArray(me.passkeys) ?
	    me.passkeys.filter((pk) => pk && typeof pk.id === "string") : [];
	list.replaceChildren(...passkeys.map((pk) => item(pk, me.passkeyId)));
	empty.hidden = passkeys.length > 0;
}

add.addEventListener("click", async () => {
	if (!supported()) {
		say(UNSUPPORTED, "error");
		return;
	}
	busy(true, add, signout);
	try {
		const begin = await api("POST", "/api/v1/passkeys/register/begin", {});
		say("Follow your browser's prompt to create the passkey: " + UNLOCK + ".");
		const credential = await createPasskey(begin.publicKey);
		say("Saving your passkey…");
		const res = await api("POST", "/api/v1/passkeys/register/finish",
		    { ceremony: begin.ceremony, credential });
		await load();
		say(createdText(res) + " was added.", "ok");
	} catch (err) {
		fail(err, "register");
	} finally {
		busy(false, add, signout);
	}
});

signout.addEventListener("click", async () => {
	busy(true, add, signout);
	try {
		await api("POST", "/api/v1/signout", {});
	} catch (err) {
		// Signed out already is signed out; anything else says so.
		if (err.status !== 401) {
			fail(err, "signout");
			busy(false, add, signout);
			return;
		}
	}
	signedOut();
});

async function start() {
	try {
		await load();
	} catch (err) {
		fail(err, "load");
	}
	ready();
}

start();
