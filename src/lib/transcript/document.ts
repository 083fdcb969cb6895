/**
 * The transcript document: the model's output plus the user's corrections, as plain immutable data
 * (JSON-serialisable, structured-cloneable, safe to keep in IndexedDB).
 *
 * Invariants every edit keeps:
 * - a word with `originalIndex !== null` is unchanged model output: its text, times and confidence are
 *   those of `segment.original.words[originalIndex]`, and these indices increase along the segment;
 * - a word with `originalIndex === null` was typed by the user (`edited: true`, confidence 1).
 *
 * Timing of edited words (documented method): each maximal run of edited words lies between the
 * previous unchanged word's end (or the segment start) and the next unchanged word's start (or the
 * segment end), clamped to the segment. The run's span is shared out in proportion to the words'
 * lengths in characters (code points), with no gaps, rounded to milliseconds. If the span is empty or
 * negative, the words get zero length at its start.
 *
 * `replaceWords` first aligns the replaced words with the new ones (./align.ts), so words the user
 * retyped unchanged keep their identity and times. Then, in each gap between unchanged words, edited
 * words are aligned with the model words of that gap that have no unchanged counterpart; an exact
 * text match restores the model word (its `originalIndex`, times and confidence).
 */
import { nowIso, randomId } from '../shared/ids';
import { alignWords } from './align';
import type { Backend, ModelRef, Segment, TranscriptResult, Word, WordTiming } from './types';

/** A word as the user sees it, with its link to the model's output. */
export interface DocWord {
	id: string;
	text: string;
	start: number;
	end: number;
	confidence: number;
	/** index into the segment's `original.words` when this word is unchanged model output, else null (inserted/edited) */
	originalIndex: number | null;
	/** true when the user changed or inserted it; its times are interpolated from neighbours */
	edited: boolean;
	/** true when the user marked a low-confidence word as correct */
	confirmed: boolean;
}

/** A segment as edited, beside the model output for its span. */
export interface DocSegment {
	id: string;
	start: number;
	end: number;
	speaker: string;
	words: DocWord[];
	/** the model's output for the audio span this segment came from (kept forever beside the edit; telemetry needs both).
	    After split/merge, each segment keeps the original words that fall in its span. */
	original: Segment;
}

/** One transcript with its corrections and metadata. */
export interface TranscriptDoc {
	id: string;
	title: string;
	createdAt: string;
	updatedAt: string;
	durationSec: number;
	model: ModelRef;
	backend: Backend;
	/**
	 * How the engine timed the words (the result's `wordTiming`). Absent in documents saved before it
	 * was kept: read it as 'interpolated-by-characters', the only method the engine had then.
	 */
	wordTiming?: WordTiming;
	segments: DocSegment[];
	/**
	 * The rollout arm the model was chosen by when this transcript was made ('default', 'candidate', or
	 * 'user' for a model the user picked), kept so a rollback does not relabel old transcripts. Absent in
	 * documents made before the rollout: read it as 'default'.
	 */
	arm?: 'default' | 'candidate' | 'user';
	/** Telemetry sampling rate per event type in force when it was made; a missing type means 1. */
	sampling?: Record<string, number>;
	notes: string;
	/**
	 * Seconds added to every time shown to a person (the editor, TXT and DOCX timestamps), for a
	 * recording that starts at a known clock time. Subtitles keep times relative to the recording, so
	 * they stay in sync with it. Absent in documents saved before it existed: read it as 0.
	 */
	timeOffsetSec?: number;
	/**
	 * Present while the transcript is still growing, or when its run stopped before the end (cancelled,
	 * crashed, tab closed): the library shows it as incomplete and Resume continues from
	 * `decodedUntilSec`. Absent once the engine has finished the whole recording.
	 */
	partial?: DocProgress;
}

/** How far an unfinished transcript got. */
export interface DocProgress {
	/** End of the last finished segment, in seconds: where a resumed run starts. */
	decodedUntilSec: number;
	/** 0..1 of the recording decoded, for the "transcribing… N %" line. */
	fraction: number;
}

