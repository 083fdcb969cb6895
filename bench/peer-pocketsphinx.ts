/**
 * The peer we benchmark against: Debian's PocketSphinx (CMU Sphinx, en-us model) on the same audio.
 *
 * Standalone: `tsx bench/peer-pocketsphinx.ts [MANIFEST.jsonl] [--runs N]` prints, per file, the audio length,
 * the median wall time over N runs, the real-time factor, the WER (same normalisation as `npm run eval`)
 * and the transcript, then the totals.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { totalWer, wer, type WerResult } from '../src/lib/transcript/align';

/** Format facts from a RIFF/WAVE header, enough to time a file and to know whether PocketSphinx can read it. */
export interface WavInfo {
	sampleRate: number;
	channels: number;
	bitsPerSample: number;
	/** 1 = integer PCM, 3 = IEEE float, 0xfffe = WAVE_FORMAT_EXTENSIBLE. */
	formatTag: number;
	/** Byte offset of the first sample. */
	dataOffset: number;
	dataBytes: number;
	durationSec: number;
}

/** Reads the fmt and data chunks of a WAV file; throws on anything that is not RIFF/WAVE. */
export function parseWavHeader(bytes: Uint8Array): WavInfo {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
	if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
	let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationSec'> | undefined;
	let at = 12;
	while (at + 8 <= bytes.length) {
		const id = tag(at);
		const size = view.getUint32(at + 4, true);
		if (id === 'fmt ' && at + 24 <= bytes.length) {
			fmt = {
				formatTag: view.getUint16(at + 8, true),
				channels: view.getUint16(at + 10, true),
				sampleRate: view.getUint32(at + 12, true),
				bitsPerSample: view.getUint16(at + 22, true)
			};
		} else if (id === 'data') {
			if (!fmt) throw new Error('WAV data chunk before fmt chunk');
			// A truncated file announces more data than it has; time what is really there.
			const dataBytes = Math.min(size, bytes.length - at - 8);
			const frameBytes = (fmt.channels * fmt.bitsPerSample) / 8;
			return {
				...fmt,
				dataOffset: at + 8,
				dataBytes,
				durationSec: Math.floor(dataBytes / frameBytes) / fmt.sampleRate
			};
		}
		// Chunks are padded to an even length.
		at += 8 + size + (size % 2);
	}
	throw new Error('WAV file has no data chunk');
}

/** Joins PocketSphinx's stdout into one transcript: plain hypothesis lines (0.8) or JSON lines with `t` (5.x). */
export function parsePocketsphinxOutput(stdout: string): string {
	const words: string[] = [];
	for (const raw of stdout.split('\n')) {
		const line = raw.trim();
		if (!line) continue;
		if (line.startsWith('{')) {
			const parsed = JSON.parse(line) as { t?: unknown };
			if (typeof parsed.t === 'string' && parsed.t.trim()) words.push(parsed.t.trim());
		} else {
			words.push(line);
		}
	}
	return words.join(' ');
}

/** The PocketSphinx command line for one 16 kHz mono 16-bit WAV, for whichever CLI this machine has. */
export function pocketsphinxCommand(wavPath: string, available: (cmd: string) => boolean): string[] {
	// Debian 12 ships 0.8 (pocketsphinx_continuous); 5.x replaced it with `pocketsphinx single`.
	if (available('pocketsphinx_continuous'))
		return ['pocketsphinx_continuous', '-infile', wavPath, '-logfn', '/dev/null'];
	if (available('pocketsphinx')) return ['pocketsphinx', '-loglevel', 'FATAL', 'single', wavPath];
	throw new Error('PocketSphinx is not installed (apt-get install -y pocketsphinx pocketsphinx-en-us)');
}

function onPath(cmd: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}

function run(argv: string[]): Promise<string> {
	return new Promise((ok, fail) => {
		execFile(argv[0], argv.slice(1), { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
			if (error) fail(new Error(`${argv.join(' ')} failed: ${stderr.trim() || error.message}`));
			else ok(stdout);
		});
	});
}

/**
 * Transcribes one WAV with PocketSphinx. `seconds` is the wall time of the command, so it includes process
 * start and model load (about 0.3 s here; it dominates 1-2 s files), but not any format conversion.
 */
export async function runPocketsphinx(wavPath: string): Promise<{ text: string; seconds: number }> {
	const info = parseWavHeader(await readFile(wavPath));
	let input = wavPath;
	let scratch: string | undefined;
	if (info.sampleRate !== 16000 || info.channels !== 1 || info.bitsPerSample !== 16 || info.formatTag !== 1) {
		// PocketSphinx 0.8 reads only 16 kHz mono 16-bit PCM and fails on anything else.
		scratch = await mkdtemp(join(tmpdir(), 'peer-psphinx-'));
		input = join(scratch, 'input.wav');
		await run(['sox', wavPath, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', input]);
	}
	try {
		const argv = pocketsphinxCommand(input, onPath);
		const start = process.hrtime.bigint();
		const stdout = await run(argv);
		const seconds = Number(process.hrtime.bigint() - start) / 1e9;
		return { text: parsePocketsphinxOutput(stdout), seconds };
	} finally {
		if (scratch) await rm(scratch, { recursive: true, force: true });
	}
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function percent(x: number): string {
	return `${(100 * x).toFixed(1)}%`;
}

async function main(args: string[]): Promise<void> {
	const runsAt = args.indexOf('--runs');
	const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
	if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs needs a positive integer');
	const manifest = resolve(
		args.find((a, i) => !a.startsWith('--') && i !== runsAt + 1) ?? 'tests/fixtures/speech/eval.jsonl'
	);
	const lines = (await readFile(manifest, 'utf8')).split('\n').filter((l) => l.trim());
	let audioTotal = 0;
	let wallTotal = 0;
	const errors: WerResult[] = [];
	console.log(['file', 'audio_s', 'wall_s', 'rtf', 'wer', 'transcript'].join('\t'));
	for (const line of lines) {
		const { audio, text: reference } = JSON.parse(line) as { audio: string; text: string };
		const path = resolve(dirname(manifest), audio);
		const { durationSec } = parseWavHeader(await readFile(path));
		const times: number[] = [];
		let text = '';
		for (let i = 0; i < runs; i++) ({ text, seconds: times[i] } = await runPocketsphinx(path));
		const wall = median(times);
		audioTotal += durationSec;
		wallTotal += wall;
		const result = wer(reference, text);
		errors.push(result);
		const row = [audio, durationSec.toFixed(2), wall.toFixed(3), (wall / durationSec).toFixed(3)];
		console.log([...row, percent(result.wer), text].join('\t'));
	}
	const total = totalWer(errors);
	console.log(
		`pocketsphinx: ${lines.length} files, ${audioTotal.toFixed(1)} s audio, ${wallTotal.toFixed(2)} s wall, ` +
			`RTF ${(wallTotal / audioTotal).toFixed(3)} (median of ${runs}), WER ${percent(total.wer)} ` +
			`(S ${total.substitutions}, D ${total.deletions}, I ${total.insertions}, N ${total.referenceWords})`
	);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
	main(process.argv.slice(2)).catch((error: unknown) => {
		console.error(`peer-pocketsphinx: ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	});
}
