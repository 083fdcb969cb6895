import { createDoc } from './document';
import { exportSrt, exportVtt } from './export';
import type { TranscriptResult } from './types';

/** Formats the CLI can print. */
export const OUTPUT_FORMATS = ['txt', 'json', 'srt', 'vtt'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Narrows a user-given string to an OutputFormat. */
export function isOutputFormat(s: string): s is OutputFormat {
	return (OUTPUT_FORMATS as readonly string[]).includes(s);
}

/**
 * Renders an engine result (not an edited document) for the CLI: plain text one segment per line,
 * the result itself as JSON, or subtitles through the same cue builder as the editor's exports.
 */
export function formatResult(result: TranscriptResult, format: OutputFormat): string {
	if (format === 'json') return JSON.stringify(result, null, 2) + '\n';
	if (format === 'txt') return result.segments.map((s) => s.text).join('\n') + '\n';
	let n = 0;
	const doc = createDoc({
		id: 'cli',
		title: 'transcript',
		result,
		now: new Date(0).toISOString(),
		newId: () => `w${n++}`
	});
	return format === 'srt' ? exportSrt(doc) : exportVtt(doc);
}