/** An edit the user can make; `applyEdit` applies one. */
export type Edit =
	| { type: 'replaceWords'; segmentId: string; from: number; to: number; text: string }
	| { type: 'splitSegment'; segmentId: string; atWord: number }
	| { type: 'mergeWithNext'; segmentId: string }
	| { type: 'setSpeaker'; segmentId: string; speaker: string }
	| { type: 'confirmWord'; segmentId: string; wordIndex: number; confirmed: boolean }
	| { type: 'setTitle'; title: string }
	| { type: 'setNotes'; notes: string }
	| { type: 'setTimeOffset'; seconds: number };

/** Options for `applyEdit`: an id source and a clock, both injectable for deterministic tests. */
export interface EditOptions {
	/** New ids for inserted words and split-off segments; defaults to `randomId`. */
	newId?: () => string;
	/** ISO time for `updatedAt`; defaults to the current time. */
	now?: string;
}

/** The largest time offset: one week, far past any clock time a recording starts at. */
export const MAX_TIME_OFFSET_SEC = 7 * 24 * 3600;

/** The document's time offset in seconds (0 when it has none). */
export const timeOffset = (doc: Pick<TranscriptDoc, 'timeOffsetSec'>): number => doc.timeOffsetSec ?? 0;

function copySegment(seg: Segment): Segment {
	const copy: Segment = {
		start: seg.start,
		end: seg.end,
		text: seg.text,
		words: seg.words.map((w) => ({ ...w }))
	};
	if (seg.flags) copy.flags = { ...seg.flags };
	return copy;
}

function fromOriginal(w: Word, index: number, id: string): DocWord {
	return {
		id,
		text: w.text,
		start: w.start,
		end: w.end,
		confidence: w.confidence,
		originalIndex: index,
		edited: false,
		confirmed: false
	};
}

/** Builds a document from the engine's result; segments get an empty speaker label. */
export function createDoc(init: {
	id: string;
	title: string;
	result: TranscriptResult;
	now: string;
	newId?: () => string;
}): TranscriptDoc {
	const newId = init.newId ?? randomId;
	const { result } = init;
	return {
		id: init.id,
		title: init.title,
		createdAt: init.now,
		updatedAt: init.now,
		durationSec: result.durationSec,
		model: { ...result.model },
		backend: result.backend,
		wordTiming: result.wordTiming,
		notes: '',
		segments: toDocSegments(result.segments, newId)
	};
}

/** Document segments for engine segments: fresh ids, empty speaker, every word unchanged model output. */
export function toDocSegments(segments: readonly Segment[], newId: () => string = randomId): DocSegment[] {
	return segments.map((seg) => {
		const original = copySegment(seg);
		return {
			id: newId(),
			start: seg.start,
			end: seg.end,
			speaker: '',
			words: original.words.map((w, i) => fromOriginal(w, i, newId())),
			original
		};
	});
}

/**
 * An empty document for a run that has just started: it grows with `appendSegments` and is marked
 * partial until the run finishes.
 */
export function createPartialDoc(init: {
	id: string;
	title: string;
	model: ModelRef;
	backend: Backend;
	now: string;
}): TranscriptDoc {
	return {
		id: init.id,
		title: init.title,
		createdAt: init.now,
		updatedAt: init.now,
		durationSec: 0,
		model: { ...init.model },
		backend: init.backend,
		notes: '',
		segments: [],
		partial: { decodedUntilSec: 0, fraction: 0 }
	};
}

/** Where a growing run stands after a batch of segments (see `appendSegments`). */
export interface GrowthState {
	/** 0..1 of the recording decoded. */
	fraction: number;
	/** True when the engine finished the recording: the document stops being partial. */
	complete: boolean;
	/** The recording's length once known (at the end of the run). */
	durationSec?: number;
	/** How the run timed its words, once known. */
	wordTiming?: WordTiming;
}

/** Tolerance for comparing segment times that went through JSON and the worker (seconds). */
const TIME_EPSILON = 1e-6;

