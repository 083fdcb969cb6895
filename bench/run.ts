// npm run bench -- [node] [browser] [long] [long60] [editor] [ingest] [timing]   (default: node browser long)
// Prints figures; asserts nothing. Run on an otherwise idle machine: 2 cores are easily disturbed.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchBrowser, benchLong, benchNode } from './speech';

const wanted = new Set(process.argv.slice(2));
if (wanted.size === 0) ['node', 'browser', 'long'].forEach((s) => wanted.add(s));

console.log(
	`Redline benchmark · ${new Date().toISOString()} · ${cpus().length} cores · node ${process.version} · ` +
		`load average ${loadavg()
			.map((x) => x.toFixed(2))
			.join(' ')}`
);
if (wanted.has('node')) await benchNode();
if (wanted.has('browser')) await benchBrowser();
if (wanted.has('long') || wanted.has('long60')) await benchLong(wanted.has('long60') ? [10, 60] : [10]);
if (wanted.has('editor')) {
	// The 10,000-word editor benchmark runs in Chromium against the production build (npm run build first).
	spawnSync(
		join(import.meta.dirname, '../node_modules/.bin/playwright'),
		['test', '--config', join(import.meta.dirname, 'playwright.config.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('timing')) {
	// Word-time accuracy against tests/fixtures/timing, old and new method (bench/timing.ts).
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'timing.ts')],
		{
			stdio: 'inherit'
		}
	);
}
if (wanted.has('ingest')) {
	spawnSync(
		process.execPath,
		[join(import.meta.dirname, '../node_modules/.bin/tsx'), join(import.meta.dirname, 'ingest.ts')],
		{
			stdio: 'inherit'
		}
	);
}
