/**
 * Exports of a transcript as corrected by the user: plain text, SRT, WebVTT and JSON here (pure,
 * synchronous strings), DOCX in ./docx.ts (loaded only when asked for, through `exportDoc`).
 *
 * Subtitle cues come from segments. A segment is cut into several cues at word boundaries, using the
 * word times, so that no cue lasts longer than `maxDurationSec` (7 s) or holds more than `maxChars`
 * (84) characters, unless a single word alone exceeds them. A segment's first cue starts at the
 * segment start and its last cue ends at the segment end; cues in between start at their first word's
 * start and end at their last word's end. Cue text over `lineChars` (42) is wrapped onto two lines at
 * the space that best balances them. Segments without words give no cue.
 */
import { timeOffset, type DocSegment, type TranscriptDoc } from './document';
import { formatClock, formatSrtTime, formatVttTime } from './time';
import type { Backend, ModelRef, Word } from './types';

/** Options for the plain-text (and DOCX) export. */
export interface TxtOptions {
	/** Prefix each segment with its start time, e.g. `[1:02]` (default false). */
	timestamps?: boolean;
	/** Prefix each segment with its speaker label when it has one (default true). */
	speakers?: boolean;
}

/** Options for cue building (SRT and WebVTT). */
export interface CueOptions {
	/** Longest cue in seconds before it is cut at a word boundary (default 7). */
	maxDurationSec?: number;
	/** Most characters in one cue before it is cut (default 84). */
	maxChars?: number;
	/** Longest line before the cue text wraps onto two lines (default 42). */
	lineChars?: number;
	/** Show speaker labels: `Name: ` in SRT, a `<v Name>` voice span in WebVTT (default true). */
	speakers?: boolean;
}

/** One subtitle cue, before wrapping and escaping. */
export interface Cue {
	start: number;
	end: number;
	speaker: string;
	text: string;
	/** True for the first cue of a segment (where SRT shows the speaker). */
	first: boolean;
}

/** The JSON export's shape (also what telemetry and other tools can read back). */
export interface JsonExport {
	title: string;
	model: ModelRef;
	/** The rollout arm the model was chosen by (absent for transcripts made before the rollout). */
	arm?: 'default' | 'candidate' | 'user';
	backend: Backend;
	durationSec: number;
	/** The document's time offset; segment and word times are relative to the recording. */
	timeOffsetSec: number;
	segments: {
		start: number;
		end: number;
		speaker: string;
		text: string;
		words: {
			text: string;
			start: number;
			end: number;
			confidence: number;
			edited: boolean;
			confirmed: boolean;
		}[];
		original: { text: string; words: Word[] };
	}[];
}

const codePoints = (s: string) => Array.from(s).length;
const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

function cueWords(seg: DocSegment) {
	return seg.words.map((w) => ({ ...w, text: clean(w.text) })).filter((w) => w.text !== '');
}

/** Cuts the document's segments into subtitle cues (method in the file header). */
export function buildCues(doc: TranscriptDoc, opts: CueOptions = {}): Cue[] {
	const maxDuration = opts.maxDurationSec ?? 7;
	const maxChars = opts.maxChars ?? 84;
	const cues: Cue[] = [];
	let floor = 0;
	for (const seg of doc.segments) {
		const words = cueWords(seg);
		if (words.length === 0) continue;
		const groups: (typeof words)[] = [];
		let cur: typeof words = [];
		let chars = 0;
		for (const w of words) {
			const len = codePoints(w.text);
			if (cur.length > 0 && (chars + 1 + len > maxChars || w.end - cur[0].start > maxDuration)) {
				groups.push(cur);
				cur = [];
				chars = 0;
			}
			chars += (cur.length > 0 ? 1 : 0) + len;
			cur.push(w);
		}
		groups.push(cur);
		groups.forEach((g, i) => {
			let start = i === 0 ? Math.min(seg.start, g[0].start) : g[0].start;
			let end = i === groups.length - 1 ? Math.max(seg.end, g[g.length - 1].end) : g[g.length - 1].end;
			// Cues must not go back in time, even if word estimates overlap.
			start = Math.max(start, floor);
			end = Math.max(end, start);
			floor = end;
			cues.push({
				start,
				end,
				speaker: clean(seg.speaker),
				text: g.map((w) => w.text).join(' '),
				first: i === 0
			});
		});
	}
	return cues;
}

