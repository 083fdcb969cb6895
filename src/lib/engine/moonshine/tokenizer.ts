import llamaTokenizer from 'llama-tokenizer-js';
import type { PieceTokenizer } from '../words';

/** Moonshine's sentencepiece vocabulary (the LLaMA one) through llama-tokenizer-js. */
export const moonshineTokenizer: PieceTokenizer & { text(ids: number[]): string } = {
	piece: (id) => llamaTokenizer.vocabById[id],
	// decode(ids, addBos=false, addPrecedingSpace=false): keep every space; callers trim.
	decode: (ids) => llamaTokenizer.decode(ids, false, false),
	text: (ids) => llamaTokenizer.decode(ids, false).trim()
};
