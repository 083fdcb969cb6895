import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseWavHeader } from '../../bench/peer-pocketsphinx';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const audio = join(fixtures, 'audio');
const speech = join(fixtures, 'speech');

interface IndexEntry {
	file: string;
	expect: string;
	sampleRate?: number;
	channels?: number;
	durationSec?: number;
	encoding?: string;
	bitsPerSample?: number;
}

const index = JSON.parse(readFileSync(join(audio, 'index.json'), 'utf8')) as IndexEntry[];

function samples16(path: string): Int16Array {
	const bytes = readFileSync(path);
	const info = parseWavHeader(bytes);
	const start = bytes.byteOffset + info.dataOffset;
	return new Int16Array(bytes.buffer.slice(start, start + info.dataBytes));
}

describe('synthetic fixtures', () => {
	it.each(index.filter((e) => e.file.endsWith('.wav') && e.sampleRate))(
		'$file header matches index.json',
		(entry) => {
			const info = parseWavHeader(readFileSync(join(audio, entry.file)));
			expect(info.sampleRate).toBe(entry.sampleRate);
			expect(info.channels).toBe(entry.channels);
			expect(info.bitsPerSample).toBe(entry.bitsPerSample);
			expect(info.durationSec).toBeCloseTo(entry.durationSec!, 3);
		}
	);

	it.each([
		['empty.wav', /not a RIFF/],
		['not-audio.wav', /not a RIFF/]
	])('%s is rejected by a header parser', (file, message) => {
		expect(() => parseWavHeader(readFileSync(join(audio, file)))).toThrow(message);
	});

	it('truncated.wav announces more data than it holds', () => {
		const bytes = readFileSync(join(audio, 'truncated.wav'));
		const announced = new DataView(bytes.buffer, bytes.byteOffset).getUint32(40, true);
		expect(parseWavHeader(bytes).dataBytes).toBeLessThan(announced / 2);
	});

	it('silence is all zeros and noise is quiet but not silent', () => {
		expect(samples16(join(audio, 'silence-3s.wav')).every((s) => s === 0)).toBe(true);
		const noise = samples16(join(audio, 'noise-3s.wav'));
		const peak = noise.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
		expect(peak).toBeGreaterThan(0);
		expect(peak).toBeLessThan(32768 * 0.02);
	});

	it('long-60s.json marks silent pauses between non-silent sentences, in order', () => {
		const meta = JSON.parse(readFileSync(join(audio, 'long-60s.json'), 'utf8')) as {
			totalSamples: number;
			speech: { startSample: number; endSample: number; text: string }[];
			pauses: { startSample: number; endSample: number }[];
		};
		const pcm = samples16(join(audio, 'long-60s.wav'));
		expect(pcm.length).toBe(meta.totalSamples);
		expect(meta.pauses.length).toBe(meta.speech.length - 1);
		meta.pauses.forEach((pause, i) => {
			expect(pause.startSample).toBe(meta.speech[i].endSample);
			expect(pause.endSample).toBe(meta.speech[i + 1].startSample);
			expect(pause.endSample - pause.startSample).toBeGreaterThanOrEqual(16000);
			expect(pcm.subarray(pause.startSample, pause.endSample).every((s) => s === 0)).toBe(true);
		});
		for (const span of meta.speech) {
			const rms = Math.sqrt(
				pcm.subarray(span.startSample, span.endSample).reduce((sum, s) => sum + s * s, 0) /
					(span.endSample - span.startSample)
			);
			expect(rms, span.text).toBeGreaterThan(500);
		}
	});
});

describe('real speech eval set', () => {
	const lines = readFileSync(join(speech, 'eval.jsonl'), 'utf8')
		.split('\n')
		.filter((l) => l.trim())
		.map((l) => JSON.parse(l) as { audio: string; text: string });

	it('has several utterances with references', () => {
		expect(lines.length).toBeGreaterThanOrEqual(3);
	});

	it.each(lines)('$audio is 16 kHz mono 16-bit with a reference', ({ audio: file, text }) => {
		const path = join(speech, file);
		expect(existsSync(path)).toBe(true);
		const info = parseWavHeader(readFileSync(path));
		expect([info.sampleRate, info.channels, info.bitsPerSample, info.formatTag]).toEqual([16000, 1, 16, 1]);
		expect(info.durationSec).toBeGreaterThan(1);
		expect(text.split(/\s+/).length).toBeGreaterThanOrEqual(2);
	});
});
