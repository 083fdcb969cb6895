// Would decoding several VAD segments as one batch pay? (`npm run bench -- batch-decode`, Node, the
// same onnxruntime-web WASM kernels as the browser; ratios carry over, absolute times do not.)
// 1. Where a run's time goes today: encoder and decoder per second of audio, decoder steps per
//    second, cost of one step (the engine's own PipelineTimings over BENCH_BATCH_SECONDS of the
//    10-minute recording).
// 2. One cached decoder step at batch B = 1, 2, 4, 8 and KV length n (the rows copies of one real
//    segment), and the encoder at batch B (rows of the same length), rounds alternating the B.
// 3. Batched greedy decoding of the recording's real segments, consecutive ones grouped B at a time:
//    each segment's encoder and first step run alone (as today), then its cached steps run in the
//    batch, the shorter segments' encoder frames padded and masked out of the cross-attention by a
//    bias input (graph.mjs addCrossAttentionBias), a finished segment dropped from the batch. Token
//    ids, probabilities and attention are compared with today's one-segment decoding; times against
//    it and against B=1 of the same loop (the same work as today, run beside the batches: the control
//    that shows how much the load drifted), odd rounds in reverse order. The projected RTF puts the
//    ratio to B=1 into part 1's split.
// BENCH_THREADS sets onnxruntime's WASM threads (default 2; run.ts runs 2 and 1). Prints figures
// with the load average; asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as ortNode from 'onnxruntime-web';
import { createNodeEngine, decodeAudioFile, loadAssets } from '../src/lib/engine/node/index';
import { pipelineTimings } from '../src/lib/engine/engine';
import { asrArchitectureOf } from '../src/lib/engine/manifest';
import {
	MoonshineModel,
	decodeTimings,
	pickToken,
	type DecodedTokens
} from '../src/lib/engine/moonshine/model';
import { repetitionCut } from '../src/lib/engine/moonshine/repetition';
import { sessionOptions, type OrtModule, type Tensor } from '../src/lib/engine/ort';
import { addCrossAttentionBias, CROSS_ATTENTION_BIAS } from '../src/lib/engine/moonshine/graph.mjs';
import { fmt, row } from './speech';

const root = resolve(import.meta.dirname, '..');
const load = () =>
	loadavg()
		.map((x) => x.toFixed(2))
		.join(' ');
const ort = ortNode as unknown as OrtModule;
const threads = Number(process.env.BENCH_THREADS ?? 2);
ort.env.wasm.numThreads = threads;
const parts = new Set((process.env.BENCH_BATCH_PARTS ?? 'split steps greedy').split(/\s+/));
const seconds = Number(process.env.BENCH_BATCH_SECONDS ?? 300);
const Bs = [1, 2, 4, 8];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

const assets = await loadAssets();
const arch = asrArchitectureOf(assets.manifest);
const vocab = assets.manifest.tokenizer?.vocabSize ?? arch.vocabSize;
const rate = assets.manifest.sampleRate;
const options = sessionOptions('wasm');
const recording = join(root, 'bench/out/long-10min.wav');
if (
	!existsSync(recording) &&
	spawnSync('bash', [join(root, 'scripts/make-long-audio.sh'), '10'], { stdio: 'inherit' }).status !== 0
)
	throw new Error('could not build the long recording');
const { audio: whole } = await decodeAudioFile(recording);
const audio = whole.slice(0, seconds * rate);
console.log(
	`\nBatched decoding (${threads} WASM threads, ${seconds} s of the 10-minute recording, load ${load()})`
);

