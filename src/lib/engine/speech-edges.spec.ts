import { describe, expect, it } from 'vitest';
import { silentRuns, snapToSpeech, speechFrames } from './speech-edges';

const RATE = 1000; // 10 samples per 10 ms frame keeps the fixtures small.

/** Audio with a 0.5-amplitude tone in each [start, end) second range, `noise` everywhere else. */
function audio(seconds: number, speech: [number, number][], noise = 0): Float32Array {
	const out = new Float32Array(seconds * RATE);
	for (let i = 0; i < out.length; i++) out[i] = noise * (i % 2 ? 1 : -1);
	for (const [a, b] of speech)
		for (let i = Math.round(a * RATE); i < Math.round(b * RATE); i++) out[i] = 0.5 * Math.sin(i);
	return out;
}
const word = (text: string, start: number, end: number) => ({ text, start, end, confidence: 0.9 });

describe('speechFrames and silentRuns', () => {
	it('finds speech above the floor, in silence and in steady noise', () => {
		for (const noise of [0, 0.01]) {
			const speech = speechFrames(audio(1, [[0.2, 0.5]], noise), RATE);
			expect(speech.length).toBe(100);
			expect(speech.slice(21, 49).every((s) => s)).toBe(true);
			expect(speech.slice(0, 19).some((s) => s)).toBe(false);
			expect(speech.slice(51).some((s) => s)).toBe(false);
		}
	});

	it.each([
		[[true, false, false, true, false, true], 2, [[1, 3]]],
		[
			[false, false, true, false],
			1,
			[
				[0, 2],
				[3, 4]
			]
		],
		[[true, true], 1, []]
	] as const)('silent runs of %j at least %i long: %j', (speech, min, runs) => {
		expect(silentRuns(speech, min)).toEqual(runs);
	});
});

describe('snapToSpeech', () => {
	it('moves boundaries the aligner put inside silence onto the speech edges', () => {
		// Speech 0.3-0.6 and 0.9-1.4; the aligner gave the first word the leading silence and the gap.
		const a = audio(
			2,
			[
				[0.3, 0.6],
				[0.9, 1.4]
			],
			0.01
		);
		// The segment starts 10 s into the recording.
		const snapped = snapToSpeech([word('one', 10, 10.85), word('two', 10.85, 11.8)], a, RATE, 10);
		expect(snapped.map((w) => [w.start, w.end])).toEqual([
			[10.3, 10.6],
			[10.9, 11.4]
		]);
	});

	it('keeps a boundary with no silence near it (connected speech)', () => {
		const a = audio(1, [[0.1, 0.9]]);
		const snapped = snapToSpeech([word('a', 0.1, 0.5), word('b', 0.5, 0.9)], a, RATE, 0);
		expect(snapped.map((w) => [w.start, w.end])).toEqual([
			[0.1, 0.5],
			[0.5, 0.9]
		]);
	});

	it('leaves words as they are in audio without speech, and returns nothing for no words', () => {
		expect(snapToSpeech([word('a', 0, 1)], new Float32Array(RATE), RATE, 0)).toEqual([word('a', 0, 1)]);
		expect(snapToSpeech([], audio(1, [[0.1, 0.5]]), RATE, 0)).toEqual([]);
	});
});