/** Wraps cue text onto at most two lines at the space that makes the longer line shortest (ties: shorter top line). */
export function wrapCueText(text: string, lineChars = 42): string[] {
	if (codePoints(text) <= lineChars) return [text];
	let best: string[] = [text];
	let bestLen = Infinity;
	for (let i = text.indexOf(' '); i >= 0; i = text.indexOf(' ', i + 1)) {
		const a = text.slice(0, i);
		const b = text.slice(i + 1);
		const len = Math.max(codePoints(a), codePoints(b));
		if (len < bestLen) {
			bestLen = len;
			best = [a, b];
		}
	}
	return best;
}

function segmentLine(seg: DocSegment, opts: TxtOptions, offset: number): string {
	const text = clean(seg.words.map((w) => w.text).join(' '));
	const speaker = clean(seg.speaker);
	const ts = opts.timestamps ? `[${formatClock(seg.start + offset)}] ` : '';
	const who = (opts.speakers ?? true) && speaker !== '' ? `${speaker}: ` : '';
	return `${ts}${who}${text}`;
}

/**
 * Plain text: one paragraph per non-empty segment, blank lines between, optional times (with the
 * document's time offset added) and speakers.
 */
export function exportTxt(doc: TranscriptDoc, opts: TxtOptions = {}): string {
	const offset = timeOffset(doc);
	const lines = doc.segments.filter((s) => cueWords(s).length > 0).map((s) => segmentLine(s, opts, offset));
	return lines.length === 0 ? '' : `${lines.join('\n\n')}\n`;
}

/**
 * SubRip subtitles (LF line endings, cues numbered from 1). The speaker label opens a segment's first cue
 * only. SRT has no escaping, so a literal `-->` in the text, which some parsers take for a timing line,
 * is written as `->`.
 */
export function exportSrt(doc: TranscriptDoc, opts: CueOptions = {}): string {
	const cues = buildCues(doc, opts).map((c, i) => {
		const label = (opts.speakers ?? true) && c.first && c.speaker !== '' ? `${c.speaker}: ` : '';
		const lines = wrapCueText(`${label}${c.text}`.replace(/-->/g, '->'), opts.lineChars);
		return `${i + 1}\n${formatSrtTime(c.start)} --> ${formatSrtTime(c.end)}\n${lines.join('\n')}\n`;
	});
	return cues.join('\n');
}

