/** Reactive per-segment cells for the marks of segment-marks.ts (see there why). */
import { NO_MARKS, sameMarks, type Marks } from './segment-marks';

class Cell {
	value = $state.raw<Marks>(NO_MARKS);
}

/** One reactive cell per segment index: reading `at(i)` depends on segment i's marks only. */
export class SegmentMarks {
	#cells: Cell[] = [];
	/** Indices marked by the last update. */
	#marked: number[] = [];

	/**
	 * Segment i's marks (a template read: it subscribes to that segment's cell alone). The cell must
	 * exist already (`ensure`): Svelte does not track a read of state the reading reaction created.
	 */
	at(i: number): Marks {
		return this.#cell(i).value;
	}

	/** Creates the cells of segments [0, n), before any segment reads them. */
	ensure(n: number): void {
		for (let i = this.#cells.length; i < n; i++) this.#cells[i] = new Cell();
	}

	/** Takes the new marks over, writing only the cells whose marks changed. */
	update(next: Map<number, Marks>): void {
		for (const i of this.#marked) if (!next.has(i)) this.#cell(i).value = NO_MARKS;
		for (const [i, m] of next) {
			const cell = this.#cell(i);
			if (!sameMarks(cell.value, m)) cell.value = m;
		}
		this.#marked = [...next.keys()];
	}

	#cell(i: number): Cell {
		let cell = this.#cells[i];
		if (!cell) cell = this.#cells[i] = new Cell();
		return cell;
	}
}