// ---- 1. today's split ----
let spans: [number, number][];
let split: { rtf: number; modelShare: number } | undefined;
{
	const engine = await createNodeEngine({ threads });
	await engine.transcribe(audio.subarray(0, 30 * rate)); // warm-up
	const t = pipelineTimings();
	const started = performance.now();
	const result = await engine.transcribe(audio, { timings: t });
	const wall = performance.now() - started;
	await engine.release();
	spans = result.segments.map((s) => [Math.round(s.start * rate), Math.round(s.end * rate)]);
	split = { rtf: wall / 1000 / seconds, modelShare: (t.encoderMs + t.decoderRunMs + t.stepJsMs) / wall };
	if (parts.has('split')) {
		row('load average after', load());
		row('RTF (Node, this load)', fmt(split.rtf));
		row('segments / speech seconds', `${t.segments} / ${fmt(t.speechSec, 1)}`);
		for (const [label, ms] of [
			['encoder', t.encoderMs],
			['decoder session.run', t.decoderRunMs],
			['decoder step loop (JS)', t.stepJsMs],
			['VAD', t.vadMs],
			['word times', t.wordsMs],
			[
				'rest (read, yields, callbacks)',
				wall - t.encoderMs - t.decoderRunMs - t.stepJsMs - t.vadMs - t.wordsMs
			]
		] as const)
			row(
				`${label}: share of wall / ms per speech s`,
				`${fmt((100 * ms) / wall, 1)}% / ${fmt(ms / t.speechSec, 1)}`
			);
		row('decoder steps per speech second', fmt(t.decoderSteps / t.speechSec, 2));
		row('session.run per step', `${fmt(t.decoderRunMs / t.decoderSteps, 2)} ms`);
	}
}

// ---- the decoder with a cross-attention bias input ----
const decoderBytes = addCrossAttentionBias(assets.decoder, arch.decoderLayers);
const decoder = await ort.InferenceSession.create(decoderBytes, options);
const encoder = await ort.InferenceSession.create(assets.encoder, options);
const pastNames = decoder.inputNames.filter((n) => n.startsWith('past_key_values.'));
const selfNames = pastNames.filter((n) => n.includes('.decoder.'));
const crossNames = pastNames.filter((n) => n.includes('.encoder.'));
const present = (n: string) => n.replace('past_key_values', 'present');
const attentionLayers = decoder.outputNames.filter((n) => n.startsWith('cross_attentions.'));
const stepFetches = ['logits', ...selfNames.map(present), ...attentionLayers];
const bool = (v: boolean) => new ort.Tensor('bool', new Uint8Array([v ? 1 : 0]), [1]);
const int64 = (ids: number[]) =>
	new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ids.length, 1]);
const noHidden = (b: number) => new ort.Tensor('float32', new Float32Array(0), [b, 0, 288]);
const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

/** The encoder and the uncached first step of one segment, alone (what the engine does today). */
async function prime(samples: Float32Array) {
	const enc = await encoder.run({ input_values: f32(samples, [1, samples.length]) });
	const hidden = enc.last_hidden_state;
	const frames = hidden.dims[1];
	const empty: Record<string, Tensor> = {};
	for (const n of pastNames)
		empty[n] = f32(new Float32Array(0), n.endsWith('encoder.key') ? [1, 8, 36, 0] : [1, 8, 0, 36]);
	const out = await decoder.run({
		input_ids: int64([arch.startTokenId]),
		encoder_hidden_states: hidden,
		use_cache_branch: bool(false),
		[CROSS_ATTENTION_BIAS]: f32(new Float32Array(frames), [1, 1, 1, frames]),
		...empty
	});
	return { out, frames };
}

/** Row `b` of a [B, ...] tensor's data. */
const rowOf = (t: Tensor, b: number) => {
	const d = t.data as Float32Array;
	const per = d.length / t.dims[0];
	return d.subarray(b * per, (b + 1) * per);
};

/** Stacks [1, h, r, c] rows into [B, h, r', c'], zero-padding axis 2 or 3 to `len`. */
function stack(rows: { data: Float32Array; dims: readonly number[] }[], axis: 2 | 3, len: number): Tensor {
	const [, h, r0, c0] = rows[0].dims;
	const R = axis === 2 ? len : r0;
	const C = axis === 3 ? len : c0;
	const per = h * R * C;
	const out = new Float32Array(per * rows.length);
	rows.forEach(({ data, dims }, b) => {
		const [, , r, c] = dims;
		if (r === R && c === C) out.set(data, b * per);
		else
			for (let i = 0; i < h; i++)
				for (let j = 0; j < r; j++)
					out.set(data.subarray((i * r + j) * c, (i * r + j + 1) * c), b * per + (i * R + j) * C);
	});
	return f32(out, [rows.length, h, R, C]);
}

