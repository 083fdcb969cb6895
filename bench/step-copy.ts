// What a decoder step is made of (`npm run bench -- step-copy`, Node, the same onnxruntime-web WASM
// as the browser): session.run per step, the step loop around it, and what copying the step's inputs
// into the (shared) WASM heap and its fetched outputs back out costs on its own (onnxruntime-web
// copies every CPU tensor in and out on each run). The copy share bounds what keeping tensors in the
// heap could save. A 7 s segment of the 22 s clip, 5 warm decodes. Prints figures with the load average.
import { loadavg } from 'node:os';
import * as ortNode from 'onnxruntime-web';
import { decodeAudioFile, loadAssets } from '../src/lib/engine/node/index';
import { MoonshineModel, decodeTimings } from '../src/lib/engine/moonshine/model';
import { asrArchitectureOf } from '../src/lib/engine/manifest';
import { sessionOptions, type OrtModule } from '../src/lib/engine/ort';
import { READ_SPEECH, fmt, row } from './speech';

const ort = ortNode as unknown as OrtModule;
ort.env.wasm.numThreads = Number(process.env.BENCH_THREADS ?? 2);
const assets = await loadAssets();
const arch = asrArchitectureOf(assets.manifest);
const model = await MoonshineModel.create(
	ort,
	assets.encoder,
	assets.decoder,
	arch,
	assets.manifest.tokenizer?.vocabSize ?? arch.vocabSize,
	assets.manifest.sampleRate,
	sessionOptions('wasm')
);
const { audio } = await decodeAudioFile(READ_SPEECH);
const segment = audio.subarray(0, 7 * 16000);
await model.decode(segment); // warm-up
const before = loadavg()[0];
const t = decodeTimings();
for (let i = 0; i < 5; i++) await model.decode(segment, undefined, true, t);
const inBytes = Math.round(t.decoderInputBytes / t.decoderSteps);
const outBytes = Math.round(t.decoderOutputBytes / t.decoderSteps);
const heap = new Uint8Array(new SharedArrayBuffer(64 << 20));
const src = new Uint8Array(inBytes);
const out = new Uint8Array(outBytes);
const N = 200;
const c = performance.now();
for (let i = 0; i < N; i++) {
	heap.set(src, (i & 3) * (8 << 20));
	out.set(heap.subarray(40 << 20, (40 << 20) + outBytes));
}
const copyMs = (performance.now() - c) / N;
const runMs = t.decoderRunMs / t.decoderSteps;
console.log(`\nOne decoder step, 7 s segment (${ort.env.wasm.numThreads} threads, ${t.decoderSteps} steps)`);
row('load average before / after', `${before.toFixed(2)} / ${loadavg()[0].toFixed(2)}`);
row('session.run per step', `${fmt(runMs, 2)} ms`);
row('step loop outside run per step', `${fmt(t.stepJsMs / t.decoderSteps, 2)} ms`);
row('encoder per segment', `${fmt(t.encoderMs / 5, 1)} ms`);
row('bytes in / out per step', `${fmt(inBytes / 1e6, 2)} MB / ${fmt(outBytes / 1e6, 2)} MB`);
row('copying them alone', `${fmt(copyMs, 2)} ms (${fmt((100 * copyMs) / runMs, 1)}% of session.run)`);
await model.release();
