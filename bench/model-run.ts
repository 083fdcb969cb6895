// One speech model in a fresh process, so its WASM heap is its own (the heap keeps its peak for
// good): prints one JSON line with the engine's ready time, the warm RTF on the read-speech clip,
// the corpus WER and warm RTF over the evaluation set, the WASM heap and the peak process memory.
// Used by bench/speech.ts (benchModels); run alone: tsx bench/model-run.ts MODEL_ID
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wasmHeapBytes } from './wasm-memory';
const { createNodeEngine, decodeAudioFile } = await import('../src/lib/engine/node/index');
const { totalWer, wer } = await import('../src/lib/transcript/align');

const modelId = process.argv[2];
if (!modelId) throw new Error('usage: tsx bench/model-run.ts MODEL_ID');
const RUNS = 5;
const speech = join(import.meta.dirname, '../tests/fixtures/speech');
const evalSet = readFileSync(join(speech, 'eval.jsonl'), 'utf8')
	.split('\n')
	.filter(Boolean)
	.map((l) => JSON.parse(l) as { audio: string; text: string });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loadStarted = performance.now();
const engine = await createNodeEngine({ modelId });
const readyMs = performance.now() - loadStarted;

const { audio: clip } = await decodeAudioFile(join(speech, 'demo-echotest.wav'));
await engine.transcribe(clip); // warm-up
const times: number[] = [];
for (let i = 0; i < RUNS; i++) {
	const t = performance.now();
	await engine.transcribe(clip);
	times.push((performance.now() - t) / 1000);
}

// Every clip is warm by now (same sessions); the set's RTF is total time over total audio.
const scores = [];
let evalSeconds = 0;
let evalAudioSec = 0;
for (const { audio, text } of evalSet) {
	const { audio: pcm } = await decodeAudioFile(join(speech, audio));
	const t = performance.now();
	const result = await engine.transcribe(pcm);
	evalSeconds += (performance.now() - t) / 1000;
	evalAudioSec += result.durationSec;
	scores.push(wer(text, result.text));
}
const total = totalWer(scores);
console.log(
	JSON.stringify({
		model: engine.model,
		readyMs,
		clipRtf: median(times) / (clip.length / engine.sampleRate),
		evalWer: total.wer,
		evalWords: total.referenceWords,
		evalRtf: evalSeconds / evalAudioSec,
		wasmHeapBytes: wasmHeapBytes(),
		peakRssBytes: process.resourceUsage().maxRSS * 1024
	})
);
await engine.release();
