// words.js: everything the pages say, in words for people.  Every error
// says what to do next.  No specialist terms: people unlock a passkey "with
// their face, fingerprint or PIN, as on their phone".

import { ApiError } from "./api.js";

export const UNLOCK = "unlock with your face, fingerprint or PIN, as on your phone";

// "30 seconds", "2 minutes".
function duration(seconds) {
	if (seconds < 90)
		return seconds === 1 ? "1 second" : seconds + " seconds";
	const m = Math.ceil(seconds / 60);
	return m + " minutes";
}

// API error codes -> what to tell the person (status-independent).
const API_CODES = {
	tap_invalid: "That pass didn't work. Check it and try again, or ask the helpdesk for a new one.",
	tap_wrong: "That pass didn't work. Check it and try again, or ask the helpdesk for a new one.",
	tap_expired: "That pass has expired. Ask the helpdesk for a new one.",
	tap_used: "That pass has already been used. Ask the helpdesk for a new one.",
	tap_not_yet: "That pass can't be used yet. Try again at the time the helpdesk gave you.",
	tap_missing: "There is no pass for this user name. Check the user name, or ask the helpdesk for a pass.",
	snooze_limit: "You've put this off as many times as your organisation allows. Set up your passkey now.",
	already_snoozed: "You've already put this off. You'll be asked again later; you can still create your passkey now.",
	campaign_inactive: "You aren't asked to set up a passkey now. You can still create one here.",
	campaign_required: "You've put this off as many times as your organisation allows. Set up your passkey now.",
	confirm_last: "This is your only passkey. Confirm to remove it.",
	passkey_required: "You can't remove your only passkey: your organisation requires one. Add another passkey first, then remove this one.",
	last_passkey: "You can't remove your only passkey: your organisation requires one. Add another passkey first, then remove this one.",
	passkey_unknown: "That passkey isn't set up for this account. Choose another passkey, or set one up with a temporary pass from your helpdesk.",
	credential_unknown: "That passkey isn't set up for this account. Choose another passkey, or set one up with a temporary pass from your helpdesk.",
	user_unknown: "That passkey isn't set up for this account. Check your user name, or set up a passkey with a temporary pass from your helpdesk.",
	ceremony_unknown: "That took too long. Try again.",
	ceremony_expired: "That took too long. Try again.",
	uv_required: "Your device didn't check that it's you. Try again, and " + UNLOCK + ", when asked.",
	attestation_untrusted: "Your organisation doesn't allow this kind of passkey. Try another phone, computer or security key, or ask the helpdesk which ones are allowed.",
	profile_refused: "Your organisation doesn't allow this kind of passkey. Try another phone, computer or security key, or ask the helpdesk which ones are allowed.",
	key_restricted: "Your organisation doesn't allow this kind of passkey. Try another phone, computer or security key, or ask the helpdesk which ones are allowed.",
	not_allowed: "Your organisation doesn't allow this kind of passkey. Try another phone, computer or security key, or ask the helpdesk which ones are allowed.",
	origin: "This page was opened from the wrong address. Open the sign-in address your helpdesk gave you and try again.",
	bad_origin: "This page was opened from the wrong address. Open the sign-in address your helpdesk gave you and try again.",
	label_invalid: "That name can't be used. Use up to 64 letters, digits or spaces and try again.",
	counter_regression: "That passkey could not be checked: it may have been copied. Use another passkey, and tell the helpdesk.",
	be_changed: "That passkey could not be checked. Try again; if it keeps failing, tell the helpdesk.",
};

// A passkey refused by the organisation's passkey rules (API 403 with one of
// these codes, at registration or at sign-in).  The API's message, already
// for people, says why; these say what to do next.
const POLICY_NEXT = {
	passkey_type: {
		register: "Use another phone, computer or security key, or ask the helpdesk which kind of passkey your organisation allows.",
		signin: "Sign in with another passkey if you have one. If not, ask the helpdesk for a temporary pass and set up a passkey your organisation allows.",
	},
	attestation_required: {
		register: "Your organisation only accepts passkeys whose maker it can check. Use a security key your organisation gave you or approves, or ask the helpdesk which ones are allowed.",
		signin: "Sign in with another passkey if you have one. If not, ask the helpdesk for a temporary pass and set up a passkey your organisation allows.",
	},
	aaguid_not_allowed: {
		register: "Use a phone, computer or security key from the list your organisation allows; the helpdesk can tell you which ones.",
		signin: "Sign in with another passkey if you have one. If not, ask the helpdesk for a temporary pass and set up a passkey your organisation allows.",
	},
	aaguid_blocked: {
		register: "Your organisation no longer accepts passkeys from this maker. Use another phone, computer or security key, or ask the helpdesk which ones are allowed.",
		signin: "Your organisation no longer accepts passkeys from this maker. Ask the helpdesk for a temporary pass and set up a new passkey on another phone, computer or security key.",
	},
	uv_required: {
		register: "Your device didn't check that it's you. Try again, and " + UNLOCK + ", when asked.",
		signin: "Your device didn't check that it's you. Try again, and " + UNLOCK + ", when asked.",
	},
	no_profile: {
		register: "Your account isn't set up to use passkeys yet. Ask the helpdesk to allow passkeys for you, then try again.",
		signin: "Your account isn't set up to use passkeys yet. Ask the helpdesk to allow passkeys for you.",
	},
};

