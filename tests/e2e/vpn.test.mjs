// Issue 6, the whole VPN login with a person at a real browser: radclient is
// the VPN (with Message-Authenticator, as latchkey requires by default), and
// vera approves on the /vpn page the VPN's Reply-Message links to.  She has
// set up her passkey through the browser first (a TAP, as on her first
// day), so the page asks her for a fresh passkey sign-in before it
// approves.  The VPN then sends the State back and is let in, with the
// Class that names the assurance (latchkey:aal2).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
	open, goto, env, submitSetup, storedCredentials, TIMEOUT_MS,
} from './lib.mjs';

const USER = 'vera';
const CLASS_AAL2 = '0x' + Buffer.from('latchkey:aal2').toString('hex');
let h;
let failed = false;

before(async () => {
	h = await open('vpn', { synced: true });
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

// One Access-Request from radclient (freeradius-utils) as the VPN, with
// the State of an earlier challenge or none.  Resolves with what the VPN
// got: {type, state, messages, klass, timeout}; type '' when no answer.
function vpnAsk(state) {
	const port = env('LK_RADIUS_PORT');
	const secret = readFileSync(env('LK_RADIUS_SECRET_FILE'), 'utf8').trim();
	let input = `User-Name = "${USER}"\nUser-Password = "vpn-login"\n` +
	    'Message-Authenticator = 0x00\n';
	if (state)
		input += `State = ${state}\n`;
	return new Promise((resolve, reject) => {
		const p = spawn('radclient', ['-x', '-t', '3', '-r', '1',
		    `127.0.0.1:${port}`, 'auth', secret]);
		let out = '';
		p.stdout.on('data', (d) => { out += d; });
		p.stderr.on('data', (d) => { out += d; });
		p.on('error', reject);
		p.on('close', () => {
			const r = { type: '', state: null, messages: [], klass: null,
			    timeout: null, out };
			let reply = false;
			for (const line of out.split('\n')) {
				const m = /^Received (\S+)/.exec(line);
				if (m) {
					reply = true;
					r.type = m[1];
					continue;
				}
				if (!reply)
					continue;
				const a = /^\s*([\w-]+) = (.*)$/.exec(line);
				if (!a)
					continue;
				if (a[1] === 'State')
					r.state = a[2];
				else if (a[1] === 'Class')
					r.klass = a[2];
				else if (a[1] === 'Session-Timeout')
					r.timeout = Number(a[2]);
				else if (a[1] === 'Reply-Message')
					r.messages.push(a[2].replace(/^"|"$/g, ''));
			}
			resolve(r);
		});
		p.stdin.end(input);
	});
}

test('VPN login: challenge, approval on /vpn with a passkey in the browser, ' +
    'then Access-Accept with Class latchkey:aal2', { timeout: 60000 }, () =>
    step('vpn-login', async () => {
	const { page } = h;

	// Her first day: the TAP, and a synced passkey on this authenticator.
	await goto(page, '/setup');
	assert.equal(await submitSetup(page, USER, env('LK_TAP_VERA')), 200,
	    'the TAP is accepted');
	await page.waitForSelector('#setup-done', { state: 'visible', timeout: TIMEOUT_MS });
	assert.equal((await storedCredentials(h)).length, 1, 'she has a passkey');
	await h.shot('passkey-set-up');

	// The VPN asks; latchkey answers with a challenge naming the page.
	const c = await vpnAsk(null);
	assert.equal(c.type, 'Access-Challenge', `the VPN is challenged:\n${c.out}`);
	assert.match(c.state ?? '', /^0x[0-9a-f]{118}$/, 'with a 59-octet sealed State');
	const text = c.messages.join('');
	const m = /(\S+\/vpn\?code=([A-Z0-9]{6})), code ([A-Z0-9]{3}-[A-Z0-9]{3}), then press Continue/
	    .exec(text);
	assert.ok(m, `the Reply-Message gives the address and the code: "${text}"`);
	const [, link, linkCode, shown] = m;
	assert.equal(new URL(link).origin, new URL(env('LK_URL')).origin,
	    'the address is this instance');
	assert.equal(linkCode, shown.replace('-', ''), 'the link carries the code shown');

	// Continue pressed too early: the VPN is told to wait.
	const early = await vpnAsk(c.state);
	assert.equal(early.type, 'Access-Challenge', `not yet:\n${early.out}`);
	assert.match(early.messages.join(''), /^Not approved yet/);

	// She opens the link: the code is filled in, shown as the VPN shows it.
	await page.goto(link);
	await page.waitForSelector('body[data-ready="1"]', { timeout: TIMEOUT_MS });
	assert.equal(await page.inputValue('#vpn-code'), shown, 'the code is filled in');
	await h.shot('vpn-page');

	// A TAP's session approves nothing: the page asks for her passkey
	// (signin_required), signs her in, and approves.
	const approvals = [];
	page.on('response', (r) => {
		if (new URL(r.url()).pathname === '/api/v1/vpn/approve')
			approvals.push(r.status());
	});
	const signedIn = page.waitForResponse((r) =>
	    new URL(r.url()).pathname === '/api/v1/signin/finish', { timeout: TIMEOUT_MS });
	await page.click('#vpn-approve');
	assert.equal((await signedIn).status(), 200, 'the passkey sign-in is accepted');
	await page.waitForSelector('#vpn-done', { state: 'visible', timeout: TIMEOUT_MS });
	const done = (await page.textContent('#vpn-done')).trim();
	assert.match(done, /Your VPN can continue/, `the page says so: "${done}"`);
	assert.deepEqual(approvals, [401, 200],
	    'approve asked for a sign-in first, then approved');

	// Continue on the VPN: the State back, and it is let in.
	const a = await vpnAsk(c.state);
	assert.equal(a.type, 'Access-Accept', `the VPN is let in:\n${a.out}`);
	assert.equal(a.klass, CLASS_AAL2, 'Class latchkey:aal2');

	// The same State again is a replay: refused.
	const again = await vpnAsk(c.state);
	assert.equal(again.type, 'Access-Reject', `a replayed State is refused:\n${again.out}`);
}));
