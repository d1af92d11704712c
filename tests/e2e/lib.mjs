// Helpers for the end-to-end tests: Debian's chromium, headless, driven by
// playwright-core, with the Chrome DevTools Protocol WebAuthn domain's
// virtual authenticator standing in for a phone or a security key.
//
// Environment (set by run.sh): LK_URL (http://localhost:PORT, the instance's
// origin), LK_ARTIFACTS (where screenshots go), CHROMIUM (the browser).

import { chromium } from 'playwright-core';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const BASE_URL = process.env.LK_URL ?? 'http://localhost:8080';
export const ARTIFACTS = process.env.LK_ARTIFACTS ?? join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Playwright's own defaults stay in; these keep Debian's chromium from
// reaching out (updates, sync, field trials) and from needing a GPU or a
// sandbox (the tests may run as root, in a container).
const FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--no-first-run',
];

// Each wait is short: everything is on loopback, and the whole run has to
// stay within about 90 seconds.
export const TIMEOUT_MS = 10000;

// An authenticator whose passkeys are synced (BE and BS set, like a phone's
// platform authenticator backed up to its vendor's cloud), or device-bound
// (BE and BS clear, like a security key).  WebAuthn §6.1 flags; CDP
// WebAuthn.VirtualAuthenticatorOptions.
export function authenticatorOptions(synced) {
	return {
		protocol: 'ctap2',
		transport: 'internal',
		hasResidentKey: true,
		hasUserVerification: true,
		isUserVerified: true,
		automaticPresenceSimulation: true,
		defaultBackupEligibility: synced,
		defaultBackupState: synced,
	};
}

// open(t, name, {synced}) -> {page, cdp, authenticatorId, shot, close}
// A fresh browser with its own profile directory, one page, one virtual
// authenticator.  The caller closes it in a finally block (or t.after).
export async function open(name, { synced = true } = {}) {
	mkdirSync(ARTIFACTS, { recursive: true });
	// launch() gives chromium a fresh --user-data-dir of its own (a
	// temporary directory Playwright removes on close), so no state
	// crosses from one scenario to the next.
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: FLAGS,
		timeout: 30000,
	});
	const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
	const page = await context.newPage();
	page.setDefaultTimeout(TIMEOUT_MS);
	page.setDefaultNavigationTimeout(TIMEOUT_MS);
	const console_lines = [];
	page.on('console', (m) => console_lines.push(`${m.type()}: ${m.text()}`));
	page.on('pageerror', (e) => console_lines.push(`pageerror: ${e.message}`));

	const cdp = await page.context().newCDPSession(page);
	await cdp.send('WebAuthn.enable', { enableUI: false });
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator',
	    { options: authenticatorOptions(synced) });

	let step = 0;
	const shot = async (what) => {
		step++;
		const file = join(ARTIFACTS,
		    `${name}-${String(step).padStart(2, '0')}-${what}.png`);
		try {
			// The TAP field is masked: a code never lands in an artefact.
			await page.screenshot({ path: file, fullPage: true,
			    mask: [page.locator('#setup-code')] });
		} catch (e) {
			// A screenshot is an artefact, not an assertion.
			console_lines.push(`screenshot ${file}: ${e.message}`);
		}
	};

	const close = () => browser.close();

	return {
		browser, context, page, cdp, authenticatorId, shot, close,
		consoleLines: console_lines,
	};
}

// Opens a path of the instance and waits until the page's module is ready.
export async function goto(page, path) {
	await page.goto(new URL(path, BASE_URL).href);
	await page.waitForSelector('body[data-ready="1"]', { timeout: TIMEOUT_MS });
}

// Waits until #message reads something matching re (a RegExp); returns the
// text.  On timeout the error says what the message said instead.
export async function waitForMessage(page, re) {
	try {
		await page.waitForFunction(([src, flags]) => {
			const el = document.querySelector('#message');
			return el && new RegExp(src, flags).test(el.textContent);
		}, [re.source, re.flags], { timeout: TIMEOUT_MS });
	} catch (e) {
		const now = await page.textContent('#message').catch(() => null);
		throw new Error(`#message never matched ${re}; it says: ${JSON.stringify(now)}`);
	}
	return (await page.textContent('#message')).trim();
}

// The credentials the virtual authenticator holds (CDP WebAuthn.getCredentials).
export async function storedCredentials(h) {
	const { credentials } = await h.cdp.send('WebAuthn.getCredentials',
	    { authenticatorId: h.authenticatorId });
	return credentials;
}

