// Word-time accuracy on tests/fixtures/timing (words spliced with exactly known boundaries): median
// and 95th-percentile error of word starts and ends, in ms, for the character estimate and for the
// cross-attention alignment. Words are matched to the reference by a word alignment of normalised
// text; only words the model got right count. `--heads` instead scores every cross-attention head
// alone on whole utterances (how the manifest's alignmentHeads were chosen).
// TIMING_MODELS_DIR points at another models folder (e.g. a decoder exposing every layer); `--model
// <id>` picks the model (the default model otherwise).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import { createNodeEngine, decodeAudioFile, MODELS_DIR, readManifest } from '../src/lib/engine/node/index';
import type { DecodedTokens } from '../src/lib/engine/moonshine/model';
import type { Engine } from '../src/lib/engine/engine';
import { moonshineTokenizer } from '../src/lib/engine/moonshine/tokenizer';
import { crossAttentionWordTimes, type AlignmentHead } from '../src/lib/engine/moonshine/word-times';
import { tokensToWords } from '../src/lib/engine/words';
import { alignWords } from '../src/lib/transcript/align';
import { normalizeText } from '../src/lib/transcript/normalize';

const dir = resolve(import.meta.dirname, '../tests/fixtures/timing');

interface RefWord {
	text: string;
	start: number;
	end: number;
}
interface Utterance {
	audio: string;
	text: string;
	words: RefWord[];
}
/** Errors of the matched words, in seconds (hypothesis minus reference). */
interface Errors {
	start: number[];
	end: number[];
	matched: number;
	total: number;
}

/** The timing set's utterances (tests/fixtures/timing/words.json). */
export function timingSet(): Utterance[] {
	return (JSON.parse(readFileSync(join(dir, 'words.json'), 'utf8')) as { utterances: Utterance[] })
		.utterances;
}

/** Adds the errors of the hypothesis words that the alignment pairs with an equal reference word. */
function score(
	ref: readonly RefWord[],
	hyp: readonly { text: string; start: number; end: number }[],
	into: Errors
) {
	const norm = (t: string) => normalizeText(t).replace(/\s+/g, '');
	const ops = alignWords(
		ref.map((w) => norm(w.text)),
		hyp.map((w) => norm(w.text))
	);
	into.total += ref.length;
	for (const op of ops) {
		if (op.op !== 'correct' || op.ref === null || op.hyp === null) continue;
		into.matched++;
		into.start.push(hyp[op.hyp].start - ref[op.ref].start);
		into.end.push(hyp[op.hyp].end - ref[op.ref].end);
	}
}

const quantile = (xs: number[], q: number) => {
	const s = xs.map(Math.abs).sort((a, b) => a - b);
	return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};
const ms = (s: number) => `${Math.round(s * 1000)}`.padStart(5);
const empty = (): Errors => ({ start: [], end: [], matched: 0, total: 0 });
function summary(label: string, e: Errors) {
	console.log(
		`  ${label.padEnd(34)} start median ${ms(quantile(e.start, 0.5))} p95 ${ms(quantile(e.start, 0.95))}` +
			` · end median ${ms(quantile(e.end, 0.5))} p95 ${ms(quantile(e.end, 0.95))} ms` +
			` · ${e.matched}/${e.total} words matched`
	);
}

/**
 * The harder variant: seeded white noise, uniform in [-amplitude, amplitude] (as sox `synth
 * whitenoise vol 0.01`, about -45 dBFS RMS), added to every sample, so the gaps are no longer
 * digital silence and an energy threshold has to find the floor.
 */
export function withNoise(audio: Float32Array, amplitude: number, seed = 1): Float32Array {
	let state = seed >>> 0;
	const out = new Float32Array(audio.length);
	for (let i = 0; i < audio.length; i++) {
		// mulberry32: a fixed seed gives the same noise every run.
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		out[i] = audio[i] + amplitude * (2 * u - 1);
	}
	return out;
}

const METHODS = ['interpolated-by-characters', 'cross-attention-dtw', 'best'] as const;

/** Every method through the whole engine (VAD segments, one decode each), clean and with noise. */
async function compare(engine: Engine, set: Utterance[], noise: number) {
	for (const amplitude of [0, noise]) {
		const errors = METHODS.map(empty);
		const labels: string[] = [];
		for (const u of set) {
			const clean = (await decodeAudioFile(join(dir, u.audio))).audio;
			const audio = amplitude > 0 ? withNoise(clean, amplitude) : clean;
			for (const [i, wordTiming] of METHODS.entries()) {
				const r = await engine.transcribe(audio, { wordTiming });
				labels[i] = r.wordTiming;
				score(
					u.words,
					r.segments.flatMap((s) => s.words),
					errors[i]
				);
			}
		}
		console.log(
			amplitude > 0
				? `Word times on tests/fixtures/timing + white noise of amplitude ${amplitude} (|error| in ms)`
				: 'Word times on tests/fixtures/timing, clean (|error| in ms; words matched by alignment)'
		);
		errors.forEach((e, i) => summary(labels[i], e));
	}
}