/** Escapes the three characters WebVTT cue text treats as markup. */
export function escapeVtt(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** WebVTT subtitles with the WEBVTT header; speakers as voice spans. */
export function exportVtt(doc: TranscriptDoc, opts: CueOptions = {}): string {
	const cues = buildCues(doc, opts).map((c) => {
		const lines = wrapCueText(c.text, opts.lineChars).map(escapeVtt);
		const voice = (opts.speakers ?? true) && c.speaker !== '' ? `<v ${escapeVtt(c.speaker)}>` : '';
		return `${formatVttTime(c.start)} --> ${formatVttTime(c.end)}\n${voice}${lines.join('\n')}\n`;
	});
	return ['WEBVTT\n', ...cues].join('\n');
}

/** The JSON export as an object: edited words with their flags beside the model's original words. */
export function toJsonExport(doc: TranscriptDoc): JsonExport {
	return {
		title: doc.title,
		model: { id: doc.model.id, version: doc.model.version, sha256: doc.model.sha256 },
		...(doc.arm ? { arm: doc.arm } : {}),
		backend: doc.backend,
		durationSec: doc.durationSec,
		timeOffsetSec: timeOffset(doc),
		segments: doc.segments.map((s) => ({
			start: s.start,
			end: s.end,
			speaker: s.speaker,
			text: s.words.map((w) => w.text).join(' '),
			words: s.words.map((w) => ({
				text: w.text,
				start: w.start,
				end: w.end,
				confidence: w.confidence,
				edited: w.edited,
				confirmed: w.confirmed
			})),
			original: {
				text: s.original.text,
				words: s.original.words.map((w) => ({
					text: w.text,
					start: w.start,
					end: w.end,
					confidence: w.confidence
				}))
			}
		}))
	};
}

/** The JSON export as text (two-space indentation, trailing newline). */
export function exportJson(doc: TranscriptDoc): string {
	return `${JSON.stringify(toJsonExport(doc), null, 2)}\n`;
}

const RESERVED_WINDOWS = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const MAX_NAME_CHARS = 120;

/**
 * A safe download file name from a title: unicode kept; control and bidi-override characters, path
 * separators and characters Windows forbids removed; leading/trailing dots and spaces trimmed; at most
 * 120 characters; Windows device names suffixed with `_`; empty → `transcript`. `ext` with or without dot.
 */
export function exportFileName(title: string, ext: string): string {
	let base = title
		.normalize('NFC')
		.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, ' ')
		.replace(/[/\\<>:"|?*]/g, ' ')
		.replace(/\s+/g, ' ')
		.replace(/^[\s.]+|[\s.]+$/g, '');
	const chars = Array.from(base);
	if (chars.length > MAX_NAME_CHARS)
		base = chars
			.slice(0, MAX_NAME_CHARS)
			.join('')
			.replace(/[\s.]+$/, '');
	if (base === '') base = 'transcript';
	if (RESERVED_WINDOWS.test(base)) base = `${base}_`;
	const cleanExt = ext.replace(/^\.+/, '').replace(/[^A-Za-z0-9]/g, '');
	return cleanExt === '' ? base : `${base}.${cleanExt}`;
}

/** The export formats, with file extension, MIME type and the label the UI shows. */
export const EXPORT_FORMATS = {
	txt: { ext: 'txt', mimeType: 'text/plain;charset=utf-8', label: 'Plain text (TXT)' },
	srt: { ext: 'srt', mimeType: 'application/x-subrip;charset=utf-8', label: 'Subtitles (SRT)' },
	vtt: { ext: 'vtt', mimeType: 'text/vtt;charset=utf-8', label: 'WebVTT' },
	json: { ext: 'json', mimeType: 'application/json;charset=utf-8', label: 'JSON' },
	docx: {
		ext: 'docx',
		mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		label: 'Word (DOCX)'
	}
} as const;

/** A format name accepted by `exportDoc`. */
export type ExportFormat = keyof typeof EXPORT_FORMATS;

/** A finished export, ready to wrap in a Blob (`new Blob([data], { type: mimeType })`) and download. */
export interface ExportFile {
	fileName: string;
	mimeType: string;
	data: string | Uint8Array<ArrayBuffer>;
}

/** Exports a document in any format; DOCX support is loaded on first use so other formats stay light. */
export async function exportDoc(
	doc: TranscriptDoc,
	format: ExportFormat,
	opts: TxtOptions & CueOptions = {}
): Promise<ExportFile> {
	const { ext, mimeType } = EXPORT_FORMATS[format];
	const fileName = exportFileName(doc.title, ext);
	switch (format) {
		case 'txt':
			return { fileName, mimeType, data: exportTxt(doc, opts) };
		case 'srt':
			return { fileName, mimeType, data: exportSrt(doc, opts) };
		case 'vtt':
			return { fileName, mimeType, data: exportVtt(doc, opts) };
		case 'json':
			return { fileName, mimeType, data: exportJson(doc) };
		case 'docx': {
			const { exportDocx } = await import('./docx');
			return { fileName, mimeType, data: await exportDocx(doc, opts) };
		}
		default:
			throw new Error(`Unknown export format: ${String(format)}`);
	}
}
