// One long recording in a fresh process, as `npm run transcribe` would run it: prints one JSON line
// with the RTF, the process's peak memory (engine load included) and memory along the segments.
// Used by bench/speech.ts (benchLong); run alone: tsx bench/long-run.ts FILE [MODEL_ID]
import { wasmHeapBytes } from './wasm-memory';
const { createNodeEngine, openAudioFile } = await import('../src/lib/engine/node/index');

const file = process.argv[2];
const engine = await createNodeEngine({ modelId: process.argv[3] });
const audio = await openAudioFile(file);
const rss: number[] = [];
const started = performance.now();
const result = await engine
	.transcribe(audio.source, { onSegment: () => rss.push(process.memoryUsage().rss) })
	.finally(() => audio.close());
const seconds = (performance.now() - started) / 1000;
const q = Math.max(1, Math.floor(rss.length / 4));
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
	JSON.stringify({
		rtf: seconds / result.durationSec,
		segments: result.segments.length,
		text: result.text,
		// maxRSS is in kilobytes: the process's peak resident memory, load and JIT included.
		peakRssBytes: process.resourceUsage().maxRSS * 1024,
		firstQuarterRssBytes: avg(rss.slice(0, q)),
		lastQuarterRssBytes: avg(rss.slice(-q)),
		wasmHeapBytes: wasmHeapBytes()
	})
);
await engine.release();