// The API's own sentence (for people) for a refusal by the passkey rules,
// followed by what to do next unless it already says so (it names the
// helpdesk, or asks the person to use, try or set up something); null for
// any other error.
function policyText(err, ctx) {
	if (err.status !== 403 || !Object.prototype.hasOwnProperty.call(POLICY_NEXT, err.code))
		return null;
	const next = POLICY_NEXT[err.code][ctx === "signin" ? "signin" : "register"];
	const why = typeof err.message === "string" ? err.message.trim() : "";
	if (!why || why === err.code)
		return next;
	if (/\b(helpdesk|ask|use|try|set up)\b/i.test(why))
		return why;
	return /[.!?]$/.test(why) ? why + " " + next : why + ". " + next;
}

const AGAIN = "Something went wrong. Try again; if it keeps happening, tell the helpdesk.";

// What to tell the person about a failure of an API call, or null when there
// is nothing to say.  ctx names the step ("signin", "setup", "register",
// "rename", "remove", "load", "signout").
function apiText(err, ctx) {
	if (err.status === 0)
		return "We couldn't reach the sign-in service. Check your connection and try again.";
	if (err.status === 429 || err.code === "tap_locked" || err.code === "locked") {
		const wait = err.retryAfter !== null && err.retryAfter !== undefined ?
		    "Wait " + duration(err.retryAfter) : "Wait a minute";
		return "Too many tries. " + wait + ", then try again.";
	}
	const policy = policyText(err, ctx);
	if (policy)
		return policy;
	if (Object.prototype.hasOwnProperty.call(API_CODES, err.code))
		return API_CODES[err.code];
	if (err.code.startsWith("ceremony"))
		return API_CODES.ceremony_unknown;
	if (err.code.startsWith("origin"))
		return API_CODES.origin;
	if (err.status === 401) {
		if (ctx === "setup")
			return API_CODES.tap_invalid;
		if (ctx === "signin")
			return "That passkey didn't work for this account. Try again, or choose another passkey.";
		return "Your session has ended. Sign in again.";
	}
	if (err.status === 403) {
		if (ctx === "register" || ctx === "setup")
			return API_CODES.profile_refused;
		if (ctx === "remove")
			return API_CODES.passkey_required;
		if (ctx === "snooze")
			return API_CODES.snooze_limit;
		return "You can't do that from here. Sign in again and retry.";
	}
	if (err.status === 404 && (ctx === "rename" || ctx === "remove"))
		return "That passkey is gone already. The list has been updated.";
	if (err.status >= 500)
		return "The sign-in service is having trouble. Wait a minute and try again; if it keeps happening, tell the helpdesk.";
	if (err.status === 400 && (ctx === "register" || ctx === "setup" || ctx === "signin"))
		return "Your passkey could not be checked. Try again; if it keeps failing, tell the helpdesk.";
	return AGAIN;
}

// What to tell the person when the browser's passkey prompt fails.
function browserText(err, ctx) {
	const creating = ctx === "register" || ctx === "setup";
	switch (err.name) {
	case "AbortError":
		return null;
	case "NotAllowedError":
		return creating ?
		    "The passkey prompt was closed or timed out. Press the button to try again, and " + UNLOCK + "." :
		    "The passkey prompt was closed or timed out. Try again; if you have no passkey yet, set one up with a temporary pass from your helpdesk.";
	case "InvalidStateError":
		return creating ?
		    "This device already has a passkey for your account. Sign in with it, or use another phone, computer or security key." :
		    AGAIN;
	case "SecurityError":
		return "This page's address doesn't match the sign-in service. Open the sign-in address your helpdesk gave you and try again.";
	case "NotSupportedError":
		return "This browser can't make passkeys. Update it, or use another up-to-date browser.";
	case "ConstraintError":
		return "This device can't keep a passkey for you. Use a phone, computer or security key that you " + UNLOCK.replace("unlock", "can unlock") + ".";
	default:
		return AGAIN;
	}
}