// Visible text of the passkey list: [{id, name, kind, provider}].
export async function passkeyRows(page) {
	return page.$$eval('#passkeys-list li.passkey', (lis) => lis.map((li) => ({
		id: li.dataset.id,
		name: li.querySelector('.passkey-name')?.textContent.trim() ?? null,
		kind: li.querySelector('.passkey-kind')?.textContent.trim() ?? null,
		provider: li.querySelector('.passkey-provider')?.textContent.trim() ?? null,
	})));
}

// run(t, name, opts, body): opens a browser, runs body(h), screenshots the
// last state (also on failure), always closes the browser; on failure the
// page's console is printed as TAP diagnostics.
export async function withBrowser(name, opts, body) {
	const h = await open(name, opts);
	let failed = false;
	try {
		await body(h);
	} catch (e) {
		failed = true;
		throw e;
	} finally {
		await h.shot(failed ? 'failed' : 'end');
		if (failed)
			for (const l of h.consoleLines)
				process.stdout.write(`console ${l}\n`);
		await h.close();
	}
}

// Environment a scenario needs, or a clear message.
export function env(name) {
	const v = process.env[name];
	if (v === undefined || v === '')
		throw new Error(`${name} is not set (run the tests with tests/e2e/run.sh)`);
	return v;
}

// The path of the page now shown ("/passkeys").
export function pathOf(page) {
	return new URL(page.url()).pathname;
}

// Waits until the page at path has loaded and is ready.
export async function waitForPage(page, path) {
	try {
		await page.waitForURL((u) => u.pathname === path, { timeout: TIMEOUT_MS });
	} catch (e) {
		const msg = await page.textContent('#message').catch(() => null);
		throw new Error(`expected to land on ${path}, still on ${pathOf(page)}; ` +
		    `the page says: ${JSON.stringify(msg?.trim())}`);
	}
	await page.waitForSelector('body[data-ready="1"]', { timeout: TIMEOUT_MS });
}

// "Set up your passkey": user name and TAP, then the one button.  Returns
// the HTTP status of the TAP redemption.
export async function submitSetup(page, username, code) {
	await clearMessage(page);
	await page.fill('#setup-username', username);
	await page.fill('#setup-code', code);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/tap/redeem' &&
		    r.request().method() === 'POST'),
		page.click('#setup-submit'),
	]);
	return resp.status();
}

// Clicks a button that posts to path; returns the response's status.
export async function clickFor(page, selector, path) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => new URL(r.url()).pathname === path &&
		    r.request().method() !== 'GET'),
		page.click(selector),
	]);
	return resp.status();
}

// Empties #message, so that the next message, even if it reads the same as
// the last one, can be told apart.
export async function clearMessage(page) {
	await page.evaluate(() => {
		const el = document.querySelector('#message');
		if (el) {
			el.textContent = '';
			el.classList.remove('error', 'ok');
		}
	});
}

// Waits for #message to show an error; returns its text.  On timeout the
// error says what the page shows instead.
export async function errorMessage(page) {
	try {
		await page.waitForFunction(() => {
			const el = document.querySelector('#message');
			return el && el.classList.contains('error') &&
			    el.textContent.trim().length > 0;
		}, null, { timeout: TIMEOUT_MS });
	} catch (e) {
		const now = await page.textContent('#message').catch(() => null);
		throw new Error(`no error shown on ${pathOf(page)} within ${TIMEOUT_MS} ms; ` +
		    `#message says: ${JSON.stringify(now?.trim())}`);
	}
	return (await page.textContent('#message')).trim();
}

// --- Issue 5: passkey rules, the campaign, the attestation certificate ---

// Runs latchkeyctl on the instance (LK_CTL, LK_CONF from run.sh); resolves
// with its standard output, or rejects with what it printed.
export function ctl(...args) {
	const [bin, conf] = [env('LK_CTL'), env('LK_CONF')];
	return new Promise((resolve, reject) => {
		execFile(bin, ['-c', conf, ...args], { timeout: TIMEOUT_MS },
		    (err, stdout, stderr) => {
			if (err)
				reject(new Error(`latchkeyctl ${args[0]} ${args[1] ?? ''} failed: ` +
				    `${(stderr || stdout || err.message).trim()}`));
			else
				resolve(stdout);
		});
	});
}

// A fresh TAP for user from latchkeyctl (one per user: it replaces any
// earlier one); the code is the last line of the output.  Never put it in
// an assertion message: the test log is kept.
export async function issueTap(user) {
	const out = await ctl('tap', 'issue', user, '--lifetime', '1h');
	return out.trim().split('\n').pop().trim();
}

