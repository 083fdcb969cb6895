import { parseArgs } from 'node:util';

/** Parses argv for a CLI command; unknown flags or missing files print usage and exit 2. */
export function parseCli<
	T extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>
>(usage: string, options: T, argv = process.argv.slice(2)) {
	try {
		const parsed = parseArgs({
			args: argv,
			options: { ...options, help: { type: 'boolean' } },
			allowPositionals: true
		});
		if ((parsed.values as { help?: boolean }).help) {
			process.stdout.write(usage + '\n');
			process.exit(0);
		}
		if (parsed.positionals.length === 0) throw new Error('no input file given');
		return parsed;
	} catch (err) {
		process.stderr.write(`${(err as Error).message}\n${usage}\n`);
		process.exit(2);
	}
}

/** Progress on stderr, only when a person is watching it. */
export function progressLine(text: string): void {
	if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
}

/** Clears the progress line. */
export function progressDone(): void {
	if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}
