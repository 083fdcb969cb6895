/**
 * Detects a decoder stuck in a loop: on silence, music or noise, small speech models emit the same
 * token or phrase over and over until the token cap. Returns the length the token list should be cut
 * to (keeping one copy of the repeated unit), or -1 when the tail is not a loop.
 *
 * A tail is a loop when a unit of 1..maxUnit tokens repeats back to back, at least `minRepeats` times
 * and spanning at least `minSpan` tokens (so "no no" or "very very" in real speech is left alone).
 */
export function repetitionCut(
	tokens: readonly number[],
	{
		maxUnit = 12,
		minRepeats = 4,
		minSpan = 8
	}: { maxUnit?: number; minRepeats?: number; minSpan?: number } = {}
): number {
	const n = tokens.length;
	for (let unit = 1; unit <= maxUnit && unit * 2 <= n; unit++) {
		let repeats = 1;
		while ((repeats + 1) * unit <= n && sameBlock(tokens, n - unit, n - (repeats + 1) * unit, unit))
			repeats++;
		if (repeats >= minRepeats && repeats * unit >= minSpan) return n - (repeats - 1) * unit;
	}
	return -1;
}

function sameBlock(tokens: readonly number[], a: number, b: number, len: number): boolean {
	for (let i = 0; i < len; i++) if (tokens[a + i] !== tokens[b + i]) return false;
	return true;
}
