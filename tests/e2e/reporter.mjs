// A node:test reporter that prints one plain TAP line per test ("ok - ..."
// or "not ok - ..."), with the reason of a failure as "# " lines, and no
// plan: run.sh counts these lines beside its own and prints the plan.
// Works with node 18 (Debian 12) and later.

import { relative } from 'node:path';

function name(data) {
	const file = data.file ? relative(process.cwd(), data.file) : '';
	return file && !data.name.includes(file) ? `${file}: ${data.name}` : data.name;
}

function comment(text) {
	return String(text).split('\n').filter((l) => l.length > 0)
	    .map((l) => `# ${l}\n`).join('');
}

export default async function *reporter(source) {
	for await (const ev of source) {
		const d = ev.data;
		switch (ev.type) {
		case 'test:pass':
			// Suites and files report too; only tests are counted.
			if (d.details?.type === 'suite')
				break;
			// A todo that passes is an XPASS for the TAP driver: time
			// to drop the todo.
			if (d.todo !== undefined)
				yield `ok - ${name(d)} # TODO ${d.todo === true ? '' : d.todo}\n`;
			else if (d.skip !== undefined)
				yield `ok - ${name(d)} # SKIP ${d.skip === true ? '' : d.skip}\n`;
			else
				yield `ok - ${name(d)}\n`;
			break;
		case 'test:fail': {
			if (d.details?.type === 'suite')
				break;
			const err = d.details?.error;
			const cause = err?.cause ?? err;
			// A known gap (todo) fails as an expected failure.
			yield d.todo !== undefined ?
			    `not ok - ${name(d)} # TODO ${d.todo === true ? '' : d.todo}\n` :
			    `not ok - ${name(d)}\n`;
			if (cause)
				yield comment(cause.stack ?? cause.message ?? cause);
			break;
		}
		case 'test:diagnostic':
			yield comment(d.message);
			break;
		case 'test:stdout':
		case 'test:stderr':
			yield comment(d.message);
			break;
		default:
			break;
		}
	}
}
