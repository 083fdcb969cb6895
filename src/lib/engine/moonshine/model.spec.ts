import { describe, expect, it } from 'vitest';
import type { AsrArchitecture } from '../manifest';
import { emptyCacheShapes, pickToken } from './model';

const arch = { decoderLayers: 1, kvHeads: 8, headDim: 36 } as AsrArchitecture;
const names = ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map(
	(n) => `past_key_values.0.${n}`
);
const tensor = (name: string, shape: (number | string)[]) => ({
	name,
	isTensor: true as const,
	type: 'float32' as const,
	shape
});

describe('emptyCacheShapes', () => {
	it('follows the declared layout: batch 1, named sequence dimensions 0', () => {
		const shapes = emptyCacheShapes(
			{
				inputNames: names,
				inputMetadata: [
					tensor(names[0], ['batch_size', 8, 'past_decoder_sequence_length', 36]),
					tensor(names[1], ['batch_size', 8, 'past_decoder_sequence_length', 36]),
					tensor(names[2], ['batch_size', 8, 36, 'encoder_sequence_length_out']),
					tensor(names[3], ['batch_size', 8, 'encoder_sequence_length_out', 36])
				]
			},
			arch
		);
		expect(shapes).toEqual({
			[names[0]]: [1, 8, 0, 36],
			[names[1]]: [1, 8, 0, 36],
			[names[2]]: [1, 8, 36, 0],
			[names[3]]: [1, 8, 0, 36]
		});
	});

	it('falls back to [1, heads, 0, headDim] when the graph declares no shape', () => {
		const shapes = emptyCacheShapes({ inputNames: names, inputMetadata: [] }, arch);
		expect(Object.values(shapes)).toEqual(names.map(() => [1, 8, 0, 36]));
	});

	it('names a cache input the manifest promises but the graph lacks', () => {
		expect(() =>
			emptyCacheShapes({ inputNames: names, inputMetadata: [] }, { ...arch, decoderLayers: 2 })
		).toThrow('the decoder has no input past_key_values.1.decoder.key');
	});
});

describe('pickToken', () => {
	it.each([
		// logits, vocab, expected id, expected probability
		[[0, 0, 0, 0], 4, 0, 0.25],
		[[1, 3, 2], 3, 1, Math.exp(3) / (Math.exp(1) + Math.exp(3) + Math.exp(2))],
		// Padding past the tokenizer's vocabulary is never chosen but still counts in the softmax.
		[[1, 2, 9], 2, 1, Math.exp(2) / (Math.exp(1) + Math.exp(2) + Math.exp(9))],
		// Huge logits do not overflow.
		[[1000, 999], 2, 0, 1 / (1 + Math.exp(-1))]
	])('%j over the first %d ids picks %d with p=%f', (logits, vocab, id, prob) => {
		const got = pickToken(Float32Array.from(logits), vocab);
		expect(got.id).toBe(id);
		expect(got.prob).toBeCloseTo(prob, 6);
	});
});
