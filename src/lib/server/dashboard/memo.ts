/**
 * A small content-addressed memo for the dashboard's bootstraps (assemble.ts): the answer of a pure
 * function, kept under the exact text of its inputs. The bootstraps are most of a versions request's
 * CPU (8 of them, a million draws each at 5,000 installations), and while no event arrives their inputs
 * are the same from request to request, and between sections (the versions panel's regression check
 * and the compare section run the same comparison). Keyed by the inputs themselves rather than by a
 * rollup version, so nothing has to tell it that data changed and it cannot answer from stale data:
 * new data are new inputs, a miss. Entries are the functions' results, shared: never mutate one.
 */

/** A memo of at most `size` entries; the least recently used goes first. */
export class ContentMemo {
	private readonly entries = new Map<string, unknown>();
	hits = 0;
	misses = 0;

	constructor(private readonly size = 32) {
		if (!(Number.isInteger(size) && size >= 1))
			throw new RangeError(`size must be a whole number >= 1, got ${size}`);
	}

	/** compute(), or its kept result for the same `kind` and `inputs` (compared as JSON text). */
	get<T>(kind: string, inputs: unknown, compute: () => T): T {
		const key = `${kind}\u0000${JSON.stringify(inputs)}`;
		if (this.entries.has(key)) {
			const value = this.entries.get(key) as T;
			// Map order is insertion order: moved to the end as the most recently used.
			this.entries.delete(key);
			this.entries.set(key, value);
			this.hits++;
			return value;
		}
		this.misses++;
		const value = compute();
		this.entries.set(key, value);
		if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
		return value;
	}
}

/** The dashboard's: enough for both windows' bootstraps of a handful of versions. */
export const dashboardMemo = new ContentMemo(64);
