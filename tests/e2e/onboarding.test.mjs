// Alice's first day: a TAP from the helpdesk, "Set up your passkey", a
// synced passkey (BE and BS set, like a phone's); then sign-out, sign-in
// without a user name, sign-in with her user name, and the same
// authenticator refused when she tries to add it a second time.  One
// browser and one virtual authenticator throughout, as one person's phone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	open, goto, env, errorMessage, clearMessage, waitForPage, submitSetup, clickFor,
	passkeyRows, storedCredentials, pathOf, TIMEOUT_MS,
} from './lib.mjs';

const USER = 'alice';
let h;
let failed = false;
let onboarded = false;

before(async () => {
	h = await open('alice', { synced: true });
});

after(async () => {
	if (!h)
		return;
	await h.shot(failed ? 'failed' : 'end');
	if (failed)
		for (const l of h.consoleLines)
			process.stdout.write(`console ${l}\n`);
	await h.close();
});

// Each scenario runs in step(): a screenshot named after it when it fails.
async function step(name, body) {
	try {
		await body();
		await h.shot(name);
	} catch (e) {
		failed = true;
		await h.shot(`${name}-failed`);
		throw e;
	}
}

function needOnboarding() {
	if (!onboarded)
		throw new Error('needs the onboarding scenario, which failed');
}

test('TAP onboarding: the confirmation says a synced passkey was created', { timeout: 30000 }, () =>
    step('onboarding', async () => {
	const { page } = h;
	await goto(page, '/setup');
	await h.shot('setup-page');
	const status = await submitSetup(page, USER, env('LK_TAP_ALICE'));
	assert.equal(status, 200, 'the TAP is accepted');
	await page.waitForSelector('#setup-done', { state: 'visible', timeout: TIMEOUT_MS });
	const done = (await page.textContent('#setup-done')).trim();
	assert.match(done, /synced/i, `the confirmation names a synced passkey: "${done}"`);
	assert.match(done, /\balice\b/, `the confirmation names her: "${done}"`);
	assert.doesNotMatch(done, /security key|this device/i);

	// The passkey is a discoverable one, on this authenticator, for "localhost".
	const creds = await storedCredentials(h);
	assert.equal(creds.length, 1, 'the authenticator holds one passkey');
	assert.equal(creds[0].rpId, 'localhost');
	assert.equal(creds[0].isResidentCredential, true);
	onboarded = true;
}));

test('the TAP works only once', { timeout: 30000 }, () => step('tap-reused', async () => {
	needOnboarding();
	const { page } = h;
	await goto(page, '/setup');
	const status = await submitSetup(page, USER, env('LK_TAP_ALICE'));
	assert.ok(status >= 400 && status < 500, `a used TAP is refused (HTTP ${status})`);
	const msg = await errorMessage(page);
	assert.ok(msg.length > 0, 'the page says why');
	assert.equal(await page.isVisible('#setup-done'), false, 'no confirmation');
	assert.equal((await storedCredentials(h)).length, 1, 'no second passkey was made');
}));

// The virtual authenticator answers a conditional (autofill) request at
// once with its only passkey, as a person picking it from the user name
// field's suggestions would: opening "/" signs her in.
test('sign-in by autofill on the user name field lands on "Your passkeys", ' +
    'which lists the passkey as synced', { timeout: 30000 }, () => step('signin-autofill', async () => {
	needOnboarding();
	const { page } = h;
	const finished = page.waitForResponse((r) =>
	    new URL(r.url()).pathname === '/api/v1/signin/finish', { timeout: TIMEOUT_MS });
	await page.goto(new URL('/', env('LK_URL')).href);
	assert.equal((await finished).status(), 200, 'the sign-in is accepted');
	await waitForPage(page, '/passkeys');
	assert.match(await page.textContent('#passkeys-user'), new RegExp(USER));
	const rows = await passkeyRows(page);
	assert.equal(rows.length, 1, `one passkey listed: ${JSON.stringify(rows)}`);
	assert.match(rows[0].kind, /synced/i, `listed as synced: "${rows[0].kind}"`);
	const [cred] = await storedCredentials(h);
	const b64url = Buffer.from(cred.credentialId, 'base64').toString('base64url');
	assert.equal(rows[0].id, b64url, 'the listed passkey is the one on the authenticator');
	const used = (await page.textContent('#passkeys-list li.passkey .passkey-used')).trim();
	assert.ok(used.length > 0 && !/never/i.test(used), `last used is shown: "${used}"`);
}));

// Signs out from "Your passkeys"; the page lands on "/" without offering
// autofill, and the session is gone on the server.
async function signOut(page) {
	if (pathOf(page) !== '/passkeys')
		await goto(page, '/passkeys');
	await page.click('#signout');
	await waitForPage(page, '/');
	const msg = await page.textContent('#message');
	assert.match(msg, /signed out/i, `the page says she is signed out: "${msg}"`);
	const me = await page.evaluate(async () =>
	    (await fetch('/api/v1/me', { credentials: 'same-origin' })).status);
	assert.equal(me, 401, 'signed out means signed out: /api/v1/me answers 401');
}

test('sign out, then "Sign in with a passkey" (no user name) lands on "Your passkeys"',
    { timeout: 30000 }, () => step('signin-usernameless', async () => {
	needOnboarding();
	const { page } = h;
	await signOut(page);
	await h.shot('signed-out');
	const status = await clickFor(page, '#signin-passkey', '/api/v1/signin/finish');
	assert.equal(status, 200, 'the sign-in is accepted');
	await waitForPage(page, '/passkeys');
	assert.match(await page.textContent('#passkeys-user'), new RegExp(USER));
	assert.equal((await passkeyRows(page)).length, 1);
}));

test('sign out, then sign in with the user name', { timeout: 30000 }, () => step('signin-username', async () => {
	needOnboarding();
	const { page } = h;
	await signOut(page);
	await page.fill('#username', USER);
	const status = await clickFor(page, '#signin-continue', '/api/v1/signin/finish');
	assert.equal(status, 200, 'the sign-in is accepted');
	await waitForPage(page, '/passkeys');
	assert.match(await page.textContent('#passkeys-user'), new RegExp(USER));
	assert.equal((await passkeyRows(page)).length, 1);
}));

test('"Add a passkey" with the same authenticator is refused: it already has one',
    { timeout: 30000 }, () => step('add-same', async () => {
	needOnboarding();
	const { page } = h;
	if (pathOf(page) !== '/passkeys')
		await goto(page, '/passkeys');
	await clearMessage(page);
	await page.click('#add-passkey');
	// The browser refuses (excludeCredentials lists this authenticator's
	// passkey: InvalidStateError), so register/finish is never called.
	const msg = await errorMessage(page);
	assert.match(msg, /already has a passkey/i, `the page says it already has one: "${msg}"`);
	assert.equal((await storedCredentials(h)).length, 1, 'no second passkey on the authenticator');
	const rows = await passkeyRows(page);
	assert.equal(rows.length, 1, 'still one passkey listed');
}));