interface BatchTimes {
	/** All of decodeBatch: encoder, first steps, batched steps, batch (re)building. */
	ms: number;
	/** The segments' encoder and first-step runs (alone). */
	primeMs: number;
	/** Batched steps' session.run. */
	runMs: number;
	runs: number;
	/** Row-steps: tokens chosen (first steps included). */
	steps: number;
	/** Bytes the batched runs' inputs carried (onnxruntime-web copies them into the heap every run). */
	inBytes: number;
}
const batchTimes = (): BatchTimes => ({ ms: 0, primeMs: 0, runMs: 0, runs: 0, steps: 0, inBytes: 0 });

interface Row {
	tokens: number[];
	probs: number[];
	steps: Float32Array[];
	frames: number;
	maxTokens: number;
	stop?: DecodedTokens['stop'];
	/** The cache of this row: [1, ...] tensors' data and dims. */
	kv: Record<string, { data: Float32Array; dims: readonly number[] }>;
}

/** Today's token rule for one row's step: false when the row is finished. */
function advance(r: Row, logits: Float32Array): boolean {
	const { id, prob } = pickToken(logits, vocab);
	if (id === arch.eosTokenId) {
		r.stop = 'eos';
		return false;
	}
	r.tokens.push(id);
	r.probs.push(prob);
	const cut = repetitionCut(r.tokens);
	if (cut >= 0) {
		r.tokens.length = cut;
		r.probs.length = cut;
		r.stop = 'repetition';
		return false;
	}
	if (r.tokens.length >= r.maxTokens) {
		r.stop = 'cap';
		return false;
	}
	return true;
}

/** Decodes segments as one batch (see the top of the file). */
async function decodeBatch(segments: Float32Array[], t: BatchTimes) {
	const rows: Row[] = [];
	for (const s of segments) {
		const started = performance.now();
		const { out, frames } = await prime(s);
		t.primeMs += performance.now() - started;
		const maxTokens = Math.max(4, Math.ceil((s.length / rate) * arch.maxTokensPerSecond));
		const r: Row = { tokens: [], probs: [], steps: [], frames, maxTokens, kv: {} };
		for (const n of pastNames)
			r.kv[n] = { data: out[present(n)].data as Float32Array, dims: out[present(n)].dims };
		r.steps.push(attentionRows(out, 0, frames));
		const live = advance(r, out.logits.data as Float32Array);
		t.ms += performance.now() - started;
		t.steps++;
		rows.push(r);
		if (!live) r.kv = {};
	}
	let active = rows.filter((r) => !r.stop);
	let next = active.map((r) => r.tokens[r.tokens.length - 1]);
	let feeds: Record<string, Tensor> | undefined;
	while (active.length > 0) {
		const started = performance.now();
		if (!feeds) {
			// (Re)build the batch: only when its rows changed (start, or a row finished).
			// A row kept from an earlier batch may still carry that batch's padding.
			const F = Math.max(
				...active.map((r) => r.kv[crossNames[0]].dims[crossNames[0].endsWith('key') ? 3 : 2])
			);
			const bias = new Float32Array(active.length * F);
			active.forEach((r, b) => bias.fill(-1e9, b * F + r.frames, (b + 1) * F));
			feeds = { [CROSS_ATTENTION_BIAS]: f32(bias, [active.length, 1, 1, F]) };
			for (const n of crossNames)
				feeds[n] = stack(
					active.map((r) => r.kv[n]),
					n.endsWith('key') ? 3 : 2,
					F
				);
			for (const n of selfNames)
				feeds[n] = stack(
					active.map((r) => r.kv[n]),
					2,
					active[0].kv[n].dims[2]
				);
		}
		for (const v of Object.values(feeds)) t.inBytes += (v.data as ArrayBufferView).byteLength;
		const ran = performance.now();
		const out = await decoder.run(
			{
				...feeds,
				input_ids: int64(next),
				encoder_hidden_states: noHidden(active.length),
				use_cache_branch: bool(true)
			},
			stepFetches
		);
		t.runMs += performance.now() - ran;
		t.runs++;
		t.steps += active.length;
		const V = out.logits.dims[2];
		const logits = out.logits.data as Float32Array;
		const finished: number[] = [];
		active.forEach((r, b) => {
			r.steps.push(attentionRows(out, b, r.frames));
			if (!advance(r, logits.subarray(b * V, (b + 1) * V))) finished.push(b);
		});
		for (const n of selfNames) feeds[n] = out[present(n)];
		if (finished.length > 0) {
			// Keep each remaining row's cache, then rebuild the batch without the finished ones.
			active.forEach((r, b) => {
				if (finished.includes(b)) return (r.kv = {});
				for (const n of pastNames)
					r.kv[n] = { data: rowOf(feeds![n], b).slice(), dims: [1, ...feeds![n].dims.slice(1)] };
			});
			active = active.filter((_, b) => !finished.includes(b));
			feeds = undefined;
		}
		next = active.map((r) => r.tokens[r.tokens.length - 1]);
		t.ms += performance.now() - started;
	}
	return rows;
}

