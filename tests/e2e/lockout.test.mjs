// Carol mistypes her TAP until redemption locks: the page says the code is
// wrong while attempts remain, then tells her to wait (HTTP 429), and while
// the lock holds even the right code is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	withBrowser, goto, env, submitSetup, errorMessage, storedCredentials,
} from './lib.mjs';

const USER = 'carol';
const FAILURES_MAX = 10;	/* TAP_FAILURES_MAX in broker/tap.h */

// A well-formed code (TAP alphabet, 12 characters) that is not hers.
function wrongCode(i, right) {
	const alphabet = 'ACDEFGHJKMNPQRTUVWXY34679';
	let c = '';
	for (let k = 0; k < 12; k++)
		c += alphabet[(i * 7 + k * 3) % alphabet.length];
	return c === right ? c.slice(1) + c[0] : c;
}

test('wrong TAP until lockout: the page says to wait, and the right code waits too',
    { timeout: 60000 }, () => withBrowser('carol', { synced: true }, async (h) => {
	const { page } = h;
	const right = env('LK_TAP_CAROL');
	await goto(page, '/setup');

	let firstLocked = 0;
	let lockedMsg = '';
	for (let i = 1; i <= FAILURES_MAX + 1; i++) {
		const status = await submitSetup(page, USER, wrongCode(i, right));
		const msg = await errorMessage(page);
		if (i < FAILURES_MAX) {
			assert.equal(status, 401, `wrong code ${i} is refused as wrong`);
			assert.doesNotMatch(msg, /wait/i, `no lockout yet after ${i}: "${msg}"`);
			if (i === 1)
				await h.shot('wrong-code');
			continue;
		}
		if (status === 429) {
			firstLocked = i;
			lockedMsg = msg;
			break;
		}
		assert.equal(status, 401, `wrong code ${i} is refused`);
	}
	assert.ok(firstLocked > 0,
	    `redemption locks after ${FAILURES_MAX} wrong codes (HTTP 429 by attempt ${FAILURES_MAX + 1})`);
	await h.shot('locked');
	assert.match(lockedMsg, /wait|try again (in|after)/i, `the page says to wait: "${lockedMsg}"`);

	// The lock holds for the right code too.
	const status = await submitSetup(page, USER, right);
	const msg = await errorMessage(page);
	assert.equal(status, 429, 'the right code is refused while locked');
	assert.match(msg, /wait|try again (in|after)/i, `the page still says to wait: "${msg}"`);
	assert.equal(await page.isVisible('#setup-done'), false, 'no confirmation');
	assert.equal((await storedCredentials(h)).length, 0, 'no passkey was created');
}));
