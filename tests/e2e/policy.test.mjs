// Issue 5 in the browser: passkey profiles and the registration campaign,
// as people meet them.  run.sh sets the instance up before this file runs:
//   - group "admins" with dana; profile "admins" (device-bound passkeys,
//     attestation enforced at registration) for it, and the default profile
//     excluding it; the virtual authenticator's attestation certificate is an
//     attestation-root of this instance only (its key is published);
//   - erin, frank, hank: the default profile (any passkey);
//   - group "pilot" with gina; the campaign enabled for it, 0 snooze days
//     (asked at every sign-in) and a limit of 2 snoozes.
// The tests run in this order; the AAGUID block list comes last, and is
// lifted again at the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	withBrowser, goto, waitForPage, errorMessage, waitForMessage, clearMessage,
	answerOf, swapAuthenticator, issueTap, ctl, meOf, JARGON, TIMEOUT_MS, pathOf,
} from './lib.mjs';

const FINISH = '/api/v1/passkeys/register/finish';
const SIGNIN = '/api/v1/signin/finish';
// The AAGUID of Chromium's virtual authenticator (device/fido).
const VIRTUAL_AAGUID = '01020304-0506-0708-0102-030405060708';
// The server reads the policy again at most every 2 s.
const POLICY_CACHE_MS = 2500;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// "Set up your passkey" with a fresh TAP for user; resolves with the
// register/finish answer {status, body}.
async function setup(page, user) {
	const code = await issueTap(user);
	await goto(page, '/setup');
	await clearMessage(page);
	await page.fill('#setup-username', user);
	await page.fill('#setup-code', code);
	return answerOf(page, FINISH, () => page.click('#setup-submit'));
}

// "Sign in now" after set-up: "/" offers the passkey in the user name
// field, and the virtual authenticator picks it at once.
async function signInNow(page) {
	return answerOf(page, SIGNIN, () => page.click('#setup-signin'));
}

// A refusal as the person sees it: an error in #message, in plain words.
async function plainRefusal(page) {
	const msg = await errorMessage(page);
	assert.match(msg, /organisation/i, `the message says it is the organisation's rule: "${msg}"`);
	assert.doesNotMatch(msg, JARGON, `the message is in words for people: "${msg}"`);
	assert.match(msg, /helpdesk|use|try/i, `the message says what to do next: "${msg}"`);
	return msg;
}

test('admins: a synced passkey is refused at registration, in plain words that say what to do',
    { timeout: 45000 }, () => withBrowser('dana-synced', { synced: true }, async (h) => {
	const { page } = h;
	const refused = await setup(page, 'dana');
	assert.equal(refused.status, 403, 'the synced passkey is refused');
	assert.ok(['passkey_type', 'attestation_required'].includes(refused.body?.error),
	    `refused for its kind: ${JSON.stringify(refused.body)}`);
	await plainRefusal(page);
	assert.ok(await page.isHidden('#setup-result'), 'no confirmation is shown');
	assert.ok(await page.isVisible('#setup-submit'), 'the button is there to try another');
}));

// Chromium's virtual authenticator makes a new self-signed certificate
// (same key and name, a new end date) at every registration; the verifier
// takes the configured root as a name and a key (RFC 5280 §6.1.1 d), so
// the test's attestation-root anchors every later registration.

test('admins: after the refusal, a device-bound passkey is accepted and signs in with a security key',
    { timeout: 45000 }, () => withBrowser('dana', { synced: true }, async (h) => {
	const { page } = h;
	const refused = await setup(page, 'dana');
	assert.equal(refused.status, 403, 'the synced passkey is refused first');
	await errorMessage(page);

	// Dana takes a security key instead: the session her pass bought is
	// still good, so the same button goes straight to creating a passkey.
	await swapAuthenticator(h, { synced: false });
	await clearMessage(page);
	const accepted = await answerOf(page, FINISH, () => page.click('#setup-submit'));
	assert.equal(accepted.status, 201, `the device-bound passkey is accepted: ${JSON.stringify(accepted.body)}`);
	assert.equal(accepted.body.type, 'device-bound');
	assert.equal(accepted.body.profile, 'admins', 'the "admins" profile admitted it');
	await page.waitForSelector('#setup-done', { state: 'visible', timeout: TIMEOUT_MS });
	const done = (await page.textContent('#setup-done')).trim();
	assert.match(done, /this device|security key/i, `the confirmation: "${done}"`);
	await h.shot('device-bound-created');

	// (The page moves on at once, so the sign-in's answer is read back
	// from the session: GET /api/v1/me.)
	const signin = await signInNow(page);
	assert.equal(signin.status, 200, `the sign-in is accepted: ${JSON.stringify(signin.body)}`);
	await waitForPage(page, '/passkeys');
	assert.equal((await meOf(page)).assurance, 'aal3',
	    'an attested device-bound passkey with UV is aal3');
	await page.waitForSelector('#passkeys-assurance', { state: 'visible', timeout: TIMEOUT_MS });
	const strong = (await page.textContent('#passkeys-assurance')).trim();
	assert.equal(strong, 'Signed in with a security key.');
}));

