import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePocketsphinxOutput, pocketsphinxCommand, runPocketsphinx } from '../../bench/peer-pocketsphinx';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

describe('parsePocketsphinxOutput', () => {
	it.each([
		['', ''],
		['\n\n', ''],
		['hello world\n', 'hello world'],
		['first part\n\nsecond part\n', 'first part second part'],
		['{"b":0.0,"d":1.2,"p":1,"t":"go forward ten meters","w":[]}\n', 'go forward ten meters'],
		['{"b":0,"d":1,"t":""}\n{"b":1,"d":1,"t":"yes"}\n', 'yes']
	])('%j -> %j', (stdout, text) => {
		expect(parsePocketsphinxOutput(stdout)).toBe(text);
	});
});

describe('pocketsphinxCommand', () => {
	const cases: [string[], string | null][] = [
		[['pocketsphinx_continuous', 'pocketsphinx'], 'pocketsphinx_continuous'],
		[['pocketsphinx'], 'pocketsphinx'],
		[[], null]
	];
	it.each(cases)('with %j on PATH uses %s', (present, expected) => {
		const has = (cmd: string) => present.includes(cmd);
		if (expected === null) expect(() => pocketsphinxCommand('a.wav', has)).toThrow(/not installed/);
		else expect(pocketsphinxCommand('a.wav', has)[0]).toBe(expected);
	});
});

// Bag-of-words recall is enough to show the peer ran on the right audio; the benchmark reports real WER.
function recall(reference: string, hypothesis: string): number {
	const words = (s: string) => s.toLowerCase().match(/[a-z']+/g) ?? [];
	const heard = new Set(words(hypothesis));
	const ref = words(reference);
	return ref.filter((w) => heard.has(w)).length / ref.length;
}

describe('runPocketsphinx on real speech', () => {
	const [first] = readFileSync(join(fixtures, 'speech', 'eval.jsonl'), 'utf8')
		.split('\n')
		.filter((l) => l.trim())
		.map((l) => JSON.parse(l) as { audio: string; text: string });

	it('transcribes a real recording recognisably and times it', async () => {
		const { text, seconds } = await runPocketsphinx(join(fixtures, 'speech', first.audio));
		expect(recall(first.text, text)).toBeGreaterThan(0.6);
		expect(seconds).toBeGreaterThan(0);
	});

	it('converts other formats before decoding', async () => {
		// PocketSphinx hears espeak poorly, so convert real speech to a format it cannot read itself.
		const dir = mkdtempSync(join(tmpdir(), 'peer-test-'));
		try {
			const wav = join(dir, 'stereo.wav');
			execFileSync('sox', [join(fixtures, 'speech', first.audio), '-r', '44100', '-c', '2', '-b', '24', wav]);
			const { text } = await runPocketsphinx(wav);
			expect(recall(first.text, text)).toBeGreaterThan(0.6);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('rejects a file that is not audio', async () => {
		await expect(runPocketsphinx(join(fixtures, 'audio', 'not-audio.wav'))).rejects.toThrow(/RIFF/);
	});
});