/** What one batch of segments does to a growing transcript's progress (see `growthStep`). */
export interface GrowthStep {
	/** The segments of the batch that are new: those starting at or after `decodedUntilSec`. */
	fresh: DocSegment[];
	/** The progress after the batch; undefined when the batch completes the run. */
	partial: DocProgress | undefined;
	/** The recording's length as known after the batch. */
	durationSec: number;
}

/**
 * The step `appendSegments` takes, on the progress alone (no document): which segments of the batch
 * are new, and where the run stands after it. Null when the batch changes nothing, or when the
 * transcript is complete already (`partial` undefined). Storage uses it to grow a transcript's
 * summary without reading its document.
 */
export function growthStep(
	partial: DocProgress | undefined,
	durationSec: number,
	segments: readonly DocSegment[],
	state: GrowthState
): GrowthStep | null {
	if (!partial) return null;
	let until = partial.decodedUntilSec;
	const fresh: DocSegment[] = [];
	for (const seg of segments) {
		if (seg.original.start < until - TIME_EPSILON) continue;
		fresh.push(seg);
		until = Math.max(until, seg.original.end);
	}
	const fraction = Math.max(partial.fraction, Math.min(1, Math.max(0, state.fraction)));
	if (fresh.length === 0 && !state.complete && fraction === partial.fraction) return null;
	return {
		fresh,
		partial: state.complete ? undefined : { decodedUntilSec: until, fraction },
		durationSec: Math.max(durationSec, state.durationSec ?? 0, until)
	};
}

/**
 * Appends freshly decoded segments to a partial document, leaving every existing segment (edited or
 * not) as it is. Idempotent: a segment that starts before the document's `decodedUntilSec` was
 * appended already (or lies before a resume point) and is skipped, so the same batch can be applied
 * to every state of an undo history, to a stored copy and to the editor's copy. The segment objects
 * are shared, not copied, so documents grown alike keep structural sharing. A complete document is
 * returned as it is; `updatedAt` does not move (growth is not an edit).
 */
export function appendSegments(
	doc: TranscriptDoc,
	segments: readonly DocSegment[],
	state: GrowthState
): TranscriptDoc {
	const step = growthStep(doc.partial, doc.durationSec, segments, state);
	if (!step) return doc;
	const next: TranscriptDoc = {
		...doc,
		segments: step.fresh.length > 0 ? [...doc.segments, ...step.fresh] : doc.segments,
		durationSec: step.durationSec
	};
	if (state.wordTiming) next.wordTiming = state.wordTiming;
	if (step.partial) next.partial = step.partial;
	else delete next.partial;
	return next;
}

/**
 * Takes over the growth `stored` has beyond `local`: the segments appended to the stored copy after
 * `local` was read, and its progress (or completion). `local`'s own segments and edits are kept.
 * Returns `local` itself when there is nothing to take over.
 */
export function mergeGrowth(local: TranscriptDoc, stored: TranscriptDoc): TranscriptDoc {
	if (!local.partial || local.id !== stored.id) return local;
	const known = new Set(local.segments.map((s) => s.id));
	const later = stored.segments.filter((s) => !known.has(s.id));
	const until = stored.partial?.decodedUntilSec ?? Infinity;
	if (until < local.partial.decodedUntilSec) return local;
	return appendSegments(local, later, {
		fraction: stored.partial?.fraction ?? 1,
		complete: !stored.partial,
		durationSec: stored.durationSec,
		wordTiming: stored.wordTiming
	});
}

/** Plain text of a segment as edited. */
export function segmentText(seg: DocSegment): string {
	return seg.words.map((w) => w.text).join(' ');
}

/** Plain text of the whole document as edited: one line per non-empty segment. */
export function docText(doc: TranscriptDoc): string {
	return doc.segments
		.map(segmentText)
		.filter((t) => t !== '')
		.join('\n');
}

/** Plain text of the model's output for the whole document, in the same layout as `docText`. */
export function originalDocText(doc: TranscriptDoc): string {
	return doc.segments
		.map((s) => s.original.words.map((w) => w.text).join(' '))
		.filter((t) => t !== '')
		.join('\n');
}

