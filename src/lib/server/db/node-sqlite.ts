/**
 * Lets kysely's built-in SqliteDialect drive Node's own `node:sqlite` (DatabaseSync).
 *
 * Why not better-sqlite3: it is a native addon that fails to build with the project-local Node, while
 * node:sqlite ships inside Node 22.13+/24. Kysely's dialect only needs `prepare()` returning statements with
 * `reader`, `all`, `run` and `iterate` taking an array of parameters (better-sqlite3's shape); this
 * wraps DatabaseSync into exactly that. No published node:sqlite dialect on npm was well kept enough to
 * prefer over these few lines.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** How many prepared statements to keep; batch inserts of different sizes each have their own SQL. */
const STATEMENT_CACHE_SIZE = 200;

/**
 * SQL text starting with `eachRowSql(width)` runs its statement (the rest of the text, with `width`
 * parameters) once per `width` parameters of the call, in order, and returns one row `{ changes }` per
 * run: a batch of single-row INSERTs as one call through kysely, so the rows cost one trip through its
 * executor instead of one each (measured on the reference machine: about 10 µs an event row).
 */
export function eachRowSql(width: number): string {
	return `/* each row of ${width} */ `;
}

const EACH_ROW = /^\/\* each row of (\d+) \*\/ /;

/** A DatabaseSync in the shape kysely's SqliteDialect expects, with a small prepared-statement cache. */
export class NodeSqliteDatabase implements SqliteDatabase {
	readonly #db: DatabaseSync;
	readonly #cache = new Map<string, SqliteStatement>();

	constructor(db: DatabaseSync) {
		this.#db = db;
	}

	/** The underlying connection (for pragmas and tests). */
	get raw(): DatabaseSync {
		return this.#db;
	}

	close(): void {
		this.#cache.clear();
		if (this.#db.isOpen) this.#db.close();
	}

	prepare(sql: string): SqliteStatement {
		const hit = this.#cache.get(sql);
		if (hit) {
			// Map order is insertion order: re-inserting makes this the most recently used.
			this.#cache.delete(sql);
			this.#cache.set(sql, hit);
			return hit;
		}
		const each = EACH_ROW.exec(sql);
		const stmt = each ? wrapEachRow(this.#db.prepare(sql), Number(each[1])) : wrap(this.#db.prepare(sql));
		this.#cache.set(sql, stmt);
		if (this.#cache.size > STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
		return stmt;
	}
}

function wrap(stmt: StatementSync): SqliteStatement {
	// A statement returns rows exactly when it has result columns (SELECT, PRAGMA, … RETURNING).
	const reader = stmt.columns().length > 0;
	return {
		reader,
		all: (params) => stmt.all(...toSqlite(params)) as unknown[],
		run: (params) => stmt.run(...toSqlite(params)),
		iterate: (params) => stmt.iterate(...toSqlite(params)) as IterableIterator<unknown>
	};
}

function wrapEachRow(stmt: StatementSync, width: number): SqliteStatement {
	const runs = (params: ReadonlyArray<unknown>) => {
		if (width < 1 || params.length % width !== 0)
			throw new Error(`an each-row statement needs a multiple of ${width} parameters, got ${params.length}`);
		const values = toSqlite(params);
		const out: { changes: number }[] = [];
		for (let i = 0; i < values.length; i += width)
			out.push({ changes: Number(stmt.run(...values.slice(i, i + width)).changes) });
		return out;
	};
	return {
		// A reader, so kysely returns what all() returns: the changes of each run.
		reader: true,
		all: runs,
		run: (params) => ({ changes: runs(params).reduce((s, r) => s + r.changes, 0), lastInsertRowid: 0 }),
		iterate: (params) => runs(params)[Symbol.iterator]()
	};
}

// node:sqlite refuses booleans and undefined, which better-sqlite3-style callers may pass.
function toSqlite(params: ReadonlyArray<unknown>): SQLInputValue[] {
	return params.map((p) => {
		if (typeof p === 'boolean') return p ? 1 : 0;
		if (p === undefined) return null;
		if (p instanceof Date) return p.toISOString();
		return p as SQLInputValue;
	});
}
