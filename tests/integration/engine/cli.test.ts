// The command-line tools as a user runs them: exit codes, stdout/stderr split, output formats.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID } from '../../../src/lib/engine/models';

const root = resolve(import.meta.dirname, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const run = (script: string, args: string[]) =>
	spawnSync(tsx, [join(root, 'cli', script), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const shipped = JSON.parse(readFileSync(join(root, 'models', DEFAULT_MODEL_ID, 'manifest.json'), 'utf8')) as {
	version: string;
};
const speech = (f: string) => join(root, 'tests/fixtures/speech', f);
const audio = (f: string) => join(root, 'tests/fixtures/audio', f);

describe('npm run transcribe', () => {
	it('prints each good file and one stderr line per bad file, exiting 1', () => {
		const r = run('transcribe.ts', [speech('vm-newuser.wav'), audio('not-audio.wav'), audio('empty.wav')]);
		expect(r.status).toBe(1);
		expect(r.stdout).toMatch(/Welcome to comedian/i);
		const errors = r.stderr.trim().split('\n');
		expect(errors).toHaveLength(2);
		expect(errors[0]).toMatch(/not-audio\.wav: .*not audio/);
		expect(errors[1]).toMatch(/empty\.wav: .*empty/);
	});

	it('writes the documented JSON shape', () => {
		const r = run('transcribe.ts', ['--format', 'json', speech('agent-alreadyon.wav')]);
		expect(r.status).toBe(0);
		expect(r.stderr).toBe('');
		const json = JSON.parse(r.stdout);
		expect(Object.keys(json)).toEqual(
			expect.arrayContaining(['text', 'model', 'backend', 'durationSec', 'segments'])
		);
		expect(json.model).toMatchObject({ id: DEFAULT_MODEL_ID, version: shipped.version });
		expect(json.model.sha256).toMatch(/^[0-9a-f]{64}$/);
		expect(json.segments[0].words[0]).toEqual({
			text: 'That',
			start: expect.any(Number),
			end: expect.any(Number),
			confidence: expect.any(Number)
		});
	});

	it('writes subtitles', () => {
		const srt = run('transcribe.ts', ['--format', 'srt', speech('agent-alreadyon.wav')]);
		expect(srt.stdout).toMatch(/^1\n00:00:0\d,\d{3} --> 00:00:0\d,\d{3}\nThat agent/);
		const vtt = run('transcribe.ts', ['--format', 'vtt', speech('agent-alreadyon.wav')]);
		expect(vtt.stdout).toMatch(/^WEBVTT\n\n00:00:0\d\.\d{3} --> /);
	});

	it('rejects an unknown format with usage and exit 2', () => {
		const r = run('transcribe.ts', ['--format', 'xml', speech('agent-alreadyon.wav')]);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/unknown format "xml"\nusage:/);
	});
});

describe('npm run eval', () => {
	it('prints per-file and total WER with error counts', () => {
		const dir = mkdtempSync(join(tmpdir(), 'redline-eval-'));
		const manifest = join(dir, 'm.jsonl');
		writeFileSync(
			manifest,
			[
				JSON.stringify({
					audio: speech('agent-alreadyon.wav'),
					text: 'That agent is already logged on. Please enter your agent number followed by the pound key.'
				}),
				JSON.stringify({
					audio: speech('vm-instructions.wav'),
					text: 'To look into your messages press 1 now. You may quit voice mail at any time.'
				})
			].join('\n')
		);
		const r = run('eval.ts', ['--dry-run', manifest]);
		expect(r.status).toBe(0);
		expect(r.stdout).toMatch(/agent-alreadyon\.wav\n {2}WER 0\.0% \(S 0, D 0, I 0, N 16\)/);
		// "voicemail" vs "voice mail" is one substitution and one deletion; the reference stops early: 5 insertions
		expect(r.stdout).toMatch(/vm-instructions\.wav\n {2}WER 43.8% \(S 1, D 1, I 5, N 16\)/);
		expect(r.stdout).toMatch(/TOTAL WER 21.9% over 32 words in 2 files \(S 1, D 1, I 5\)/);
	});

	it('names the bad line of a broken manifest', () => {
		const dir = mkdtempSync(join(tmpdir(), 'redline-eval-'));
		const manifest = join(dir, 'm.jsonl');
		writeFileSync(manifest, '{"audio": "x.wav"}\n');
		const r = run('eval.ts', ['--dry-run', manifest]);
		expect(r.status).toBe(2);
		expect(r.stderr).toMatch(/line 1: expected/);
	});
});