test('a standard user\'s synced passkey is accepted and signs in, without the security key line',
    { timeout: 45000 }, () => withBrowser('erin', { synced: true }, async (h) => {
	const { page } = h;
	const accepted = await setup(page, 'erin');
	assert.equal(accepted.status, 201, `accepted: ${JSON.stringify(accepted.body)}`);
	assert.equal(accepted.body.type, 'synced');
	assert.equal(accepted.body.profile, 'default', 'the default profile admitted it');
	await page.waitForSelector('#setup-done', { state: 'visible', timeout: TIMEOUT_MS });
	assert.match(await page.textContent('#setup-done'), /synced/i);

	const signin = await signInNow(page);
	assert.equal(signin.status, 200, `the sign-in is accepted: ${JSON.stringify(signin.body)}`);
	await waitForPage(page, '/passkeys');
	assert.equal((await meOf(page)).assurance, 'aal2', 'a synced passkey is aal2');
	assert.ok(await page.isHidden('#passkeys-assurance'), 'no "security key" line for a synced passkey');
	assert.equal((await page.textContent('#passkeys-user')).trim(), 'erin Example');
}));

test('the campaign: "Set up a passkey" with "Not now" until the snooze limit, then only "Set up a passkey"',
    { timeout: 60000 }, () => withBrowser('gina', { synced: true }, async (h) => {
	const { page } = h;
	for (let round = 1; round <= 3; round++) {
		const code = await issueTap('gina');
		await goto(page, '/setup');
		await clearMessage(page);
		await page.fill('#setup-username', 'gina');
		await page.fill('#setup-code', code);
		const redeem = await answerOf(page, '/api/v1/tap/redeem', () => page.click('#setup-submit'));
		assert.equal(redeem.status, 200, `round ${round}: the TAP is accepted`);
		await page.waitForSelector('#campaign', { state: 'visible', timeout: TIMEOUT_MS });
		assert.ok(await page.isHidden('#setup-form'), `round ${round}: the prompt replaces the form`);
		assert.equal((await page.textContent('#campaign h2')).trim(), 'Set up a passkey');
		assert.ok(await page.isVisible('#campaign-setup'));
		const text = (await page.textContent('#campaign-text')).trim();
		assert.doesNotMatch(text, JARGON, `words for people: "${text}"`);
		await h.shot(`campaign-round-${round}`);
		if (round <= 2) {
			assert.ok(await page.isVisible('#campaign-not-now'),
			    `round ${round}: "Not now" is offered`);
			const left = 3 - round;
			assert.match(text, new RegExp(`put this off ${left} more time`),
			    `round ${round}: says how many more times: "${text}"`);
			const snooze = await answerOf(page, '/api/v1/me/campaign/snooze',
			    () => page.click('#campaign-not-now'));
			assert.equal(snooze.status, 200, `round ${round}: "Not now" is accepted: ${JSON.stringify(snooze.body)}`);
			const msg = await waitForMessage(page, /not now/i);
			assert.match(msg, /asked again/i, `says it will ask again: "${msg}"`);
			assert.ok(await page.isHidden('#campaign'), 'the prompt goes away');
		} else {
			assert.ok(await page.isHidden('#campaign-not-now'),
			    'after the limit there is no "Not now"');
			assert.match(text, /requires a passkey/i, `says it is required now: "${text}"`);
			const created = await answerOf(page, FINISH, () => page.click('#campaign-setup'));
			assert.equal(created.status, 201, `the passkey is created: ${JSON.stringify(created.body)}`);
			await page.waitForSelector('#setup-done', { state: 'visible', timeout: TIMEOUT_MS });
			assert.match(await page.textContent('#setup-done'), /was created for gina\./);
			assert.ok(await page.isHidden('#campaign'), 'the prompt is gone once the passkey exists');
		}
	}
}));

test('an AAGUID block list refuses a registration, then a sign-in with a passkey registered before',
    { timeout: 60000 }, () => withBrowser('frank', { synced: true }, async (fh) => {
	const first = await setup(fh.page, 'frank');
	assert.equal(first.status, 201, `frank's passkey is accepted before the list: ${JSON.stringify(first.body)}`);
	const before = await signInNow(fh.page);
	assert.equal(before.status, 200, 'and signs in');
	await waitForPage(fh.page, '/passkeys');

	await ctl('profile', 'set', 'default', '--keys', 'block', '--aaguid', VIRTUAL_AAGUID);
	try {
		await sleep(POLICY_CACHE_MS);
		await withBrowser('hank', { synced: true }, async (hh) => {
			const refused = await setup(hh.page, 'hank');
			assert.equal(refused.status, 403, 'a new registration from the blocked maker is refused');
			assert.equal(refused.body?.error, 'aaguid_blocked');
			await plainRefusal(hh.page);
			assert.ok(await hh.page.isHidden('#setup-result'), 'no confirmation is shown');
		});

		// Frank, signed out, tries his passkey again.
		await goto(fh.page, '/?signedout=1');
		await clearMessage(fh.page);
		const after = await answerOf(fh.page, SIGNIN, () => fh.page.click('#signin-passkey'));
		assert.equal(after.status, 403, 'his passkey is refused at sign-in now');
		assert.equal(after.body?.error, 'aaguid_blocked');
		await plainRefusal(fh.page);
		assert.equal(pathOf(fh.page), '/', 'he stays on the sign-in page');
	} finally {
		await ctl('profile', 'set', 'default', '--keys', 'off', '--no-aaguids');
	}
}));