const roundMs = (x: number) => Math.round(x * 1000) / 1000;
const charCount = (s: string) => Math.max(1, Array.from(s).length);

/** Restores model words in gaps and re-times every run of edited words (see the file header). */
function settle(seg: DocSegment, words: DocWord[]): DocWord[] {
	const orig = seg.original.words;
	const out = words.slice();
	let runStart = 0;
	for (let i = 0; i <= out.length; i++) {
		if (i < out.length && out[i].originalIndex === null) continue;
		if (i > runStart) {
			const prev = runStart > 0 ? (out[runStart - 1].originalIndex as number) : -1;
			const next = i < out.length ? (out[i].originalIndex as number) : orig.length;
			if (next - prev > 1) {
				const gap = orig.slice(prev + 1, next).map((w) => w.text);
				const run = out.slice(runStart, i).map((w) => w.text);
				for (const op of alignWords(gap, run)) {
					if (op.op !== 'correct') continue;
					const k = runStart + (op.hyp as number);
					const oi = prev + 1 + (op.ref as number);
					out[k] = fromOriginal(orig[oi], oi, out[k].id);
				}
			}
		}
		runStart = i + 1;
	}
	// Second pass: the restorations above may have split runs, so time the final runs.
	runStart = 0;
	for (let i = 0; i <= out.length; i++) {
		if (i < out.length && out[i].originalIndex === null) continue;
		if (i > runStart) {
			let lo = runStart > 0 ? out[runStart - 1].end : seg.start;
			let hi = i < out.length ? out[i].start : seg.end;
			lo = Math.min(Math.max(lo, seg.start), seg.end);
			hi = Math.min(Math.max(hi, seg.start), seg.end);
			if (hi < lo) hi = lo;
			const lengths = out.slice(runStart, i).map((w) => charCount(w.text));
			const total = lengths.reduce((a, b) => a + b, 0);
			let acc = 0;
			for (let k = runStart; k < i; k++) {
				const len = lengths[k - runStart];
				const start = roundMs(lo + ((hi - lo) * acc) / total);
				acc += len;
				const end = roundMs(lo + ((hi - lo) * acc) / total);
				const w = out[k];
				if (w.start !== start || w.end !== end) out[k] = { ...w, start, end };
			}
		}
		runStart = i + 1;
	}
	return out;
}

function findSegment(doc: TranscriptDoc, segmentId: string): number {
	const index = doc.segments.findIndex((s) => s.id === segmentId);
	if (index < 0) throw new Error(`Unknown segment: ${JSON.stringify(segmentId)}`);
	return index;
}

function checkIndex(name: string, value: number, min: number, max: number) {
	if (!Number.isInteger(value) || value < min || value > max) {
		throw new Error(`${name} out of range: ${value} (expected an integer from ${min} to ${max})`);
	}
}

function withSegments(doc: TranscriptDoc, segments: DocSegment[], now: string): TranscriptDoc {
	return { ...doc, segments, updatedAt: now };
}

function replaceWords(
	doc: TranscriptDoc,
	edit: Extract<Edit, { type: 'replaceWords' }>,
	newId: () => string,
	now: string
): TranscriptDoc {
	const si = findSegment(doc, edit.segmentId);
	const seg = doc.segments[si];
	checkIndex('from', edit.from, 0, seg.words.length);
	checkIndex('to', edit.to, edit.from, seg.words.length);
	const tokens = edit.text.split(/\s+/).filter((t) => t !== '');
	const old = seg.words.slice(edit.from, edit.to);
	if (tokens.length === old.length && tokens.every((t, i) => t === old[i].text)) return doc;
	const replacement: DocWord[] = [];
	for (const op of alignWords(
		old.map((w) => w.text),
		tokens
	)) {
		if (op.hyp === null) continue;
		if (op.op === 'correct') replacement.push(old[op.ref as number]);
		else {
			replacement.push({
				id: newId(),
				text: tokens[op.hyp],
				start: 0,
				end: 0,
				confidence: 1,
				originalIndex: null,
				edited: true,
				confirmed: false
			});
		}
	}
	const words = [...seg.words.slice(0, edit.from), ...replacement, ...seg.words.slice(edit.to)];
	const segments = doc.segments.slice();
	segments[si] = { ...seg, words: settle(seg, words) };
	return withSegments(doc, segments, now);
}

