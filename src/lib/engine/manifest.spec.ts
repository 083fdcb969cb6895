import { describe, expect, it } from 'vitest';
import { asrArchitectureOf, modelRef, parseManifest } from './manifest';
import { ENGINE_SAMPLE_RATE } from './models';

const sha = (c: string) => c.repeat(64);
const valid = {
	id: 'moonshine-tiny-en',
	version: '1.1.0',
	kind: 'asr',
	displayName: 'Moonshine Tiny',
	languages: ['en'],
	license: 'MIT',
	source: { npm: '@moonshine-ai/moonshine-js', version: '0.1.29', dir: 'package/dist' },
	files: {
		encoder: { name: 'encoder.onnx', bytes: 10, sha256: sha('a') },
		decoder: {
			name: 'decoder.kv.onnx',
			bytes: 20,
			sha256: sha('b'),
			from: {
				name: 'decoder.onnx',
				bytes: 21,
				sha256: sha('c'),
				rewrites: ['precompute-cross-attention-keys']
			}
		}
	},
	sampleRate: ENGINE_SAMPLE_RATE,
	architecture: {
		decoderLayers: 6,
		kvHeads: 8,
		headDim: 36,
		vocabSize: 32768,
		startTokenId: 1,
		eosTokenId: 2,
		maxTokensPerSecond: 6.5,
		maxSegmentSeconds: 20
	}
};
const edit = (path: string[], value: unknown) => {
	const copy = structuredClone(valid) as Record<string, unknown>;
	let at = copy;
	for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
	if (value === undefined) delete at[path.at(-1)!];
	else at[path.at(-1)!] = value;
	return copy;
};

describe('parseManifest', () => {
	it('accepts a complete manifest', () => {
		expect(parseManifest(valid).files.decoder.from?.rewrites).toEqual(['precompute-cross-attention-keys']);
	});

	it.each([
		[['id'], 'Moonshine Tiny', /^invalid model manifest: id:/],
		[['files', 'encoder', 'sha256'], 'abc', /files\.encoder\.sha256/],
		[['files', 'encoder', 'name'], '../escape.onnx', /files\.encoder\.name: a plain file name/],
		[['files', 'encoder', 'bytes'], 0, /files\.encoder\.bytes/],
		[['files', 'decoder', 'from', 'rewrites'], ['made-up'], /files\.decoder\.from\.rewrites\.0/],
		[['files', 'decoder', 'from', 'rewrites'], [], /files\.decoder\.from\.rewrites/],
		[['kind'], 'tts', /kind/],
		[['sampleRate'], 8000, /sampleRate: must be 16000: the engine decodes all audio to that rate/],
		[['sampleRate'], '16000', /sampleRate: must be 16000/],
		[['source'], undefined, /source/]
	])('names the bad field %j', (path, value, message) => {
		expect(() => parseManifest(edit(path, value))).toThrow(message);
	});
});

describe('asrArchitectureOf', () => {
	it('returns the decoder numbers', () => {
		expect(asrArchitectureOf(parseManifest(valid))).toMatchObject({ decoderLayers: 6, headDim: 36 });
	});

	it('names a missing number', () => {
		const m = parseManifest(edit(['architecture', 'eosTokenId'], undefined));
		expect(() => asrArchitectureOf(m)).toThrow('model moonshine-tiny-en: architecture.eosTokenId');
	});

	it('refuses a VAD manifest', () => {
		expect(() => asrArchitectureOf(parseManifest(edit(['kind'], 'vad')))).toThrow(/not a speech recognition/);
	});
});

describe('modelRef', () => {
	it('hashes the served files, whatever order the manifest lists them in', async () => {
		const a = await modelRef(parseManifest(valid));
		const reordered = { ...valid, files: { decoder: valid.files.decoder, encoder: valid.files.encoder } };
		expect(await modelRef(parseManifest(reordered))).toEqual(a);
		expect(a).toMatchObject({ id: 'moonshine-tiny-en', version: '1.1.0' });
		expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
	});

	it('changes when any file changes, and only then', async () => {
		const a = await modelRef(parseManifest(valid));
		const changed = await modelRef(parseManifest(edit(['files', 'encoder', 'sha256'], sha('d'))));
		const sourceOnly = await modelRef(parseManifest(edit(['files', 'decoder', 'from', 'sha256'], sha('e'))));
		expect(changed.sha256).not.toBe(a.sha256);
		expect(sourceOnly.sha256).toBe(a.sha256);
	});
});
