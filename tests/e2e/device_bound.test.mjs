// Bob sets up a device-bound passkey (BE and BS clear, like a security key
// or a laptop without sync), and "Your passkeys" shows it as on one device.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	withBrowser, goto, env, waitForPage, submitSetup, passkeyRows,
	storedCredentials, TIMEOUT_MS,
} from './lib.mjs';

const USER = 'bob';

test('a device-bound passkey: the confirmation and "Your passkeys" say it is on one device',
    { timeout: 45000 }, () => withBrowser('bob', { synced: false }, async (h) => {
	const { page } = h;
	await goto(page, '/setup');
	const status = await submitSetup(page, USER, env('LK_TAP_BOB'));
	assert.equal(status, 200, 'the TAP is accepted');
	await page.waitForSelector('#setup-done', { state: 'visible', timeout: TIMEOUT_MS });
	const done = (await page.textContent('#setup-done')).trim();
	assert.match(done, /this device|security key/i,
	    `the confirmation says it is on this device or security key: "${done}"`);
	assert.doesNotMatch(done, /synced/i, `not called synced: "${done}"`);
	await h.shot('created');

	const [cred] = await storedCredentials(h);
	assert.ok(cred, 'the authenticator holds the passkey');
	assert.equal(cred.backupEligibility ?? false, false, 'the authenticator made it device-bound');

	// "Sign in now" leads to "/", whose user name field offers his passkey;
	// the virtual authenticator picks it at once.
	const finished = page.waitForResponse((r) =>
	    new URL(r.url()).pathname === '/api/v1/signin/finish', { timeout: TIMEOUT_MS });
	await page.click('#setup-signin');
	assert.equal((await finished).status(), 200, 'the sign-in is accepted');
	await waitForPage(page, '/passkeys');
	const rows = await passkeyRows(page);
	assert.equal(rows.length, 1, `one passkey listed: ${JSON.stringify(rows)}`);
	assert.match(rows[0].kind, /one device/i, `listed as on one device: "${rows[0].kind}"`);
	assert.doesNotMatch(rows[0].kind, /synced/i);
	assert.equal(rows[0].provider, 'Unknown provider',
	    'the virtual authenticator is in no provider list, and the page says so');
}));
