import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isModelCached, staleModelFiles } from './assets';

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

describe('isModelCached', () => {
	const manifests: Record<string, unknown> = Object.fromEntries(
		['moonshine-tiny-en', 'silero-vad-v5'].map((id) => [
			`/models/${id}/manifest.json`,
			JSON.parse(readFileSync(`models/${id}/manifest.json`, 'utf8'))
		])
	);
	const fileUrls = (id: string) => {
		const m = manifests[`/models/${id}/manifest.json`] as {
			files: Record<string, { name: string; sha256: string }>;
		};
		return Object.values(m.files).map((f) => `/models/${id}/${f.name}?sha256=${f.sha256}`);
	};
	const everything = [...fileUrls('moonshine-tiny-en'), ...fileUrls('silero-vad-v5')];

	/** Cache Storage holding `cached`; fetch answers manifests only, and records every request. */
	function world(cached: string[], opts: { noCaches?: boolean } = {}) {
		const fetched: string[] = [];
		vi.stubGlobal('fetch', async (url: string) => {
			fetched.push(url);
			const body = manifests[url];
			return body ? new Response(JSON.stringify(body)) : new Response('no', { status: 404 });
		});
		vi.stubGlobal(
			'caches',
			opts.noCaches
				? undefined
				: {
						open: async () => ({
							match: async (url: string) => (cached.includes(url) ? new Response('x') : undefined)
						})
					}
		);
		return fetched;
	}
	afterEach(() => vi.unstubAllGlobals());

	it('is true when the encoder, the decoder and the VAD are all cached, and fetches only manifests', async () => {
		const fetched = world(everything);
		expect(await isModelCached('moonshine-tiny-en')).toBe(true);
		expect(fetched.every((u) => u.endsWith('/manifest.json'))).toBe(true);
	});

	it.each(everything.map((missing) => [missing.split('?')[0]] as const))(
		'is false when %s is missing',
		async (missing) => {
			world(everything.filter((u) => !u.startsWith(missing)));
			expect(await isModelCached('moonshine-tiny-en')).toBe(false);
		}
	);

	it('is false for an unknown model, and without Cache Storage', async () => {
		world(everything);
		expect(await isModelCached('no-such-model')).toBe(false);
		world(everything, { noCaches: true });
		expect(await isModelCached('moonshine-tiny-en')).toBe(false);
	});

	it('is false when cached weights are of other versions (another sha256)', async () => {
		world(everything.map((u) => u.replace(/sha256=\w+/, 'sha256=old')));
		expect(await isModelCached('moonshine-tiny-en')).toBe(false);
	});
});