/**
 * Decoder cost of the attention outputs: the same clip decoded with and without fetching them,
 * interleaved, `rounds` times each; the per-step time is the decode time over its steps.
 */
async function stepCost(engine: Engine, set: Utterance[], rounds: number) {
	const { audio } = await decodeAudioFile(join(dir, set[0].audio));
	const times = { with: [] as number[], without: [] as number[] };
	let tokens = { with: '', without: '' };
	for (let r = 0; r < rounds + 1; r++) {
		for (const kind of r % 2 ? (['with', 'without'] as const) : (['without', 'with'] as const)) {
			const t0 = performance.now();
			const d = await engine.decodeTokens(audio, undefined, kind === 'with');
			const ms = (performance.now() - t0) / (d.tokens.length + 1);
			tokens = { ...tokens, [kind]: d.tokens.join(',') };
			// The first round warms both paths up.
			if (r > 0) times[kind].push(ms);
		}
	}
	if (tokens.with !== tokens.without) throw new Error('token ids differ with and without attention outputs');
	const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	console.log(
		`Decode of ${set[0].audio} (encoder included, per step), ${rounds} interleaved rounds: ` +
			`with attention outputs median ${med(times.with).toFixed(2)} ms, without ${med(times.without).toFixed(2)} ms`
	);
}

/** Every head alone, then the best few together, on whole utterances decoded without the VAD. */
async function searchHeads(engine: Engine, set: Utterance[]) {
	const decoded: { u: Utterance; d: DecodedTokens; seconds: number }[] = [];
	for (const u of set) {
		const { audio } = await decodeAudioFile(join(dir, u.audio));
		const d = await engine.decodeTokens(audio);
		if (!d.attention) throw new Error('this decoder exposes no cross-attention (set TIMING_MODELS_DIR)');
		decoded.push({ u, d, seconds: audio.length / engine.sampleRate });
	}
	const { layers, heads } = decoded[0].d.attention!;
	const run = (chosen: AlignmentHead[]) => {
		const e = empty();
		for (const { u, d, seconds } of decoded) {
			const words = tokensToWords(d.tokens, d.probs, moonshineTokenizer);
			score(u.words, crossAttentionWordTimes(words, d.attention!, chosen, 0, seconds), e);
		}
		return e;
	};
	const ranked: { head: AlignmentHead; e: Errors; cost: number }[] = [];
	for (const layer of layers)
		for (let h = 0; h < heads; h++) {
			const e = run([[layer, h]]);
			ranked.push({
				head: [layer, h],
				e,
				cost: quantile(e.start, 0.5) + quantile(e.end, 0.5) + quantile(e.start, 0.95) + quantile(e.end, 0.95)
			});
		}
	ranked.sort((a, b) => a.cost - b.cost);
	console.log(`Cross-attention heads alone (${layers.length} layers x ${heads} heads), best first`);
	for (const r of ranked) summary(`layer ${r.head[0]} head ${r.head[1]}`, r.e);
	for (const k of [2, 3, 4, 6, 8]) summary(`best ${k} together`, run(ranked.slice(0, k).map((r) => r.head)));
	// The best heads alone need not be the best set: forward selection adds, each round, the head of the
	// 16 best alone that lowers the set's cost most, and stops when none does.
	const cost = (e: Errors) =>
		quantile(e.start, 0.5) + quantile(e.end, 0.5) + quantile(e.start, 0.95) + quantile(e.end, 0.95);
	const pool = ranked.slice(0, 16).map((r) => r.head);
	const chosen: AlignmentHead[] = [];
	let best = Infinity;
	while (chosen.length < 8) {
		const tries = pool
			.filter((h) => !chosen.includes(h))
			.map((h) => ({ h, c: cost(run([...chosen, h])) }))
			.sort((a, b) => a.c - b.c);
		if (!tries.length || tries[0].c >= best) break;
		best = tries[0].c;
		chosen.push(tries[0].h);
		summary(`forward ${chosen.map(([l, h]) => `${l}.${h}`).join(' ')}`, run(chosen));
	}
}

if (process.argv[1]?.endsWith('timing.ts')) {
	const option = (name: string) => {
		const i = process.argv.indexOf(name);
		return i >= 0 ? process.argv[i + 1] : undefined;
	};
	const arg = (name: string, fallback: number) => Number(option(name) ?? fallback);
	const modelsDir = process.env.TIMING_MODELS_DIR ?? MODELS_DIR;
	const modelId = option('--model') ?? DEFAULT_MODEL_ID;
	const { version } = await readManifest(modelId, modelsDir);
	console.log(
		`${modelId} ${version} (${modelsDir}) · load average ${loadavg()
			.map((x) => x.toFixed(2))
			.join(' ')}`
	);
	const engine = await createNodeEngine({ modelId, modelsDir });
	try {
		const set = timingSet();
		if (process.argv.includes('--heads')) await searchHeads(engine, set);
		else if (process.argv.includes('--step-cost')) await stepCost(engine, set, arg('--rounds', 10));
		else await compare(engine, set, arg('--noise', 0.01));
	} finally {
		await engine.release();
	}
}
