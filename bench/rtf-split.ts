// Where the browser's time goes (`npm run bench -- browser-split`): the same 10-minute recording
// (BENCH_SPLIT_MINUTES for another length) transcribed in headless Chromium twice in one run,
// through the diagnostics page (PCM handed to the worker, as the 0.039 figure was measured) and
// through the home page's real upload path, each with the worker's own split of its time (VAD,
// encoder, decoder session.run, the step loop around it, file reading, posting segments) and the
// page side; the 22 s clip first for reference. Prints figures with the load average; asserts nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { DEFAULT_MODEL_ID } from '../src/lib/engine/models';
import { wer } from '../src/lib/transcript/align';
import { measureLong, printSplit } from './browser-long';
import {
	CHROMIUM_ARGS,
	READ_SPEECH,
	RUNS,
	fmt,
	median,
	openDiagnostics,
	row,
	transcribeOnPage,
	withServer
} from './speech';

const root = resolve(import.meta.dirname, '..');
const load = () =>
	loadavg()
		.map((x) => x.toFixed(2))
		.join(' ');

/** The diagnostics-page and upload-path figures of one recording of `minutes`, in one run. */
export async function benchSplit(minutes: number) {
	const file = join(root, `bench/out/long-${minutes}min.wav`);
	if (!existsSync(file)) {
		const built = spawnSync('bash', [join(root, 'scripts/make-long-audio.sh'), String(minutes)], {
			stdio: 'inherit'
		});
		if (built.status !== 0) throw new Error('could not build the long recording');
	}
	const reference = (
		JSON.parse(readFileSync(join(root, `bench/out/long-${minutes}min.jsonl`), 'utf8')) as { text: string }
	).text;
	console.log(`\nHeadless Chromium: where the time goes (${DEFAULT_MODEL_ID}, production build)`);
	await withServer(async (base) => {
		const profile = mkdtempSync(join(tmpdir(), 'redline-bench-profile-'));
		const context = await chromium.launchPersistentContext(profile, {
			executablePath: '/usr/bin/chromium',
			args: CHROMIUM_ARGS
		});
		try {
			const page = await context.newPage();
			await openDiagnostics(page, base, DEFAULT_MODEL_ID);
			let before = load();
			const clip = [];
			for (let i = 0; i <= RUNS; i++) {
				const run = await transcribeOnPage(page, READ_SPEECH, 300_000);
				if (i > 0) clip.push(run);
			}
			const mid = [...clip].sort((a, b) => a.seconds - b.seconds)[Math.floor(clip.length / 2)];
			row('22 s clip, diagnostics: load before / after', `${before} / ${load()}`);
			row(
				`22 s clip, diagnostics: warm RTF (median of ${RUNS})`,
				fmt(median(clip.map((r) => r.seconds / r.audioSec)))
			);
			if (mid.timings) printSplit('22 s clip (median run)', mid.timings, mid.seconds * 1000);

			before = load();
			const long = await transcribeOnPage(page, file, 3_600_000);
			row(`${minutes} min, diagnostics (PCM): load before / after`, `${before} / ${load()}`);
			row(`${minutes} min, diagnostics (PCM): RTF`, fmt(long.seconds / long.audioSec));
			const text = (await page.getByTestId('text').textContent()) ?? '';
			row(`${minutes} min, diagnostics (PCM): WER`, `${fmt(wer(reference, text).wer * 100, 1)}%`);
			if (long.timings) printSplit(`${minutes} min diagnostics`, long.timings, long.seconds * 1000);
		} finally {
			await context.close();
			rmSync(profile, { recursive: true, force: true });
		}

		const before = load();
		const f = await measureLong(base, file);
		const seconds = (f.log.doneAt - f.log.changeAt) / 1000;
		const audioSec = minutes * 60;
		row(`${minutes} min, upload: load before / after`, `${before} / ${load()}`);
		row(`${minutes} min, upload: RTF (change to Done)`, `${fmt(seconds / audioSec)} (${fmt(seconds, 0)} s)`);
		row(`${minutes} min, upload: WER`, `${fmt(wer(reference, f.text).wer * 100, 1)}%`);
		row(
			`${minutes} min, upload: main-thread long tasks`,
			`${f.log.longTasks.length}, total ${fmt(
				f.log.longTasks.reduce((a, b) => a + b, 0),
				0
			)} ms`
		);
		if (f.log.timings) printSplit(`${minutes} min upload`, f.log.timings, seconds * 1000);
	});
}