// The message for any failure of a step, or null when it was a cancel.
export function errorText(err, ctx) {
	if (err instanceof ApiError)
		return apiText(err, ctx);
	if (err && typeof err.name === "string")
		return browserText(err, ctx);
	return AGAIN;
}

export const UNSUPPORTED = "This browser doesn't support passkeys. Update it, or use another up-to-date browser.";

// "A passkey synced to your Google account", from the register/finish
// answer {type: "synced"|"device-bound", authenticator}.
export function createdText(res) {
	const name = typeof res.authenticator === "string" ? res.authenticator.trim() : "";
	if (res.type === "synced") {
		if (/google/i.test(name))
			return "A passkey synced to your Google account";
		if (/icloud|apple/i.test(name))
			return "A passkey saved in iCloud Keychain";
		if (/microsoft|windows/i.test(name))
			return "A passkey synced to your Microsoft account";
		if (name)
			return "A passkey saved in " + name + ", synced across your devices";
		return "A passkey synced across your devices";
	}
	if (/windows hello/i.test(name))
		return "A passkey on this computer, unlocked with Windows Hello";
	if (/yubi|security key|titan|feitian|token|nitro|solo/i.test(name))
		return "A passkey on this security key (" + name + ")";
	if (name)
		return "A passkey on this device only (" + name + ")";
	return "A passkey that stays on this device or security key";
}

// What the person can do next with it.
export function createdNext(res) {
	if (res.type === "synced")
		return "It is also on your other devices signed in to the same account. Next time, sign in and " + UNLOCK + ".";
	return "It stays on this one device and is never copied. Next time, sign in and " + UNLOCK + ".";
}

// Said after a sign-in, from the signin/finish answer or GET /api/v1/me:
// the strongest kind (a passkey on a checked security key or device, used
// with your face, fingerprint or PIN) is named; otherwise nothing.
export function assuranceText(assurance) {
	// A regular expression, not a string: the API's value is no word for people.
	return typeof assurance === "string" && /^aal3$/.test(assurance) ?
	    "Signed in with a security key." : "";
}

// The registration campaign's prompt after a sign-in with a temporary pass:
// {prompt, snoozesLeft, canSnooze} from GET /api/v1/me.
export function campaignText(c) {
	if (c.canSnooze) {
		const n = Number.isInteger(c.snoozesLeft) && c.snoozesLeft >= 0 ? c.snoozesLeft : null;
		const left = n === null ? "" :
		    n === 1 ? " You can put this off 1 more time." :
		    " You can put this off " + n + " more times.";
		return "Your organisation asks you to set up a passkey, so that next time you can sign in " +
		    "without a temporary pass. It takes a minute: " + UNLOCK + "." + left;
	}
	return "Your organisation now requires a passkey. Set one up to continue: " + UNLOCK + ".";
}

export const CAMPAIGN_SNOOZED = "All right, not now. You'll be asked again the next time you sign in. " +
    "You can still create your passkey here at any time.";

export function kindText(type) {
	return type === "synced" ? "Synced across your devices" : "On one device";
}

export function providerText(name) {
	return typeof name === "string" && name.trim() ? name.trim() : "Unknown provider";
}

// "3 days ago (12 Mar 2026, 09:30)" and the absolute form alone.
export function dates(iso) {
	const d = iso ? new Date(iso) : null;
	if (!d || Number.isNaN(d.getTime()))
		return { relative: "Never", absolute: "" };
	const absolute = d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
	const secs = Math.round((d.getTime() - Date.now()) / 1000);
	const steps = [[60, "second"], [3600, "minute"], [86400, "hour"],
	    [86400 * 30, "day"], [86400 * 365, "month"], [Infinity, "year"]];
	const unit = [1, 60, 3600, 86400, 86400 * 30, 86400 * 365];
	let i = 0;
	while (Math.abs(secs) >= steps[i][0])
		i++;
	let relative;
	if (Math.abs(secs) < 45) {
		relative = "Just now";
	} else {
		const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
		relative = rtf.format(Math.round(secs / unit[i]), steps[i][1]);
		relative = relative.charAt(0).toUpperCase() + relative.slice(1);
	}
	return { relative, absolute };
}
