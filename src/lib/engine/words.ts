import type { Word } from '../transcript/types';

/** The tokenizer surface words need: sentencepiece pieces by id, and byte-level decoding. */
export interface PieceTokenizer {
	piece(id: number): string | undefined;
	decode(ids: number[]): string;
}

const WORD_START = '\u2581';
const PUNCTUATION_ONLY = /^[\p{P}\p{S}\s]+$/u;

/**
 * Groups decoded tokens into words with a confidence each.
 *
 * A word starts at a piece that begins with the sentencepiece marker `▁`; pieces without it (word
 * continuations, byte-fallback pieces such as `<0xE2>`) join the current word.
 *
 * Word confidence is the MINIMUM probability of the word's tokens: a word is only as certain as its
 * least certain piece, and one doubtful sub-word is exactly where a word is misspelt or misheard.
 * Tokens that decode to punctuation alone ("." "," "?") are left out of the minimum unless the word
 * is nothing but punctuation: the user corrects words, and an unsure comma should not flag "things.".
 * Each word also names the index range of the tokens that carry its letters (`firstToken`..`lastToken`,
 * inclusive; trailing punctuation left out, as it is not spoken), for word times aligned per token
 * (moonshine/word-times.ts).
 */
export function tokensToWords(
	tokens: readonly number[],
	probs: readonly number[],
	tokenizer: PieceTokenizer
): { text: string; confidence: number; firstToken: number; lastToken: number }[] {
	const groups: { ids: number[]; probs: number[]; first: number; last: number; index: number[] }[] = [];
	for (let i = 0; i < tokens.length; i++) {
		const piece = tokenizer.piece(tokens[i]);
		if (piece === undefined) continue;
		const startsWord = piece.startsWith(WORD_START);
		if (startsWord || groups.length === 0) groups.push({ ids: [], probs: [], first: i, last: i, index: [] });
		const g = groups[groups.length - 1];
		g.index.push(i);
		g.ids.push(tokens[i]);
		g.probs.push(probs[i]);
	}
	const words: { text: string; confidence: number; firstToken: number; lastToken: number }[] = [];
	for (const g of groups) {
		const text = tokenizer.decode(g.ids).trim();
		if (!text) continue;
		let min = Infinity;
		let minAll = Infinity;
		let lastSpoken = -1;
		for (let i = 0; i < g.ids.length; i++) {
			minAll = Math.min(minAll, g.probs[i]);
			const pieceText = tokenizer.decode([g.ids[i]]).trim();
			if (pieceText && !PUNCTUATION_ONLY.test(pieceText)) {
				min = Math.min(min, g.probs[i]);
				lastSpoken = g.index[i];
			}
		}
		g.last = lastSpoken >= 0 ? lastSpoken : g.index[g.index.length - 1];
		// Punctuation glued to nothing (a stray "," after a space) belongs to the previous word.
		if (PUNCTUATION_ONLY.test(text) && words.length > 0) {
			words[words.length - 1].text += text;
			continue;
		}
		words.push({
			text,
			confidence: Number.isFinite(min) ? min : minAll,
			firstToken: g.first,
			lastToken: g.last
		});
	}
	return words;
}

/**
 * Word times inside a segment, estimated: speaking time is shared out in proportion to each word's
 * character count (plus one for the space after it). `clock` maps a fraction of the segment's
 * speaking time to seconds; by default time is linear over [start, end], and the engine passes
 * one that skips the frames the VAD heard as silence. Moonshine gives no alignment, so this is an
 * honest approximation, labelled as such in every result (`wordTiming`).
 */
export function interpolateWordTimes(
	words: readonly { text: string; confidence: number }[],
	start: number,
	end: number,
	clock: (fraction: number) => number = (f) => start + f * (end - start)
): Word[] {
	const weights = words.map((w) => w.text.length + 1);
	const total = weights.reduce((a, b) => a + b, 0);
	let acc = 0;
	return words.map((w, i) => {
		const from = clock(acc / total);
		acc += weights[i];
		// The trailing space is not speech: a word ends where its letters do.
		const to = clock(i === words.length - 1 ? 1 : (acc - 1) / total);
		return { text: w.text, start: round3(from), end: round3(to), confidence: round3(w.confidence) };
	});
}

/**
 * A clock over the speech frames of a segment: fraction 0..1 of the frames at or above `threshold`
 * maps to the time inside that frame. Falls back to linear time when no frame counts as speech.
 */
export function speechClock(
	probs: ArrayLike<number>,
	frameSeconds: number,
	start: number,
	end: number,
	threshold = 0.5
): (fraction: number) => number {
	const first = Math.floor(start / frameSeconds);
	const last = Math.min(probs.length, Math.ceil(end / frameSeconds));
	const speech: number[] = [];
	for (let f = first; f < last; f++) if (probs[f] >= threshold) speech.push(f);
	if (speech.length === 0) return (f) => start + f * (end - start);
	return (fraction) => {
		const x = Math.min(1, Math.max(0, fraction)) * speech.length;
		const i = Math.min(speech.length - 1, Math.floor(x));
		const t = (speech[i] + (x - i)) * frameSeconds;
		return Math.min(end, Math.max(start, t));
	};
}

function round3(x: number): number {
	return Math.round(x * 1000) / 1000;
}