function splitSegment(
	doc: TranscriptDoc,
	edit: Extract<Edit, { type: 'splitSegment' }>,
	newId: () => string,
	now: string
): TranscriptDoc {
	const si = findSegment(doc, edit.segmentId);
	const seg = doc.segments[si];
	if (seg.words.length < 2) throw new Error(`Cannot split a segment of ${seg.words.length} word(s)`);
	checkIndex('atWord', edit.atWord, 1, seg.words.length - 1);
	const first = seg.words.slice(0, edit.atWord);
	const second = seg.words.slice(edit.atWord);
	const at = Math.min(Math.max(second[0].start, seg.start), seg.end);
	// Model words go by the midpoint of their time, but never against the unchanged words' own links.
	const orig = seg.original.words;
	let k = orig.findIndex((w) => (w.start + w.end) / 2 >= at);
	if (k < 0) k = orig.length;
	const lastFirst = first.reduce((m, w) => (w.originalIndex === null ? m : w.originalIndex), -1);
	const firstSecond = second.find((w) => w.originalIndex !== null)?.originalIndex ?? orig.length;
	k = Math.min(Math.max(k, lastFirst + 1), firstSecond);
	const part = (words: Word[], start: number, end: number): Segment => {
		const s: Segment = { start, end, text: words.map((w) => w.text).join(' '), words };
		if (seg.original.flags) s.flags = { ...seg.original.flags };
		return s;
	};
	const a: DocSegment = {
		...seg,
		end: at,
		words: first,
		original: part(orig.slice(0, k), seg.original.start, Math.max(seg.original.start, at))
	};
	const b: DocSegment = {
		id: newId(),
		start: at,
		end: seg.end,
		speaker: seg.speaker,
		words: second.map((w) => (w.originalIndex === null ? w : { ...w, originalIndex: w.originalIndex - k })),
		original: part(orig.slice(k), Math.min(at, seg.original.end), seg.original.end)
	};
	const segments = doc.segments.slice();
	segments.splice(si, 1, a, b);
	return withSegments(doc, segments, now);
}

function mergeWithNext(doc: TranscriptDoc, segmentId: string, now: string): TranscriptDoc {
	const si = findSegment(doc, segmentId);
	if (si === doc.segments.length - 1) throw new Error('Cannot merge the last segment with a next one');
	const a = doc.segments[si];
	const b = doc.segments[si + 1];
	const offset = a.original.words.length;
	const original: Segment = {
		start: Math.min(a.original.start, b.original.start),
		end: Math.max(a.original.end, b.original.end),
		text: [a.original.text, b.original.text]
			.map((t) => t.trim())
			.filter((t) => t !== '')
			.join(' '),
		words: [...a.original.words, ...b.original.words]
	};
	if (a.original.flags || b.original.flags) original.flags = { ...a.original.flags, ...b.original.flags };
	const merged: DocSegment = {
		...a,
		start: Math.min(a.start, b.start),
		end: Math.max(a.end, b.end),
		words: [
			...a.words,
			...b.words.map((w) =>
				w.originalIndex === null ? w : { ...w, originalIndex: w.originalIndex + offset }
			)
		],
		original
	};
	const segments = doc.segments.slice();
	segments.splice(si, 2, merged);
	return withSegments(doc, segments, now);
}

/**
 * Applies one edit and returns a new document (unchanged parts are shared). Returns `doc` itself when
 * the edit changes nothing. Throws an Error naming the problem for an unknown segment or an index out
 * of range.
 */