// Replaces the browser's virtual authenticator by a new one (synced or
// device-bound), as when a person takes another phone or security key.
export async function swapAuthenticator(h, { synced }) {
	await h.cdp.send('WebAuthn.removeVirtualAuthenticator',
	    { authenticatorId: h.authenticatorId });
	const { authenticatorId } = await h.cdp.send('WebAuthn.addVirtualAuthenticator',
	    { options: authenticatorOptions(synced) });
	h.authenticatorId = authenticatorId;
}

// Waits for the next answer of a POST to path while act() runs; resolves
// with {status, body} (body: parsed JSON, or null).
export async function answerOf(page, path, act) {
	const [resp] = await Promise.all([
		page.waitForResponse((r) => new URL(r.url()).pathname === path &&
		    r.request().method() === 'POST', { timeout: TIMEOUT_MS }),
		act(),
	]);
	let body = null;
	try {
		body = await resp.json();
	} catch (e) {
		body = null;
	}
	return { status: resp.status(), body };
}

// Words a person should never be shown (the pages' rule, issue 4).
export const JARGON = /\b(fido2?|webauthn|aal[23]?|aaguid|attestation|authenticator|ctap|resident key|relying party)\b/i;

// A minimal CBOR reader (RFC 8949: unsigned and negative integers, byte
// and text strings, arrays, maps, simple values), enough for an
// attestation object (WebAuthn §6.5).
export function cborDecode(buf) {
	let i = 0;
	const arg = (ai) => {
		if (ai < 24)
			return ai;
		const n = { 24: 1, 25: 2, 26: 4, 27: 8 }[ai];
		if (n === undefined || i + n > buf.length)
			throw new Error('CBOR: bad length');
		let v = 0;
		for (let k = 0; k < n; k++)
			v = v * 256 + buf[i++];
		return v;
	};
	const item = () => {
		if (i >= buf.length)
			throw new Error('CBOR: truncated');
		const ib = buf[i++], mt = ib >> 5, v = arg(ib & 31);
		switch (mt) {
		case 0: return v;
		case 1: return -1 - v;
		case 2: case 3: {
			if (i + v > buf.length)
				throw new Error('CBOR: truncated string');
			const s = buf.subarray(i, i + v);
			i += v;
			return mt === 2 ? Buffer.from(s) : Buffer.from(s).toString('utf8');
		}
		case 4: return Array.from({ length: v }, () => item());
		case 5: {
			const m = new Map();
			for (let k = 0; k < v; k++)
				m.set(item(), item());
			return m;
		}
		case 7: return { 20: false, 21: true, 22: null }[ib & 31];
		default: throw new Error(`CBOR: major type ${mt} not expected here`);
		}
	};
	return item();
}

// The attestation certificate of Chromium's virtual authenticator (packed,
// one self-signed "Batch Certificate" made with a fixed, published key), as
// PEM: a passkey is created with attestation "direct" in a blank page of a
// loopback server of our own, and x5c[0] is taken from its attestation
// object.  For the tests' trust configuration only: the key is public.
export async function virtualAttestationPem() {
	const server = createServer((req, res) => {
		res.writeHead(200, { 'Content-Type': 'text/html' });
		res.end('<!doctype html><title>blank</title>');
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const h = await open('attestation-cert', { synced: false });
	try {
		await h.page.goto(`http://localhost:${server.address().port}/`);
		const b64 = await h.page.evaluate(async () => {
			const cred = await navigator.credentials.create({ publicKey: {
				rp: { name: 'test' },
				user: { id: crypto.getRandomValues(new Uint8Array(16)),
				    name: 'test', displayName: 'test' },
				challenge: crypto.getRandomValues(new Uint8Array(32)),
				pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
				attestation: 'direct',
			} });
			const b = new Uint8Array(cred.response.attestationObject);
			let s = '';
			for (const c of b)
				s += String.fromCharCode(c);
			return btoa(s);
		});
		const att = cborDecode(Buffer.from(b64, 'base64'));
		const x5c = att.get('attStmt')?.get('x5c');
		if (att.get('fmt') !== 'packed' || !Array.isArray(x5c) || x5c.length === 0)
			throw new Error(`no packed x5c from the virtual authenticator (fmt ${att.get('fmt')})`);
		const der = x5c[0].toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
		return `-----BEGIN CERTIFICATE-----\n${der}\n-----END CERTIFICATE-----\n`;
	} finally {
		await h.close();
		server.close();
	}
}

// GET /api/v1/me from the page, with its session: the JSON, or {status}
// when refused.
export async function meOf(page) {
	return page.evaluate(async () => {
		const r = await fetch('/api/v1/me', { credentials: 'same-origin',
		    headers: { Accept: 'application/json' } });
		return r.ok ? r.json() : { status: r.status };
	});
}