/** One step's cross-attention rows of batch row `b`, cut to the row's own frames. */
function attentionRows(out: Record<string, Tensor>, b: number, frames: number): Float32Array {
	const rows: Float32Array[] = [];
	for (const name of attentionLayers) {
		const t = out[name];
		const [, heads, , F] = t.dims;
		const data = rowOf(t, b);
		for (let h = 0; h < heads; h++) rows.push(data.subarray(h * F, h * F + frames));
	}
	const flat = new Float32Array(rows.length * frames);
	rows.forEach((r, i) => flat.set(r, i * frames));
	return flat;
}

// ---- 2. step and encoder cost vs batch ----
if (parts.has('steps')) {
	const segment = audio.subarray(spans[0][0], spans[0][0] + 7 * rate);
	const { out, frames } = await prime(segment);
	const tile = (t: Tensor, b: number) => {
		const d = t.data as Float32Array;
		const o = new Float32Array(d.length * b);
		for (let i = 0; i < b; i++) o.set(d, i * d.length);
		return f32(o, [b, ...t.dims.slice(1)]);
	};
	const N = 48;
	/** Largest |logit difference| between any row of a batch and the same step alone (rows are copies). */
	const drift = new Map<number, number>();
	const steps = async (b: number) => {
		const feeds: Record<string, Tensor> = {
			[CROSS_ATTENTION_BIAS]: f32(new Float32Array(b * frames), [b, 1, 1, frames])
		};
		for (const n of pastNames) feeds[n] = tile(out[present(n)], b);
		const times: number[] = [];
		for (let s = 0; s < N; s++) {
			const t = performance.now();
			const o = await decoder.run(
				{
					...feeds,
					input_ids: int64(Array(b).fill(300 + s)),
					encoder_hidden_states: noHidden(b),
					use_cache_branch: bool(true)
				},
				stepFetches
			);
			times.push(performance.now() - t);
			for (const n of selfNames) feeds[n] = o[present(n)];
			if (s === N - 1) {
				const logits = o.logits.data as Float32Array;
				const V = logits.length / b;
				if (b === 1) last = logits.slice();
				else
					for (let i = 0; i < logits.length; i++)
						drift.set(b, Math.max(drift.get(b) ?? 0, Math.abs(logits[i] - last[i % V])));
			}
		}
		return times;
	};
	const encode = async (b: number) => {
		const x = new Float32Array(segment.length * b);
		for (let i = 0; i < b; i++) x.set(segment, i * segment.length);
		const t = performance.now();
		await encoder.run({ input_values: f32(x, [b, segment.length]) });
		return performance.now() - t;
	};
	let last = new Float32Array(0);
	await steps(1);
	await encode(1);
	const stepTimes = new Map<number, number[][]>();
	const encTimes = new Map<number, number[]>();
	const before = load();
	for (let r = 0; r < 3; r++)
		for (const b of Bs) {
			stepTimes.set(b, [...(stepTimes.get(b) ?? []), await steps(b)]);
			encTimes.set(b, [...(encTimes.get(b) ?? []), await encode(b)]);
		}
	const at = (b: number, lo: number, hi: number) =>
		median(stepTimes.get(b)!.map((t) => sum(t.slice(lo, hi)) / (hi - lo)));
	console.log(
		`\n  One cached step at batch B (7 s segment, ${frames} frames; median of 3 alternating rounds; load ${before} / ${load()})`
	);
	console.log(
		'    B   n=1-8 ms   n=20-28   n=40-48   mean   vs B=1   per row   encoder 7 s ms   per row   max |dlogit| of a copied row'
	);
	for (const b of Bs) {
		const m = at(b, 0, N);
		const e = median(encTimes.get(b)!);
		console.log(
			`    ${String(b).padEnd(3)} ${fmt(at(b, 0, 8), 2).padStart(8)} ${fmt(at(b, 20, 28), 2).padStart(9)} ${fmt(at(b, 40, 48), 2).padStart(9)} ${fmt(m, 2).padStart(6)} ${fmt(m / at(1, 0, N), 2).padStart(7)}x ${fmt(m / b / at(1, 0, N), 3).padStart(8)} ${fmt(e, 1).padStart(12)} ${fmt(e / b / median(encTimes.get(1)!), 2).padStart(9)}   ${(drift.get(b) ?? 0).toExponential(1)}`
		);
	}
}

