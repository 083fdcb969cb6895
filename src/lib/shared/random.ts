/**
 * Seeded pseudo-random numbers for the estimators (bootstrap resampling) and seeded property tests anywhere.
 *
 * Method: mulberry32, a 32-bit generator with one integer of state. It is not cryptographic and its
 * period is 2^32, which is plenty for a few thousand bootstrap resamples; what matters here is that the
 * same seed gives the same interval on every machine, so a dashboard figure can be reproduced and a
 * test can pin it. `Math.random` is never used in quality/.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Returns a mulberry32 generator for an integer seed (same seed, same sequence). */
export function mulberry32(seed: number): Random {
	if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A uniform integer in [0, n) drawn from `random`. */
export function randomInt(random: Random, n: number): number {
	if (!Number.isInteger(n) || n <= 0) throw new RangeError(`n must be a positive integer, got ${n}`);
	return Math.floor(random() * n);
}

/** A standard normal number (Box–Muller) drawn from `random`; used by simulations. */
export function randomNormal(random: Random): number {
	// 1 - u is in (0, 1], so the logarithm is finite.
	const u = 1 - random();
	const v = random();
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