export function applyEdit(doc: TranscriptDoc, edit: Edit, opts: EditOptions = {}): TranscriptDoc {
	const newId = opts.newId ?? randomId;
	const now = opts.now ?? nowIso();
	switch (edit.type) {
		case 'replaceWords':
			return replaceWords(doc, edit, newId, now);
		case 'splitSegment':
			return splitSegment(doc, edit, newId, now);
		case 'mergeWithNext':
			return mergeWithNext(doc, edit.segmentId, now);
		case 'setSpeaker': {
			const si = findSegment(doc, edit.segmentId);
			if (doc.segments[si].speaker === edit.speaker) return doc;
			const segments = doc.segments.slice();
			segments[si] = { ...segments[si], speaker: edit.speaker };
			return withSegments(doc, segments, now);
		}
		case 'confirmWord': {
			const si = findSegment(doc, edit.segmentId);
			const seg = doc.segments[si];
			checkIndex('wordIndex', edit.wordIndex, 0, seg.words.length - 1);
			if (seg.words[edit.wordIndex].confirmed === edit.confirmed) return doc;
			const words = seg.words.slice();
			words[edit.wordIndex] = { ...words[edit.wordIndex], confirmed: edit.confirmed };
			const segments = doc.segments.slice();
			segments[si] = { ...seg, words };
			return withSegments(doc, segments, now);
		}
		case 'setTitle':
			return doc.title === edit.title ? doc : { ...doc, title: edit.title, updatedAt: now };
		case 'setNotes':
			return doc.notes === edit.notes ? doc : { ...doc, notes: edit.notes, updatedAt: now };
		case 'setTimeOffset': {
			if (!Number.isFinite(edit.seconds) || edit.seconds < 0 || edit.seconds > MAX_TIME_OFFSET_SEC)
				throw new Error(`a time offset must be between 0 and ${MAX_TIME_OFFSET_SEC} seconds`);
			return timeOffset(doc) === edit.seconds ? doc : { ...doc, timeOffsetSec: edit.seconds, updatedAt: now };
		}
		default: {
			const unknown: never = edit;
			throw new Error(`Unknown edit type: ${JSON.stringify((unknown as { type?: unknown }).type)}`);
		}
	}
}

/** Position of a word in a document. */
export interface WordPosition {
	segmentIndex: number;
	wordIndex: number;
}

/**
 * The word being spoken at `time` (seconds): the last word starting at or before it, if that word has
 * not ended more than `tolerance` seconds earlier. Binary search, so it suits a playback loop on long
 * transcripts.
 */
export function wordAtTime(doc: TranscriptDoc, time: number, tolerance = 0.5): WordPosition | null {
	for (let si = lastStartingBy(doc.segments, time); si >= 0; si--) {
		const words = doc.segments[si].words;
		if (words.length === 0) continue;
		const wi = lastStartingBy(words, time);
		if (wi < 0) return null;
		return time - words[wi].end <= tolerance ? { segmentIndex: si, wordIndex: wi } : null;
	}
	return null;
}

/** Index of the last item (sorted by start) starting at or before `time`, or -1. Binary search. */
function lastStartingBy(items: readonly { start: number }[], time: number): number {
	let lo = 0;
	let hi = items.length - 1;
	let found = -1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (items[mid].start <= time) {
			found = mid;
			lo = mid + 1;
		} else hi = mid - 1;
	}
	return found;
}

/**
 * The next word after `after` (exclusive; null starts at the beginning) whose confidence is below
 * `threshold` and that the user has neither edited nor confirmed; wraps around once. Null when none.
 */
export function nextLowConfidence(
	doc: TranscriptDoc,
	threshold: number,
	after: WordPosition | null
): WordPosition | null {
	const flat: WordPosition[] = [];
	doc.segments.forEach((s, segmentIndex) =>
		s.words.forEach((_w, wordIndex) => flat.push({ segmentIndex, wordIndex }))
	);
	const startAt = after
		? flat.findIndex((p) => p.segmentIndex === after.segmentIndex && p.wordIndex === after.wordIndex) + 1
		: 0;
	for (let n = 0; n < flat.length; n++) {
		const p = flat[(startAt + n) % flat.length];
		const w = doc.segments[p.segmentIndex].words[p.wordIndex];
		if (!w.edited && !w.confirmed && w.confidence < threshold) return p;
	}
	return null;
}
