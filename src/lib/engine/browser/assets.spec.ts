import { describe, expect, it } from 'vitest';
import { staleModelFiles } from './assets';

const O = 'http://localhost:3000';
const keep = new Set([
	'/models/moonshine-base-en/encoder_model.onnx?sha256=b1',
	'/models/moonshine-base-en/decoder_model_merged.kv.onnx?sha256=b2',
	'/models/silero-vad-v5/silero_vad.onnx?sha256=v1'
]);

describe('staleModelFiles', () => {
	it.each<[string, string[], string[]]>([
		['nothing cached', [], []],
		['only the files in use', [...keep].map((u) => O + u), []],
		[
			'another model (a switch or a rollback)',
			[`${O}/models/moonshine-tiny-en/encoder_model.onnx?sha256=t1`, `${O}${[...keep][0]}`],
			[`${O}/models/moonshine-tiny-en/encoder_model.onnx?sha256=t1`]
		],
		[
			'older weights of the model in use',
			[`${O}/models/moonshine-base-en/encoder_model.onnx?sha256=old`],
			[`${O}/models/moonshine-base-en/encoder_model.onnx?sha256=old`]
		],
		['something outside /models/', [`${O}/backend-check.wav`], []]
	])('%s', (_, cached, stale) => {
		expect(staleModelFiles(cached, keep)).toEqual(stale);
	});
});