// ---- 3. batched greedy over the real segments ----
if (parts.has('greedy')) {
	const model = await MoonshineModel.create(ort, assets.encoder, assets.decoder, arch, vocab, rate, options);
	const segments = spans.map(([s, e]) => audio.subarray(s, e));
	const reference: DecodedTokens[] = [];
	for (const s of segments) reference.push(await model.decode(s));
	// Consecutive segments B at a time (what a pipeline can batch as the VAD closes them), and the
	// segments sorted by length first (an upper bound: least padding, rows finishing together).
	const byLength = segments.map((_, i) => i).sort((a, b) => segments[a].length - segments[b].length);
	const inOrder = segments.map((_, i) => i);
	const variants: { label: string; b: number; order: number[] }[] = [
		...Bs.map((b) => ({ label: `B=${b}`, b, order: inOrder })),
		{ label: 'B=8 sorted by length', b: 8, order: byLength }
	];
	const times = new Map<string, number[]>();
	const mismatches = new Map<string, string>();
	const details = new Map<string, BatchTimes[]>();
	const todayTimes: ReturnType<typeof decodeTimings>[] = [];
	const before = load();
	const rounds = Number(process.env.BENCH_BATCH_ROUNDS ?? 2);
	const today = async () => {
		// Today: MoonshineModel.decode, one segment at a time (encoder + first step + steps).
		const d = decodeTimings();
		const t = performance.now();
		for (const s of segments) await model.decode(s, undefined, true, d);
		times.set('today', [...(times.get('today') ?? []), performance.now() - t]);
		todayTimes.push(d);
	};
	for (let round = 0; round < rounds; round++) {
		// Odd rounds run the variants in reverse, so a load that drifts during a round hits them alike.
		if (round % 2 === 0) await today();
		for (const { label, b, order } of round % 2 === 0 ? variants : [...variants].reverse()) {
			const bt = batchTimes();
			const t = performance.now();
			const rows: Row[] = [];
			for (let i = 0; i < order.length; i += b) {
				const ids = order.slice(i, i + b);
				const got = await decodeBatch(
					ids.map((k) => segments[k]),
					bt
				);
				ids.forEach((k, j) => (rows[k] = got[j]));
			}
			times.set(label, [...(times.get(label) ?? []), performance.now() - t]);
			details.set(label, [...(details.get(label) ?? []), bt]);
			if (round > 0) continue;
			let tokenDiff = 0;
			let probDiff = 0;
			let attDiff = 0;
			let bitSame = 0;
			rows.forEach((r, i) => {
				const ref = reference[i];
				if (r.tokens.join() !== ref.tokens.join() || r.stop !== ref.stop) tokenDiff++;
				let same = r.tokens.join() === ref.tokens.join();
				r.probs.forEach((p, j) => {
					probDiff = Math.max(probDiff, Math.abs(p - (ref.probs[j] ?? 0)));
					if (p !== ref.probs[j]) same = false;
				});
				ref.attention?.steps.forEach((s, j) => {
					const mine = r.steps[j];
					if (!mine) return;
					for (let k = 0; k < s.length; k++) {
						attDiff = Math.max(attDiff, Math.abs(s[k] - mine[k]));
						if (s[k] !== mine[k]) same = false;
					}
				});
				if (same) bitSame++;
			});
			mismatches.set(
				label,
				`${segments.length - tokenDiff}/${segments.length} same tokens, ${bitSame} bit-identical; ` +
					`max |dprob| ${probDiff.toExponential(1)}, max |dattention| ${attDiff.toExponential(1)}`
			);
		}
		if (round % 2 === 1) await today();
	}
	const tokens = sum(reference.map((r) => r.tokens.length));
	console.log(
		`\n  Greedy decoding of ${segments.length} real segments (${tokens} tokens); ` +
			`${rounds} alternating rounds, load ${before} / ${load()}`
	);
	const todayMs = sum(times.get('today')!);
	const control = sum(times.get('B=1')!);
	const tt = todayTimes.reduce(
		(a, d) => ({
			enc: a.enc + d.encoderMs,
			run: a.run + d.decoderRunMs,
			steps: a.steps + d.decoderSteps,
			bytes: a.bytes + d.decoderInputBytes
		}),
		{ enc: 0, run: 0, steps: 0, bytes: 0 }
	);
	row(
		'today: encoder / decoder runs, per round',
		`${fmt(tt.enc / rounds / 1000, 2)} s / ${fmt(tt.run / rounds / 1000, 2)} s (${fmt(tt.run / tt.steps, 2)} ms per step, ` +
			`${fmt(tt.bytes / tt.steps / 1e6, 1)} MB in)`
	);
	for (const [label, ds] of details) {
		const a = ds.reduce(
			(x, d) => ({
				ms: x.ms + d.ms,
				primeMs: x.primeMs + d.primeMs,
				runMs: x.runMs + d.runMs,
				runs: x.runs + d.runs,
				steps: x.steps + d.steps,
				inBytes: x.inBytes + d.inBytes
			}),
			batchTimes()
		);
		const rowSteps = a.steps - segments.length * ds.length;
		row(
			`${label}: encoder+first steps / batched runs / rest`,
			`${fmt(a.primeMs / ds.length / 1000, 2)} s / ${fmt(a.runMs / ds.length / 1000, 2)} s ` +
				`(${a.runs / ds.length} runs, mean batch ${fmt(rowSteps / a.runs, 1)}, ${fmt(a.runMs / rowSteps, 2)} ms per row-step, ` +
				`${fmt(a.inBytes / a.runs / 1e6, 1)} MB in per run) / ${fmt((a.ms - a.primeMs - a.runMs) / ds.length / 1000, 2)} s`
		);
	}
	for (const [label, xs] of times)
		row(
			`${label}: time, vs today, vs B=1`,
			`${fmt(sum(xs) / xs.length / 1000, 2)} s, ${fmt(sum(xs) / todayMs, 2)}x, ${fmt(sum(xs) / control, 2)}x  ${mismatches.get(label) ?? ''}`
		);
	if (split) {
		console.log(
			`  Projected RTF: today's split (encoder + decoder ${fmt(split.modelShare * 100, 1)}% of the wall time) ` +
				'scaled by the ratio vs B=1 (the same loop and work as today: the fairest control), the rest ' +
				'(VAD, word times, reading) as it is'
		);
		for (const [label, xs] of times) {
			if (label === 'today' || label === 'B=1') continue;
			// Both times include the encoder and first steps: scale the encoder + decoder share.
			const factor = 1 - split.modelShare + split.modelShare * (sum(xs) / control);
			row(`${label}: wall time x (RTF at 0.039 today)`, `${fmt(factor, 3)} (${fmt(0.039 * factor, 3)})`);
		}
	}
	await model.release();
}
await decoder.release();
await encoder.release();
