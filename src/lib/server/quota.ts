/**
 * A cap on the events one installation may have stored per UTC day (EVENTS_PER_INSTALLATION_PER_DAY),
 * so a single browser identity cannot fill the database however slowly it sends.
 *
 * The count lives in memory, seeded from the database the first time an installation is seen on a day
 * (so a restart does not reset it). Behind several server processes each keeps its own count, seeded
 * from the shared database, so the cap holds within a factor of the number of processes.
 */
import type { Kysely } from 'kysely';
import type { Database } from './db/tables';

/** The rejection reason of an event over its installation's daily cap. */
export const DAILY_CAP_REASON = 'event:installation-daily-limit';

/** Installations tracked at most before the table is forgotten (and re-seeded from the database). */
const MAX_TRACKED = 100_000;

interface Day {
	day: string;
	count: number;
}

/** Counts events per installation and UTC day and grants at most `perDay`. */
export class DailyCap {
	readonly #db: Kysely<Database>;
	readonly #perDay: number;
	readonly #days = new Map<string, Promise<Day>>();

	constructor(db: Kysely<Database>, perDay: number) {
		if (!Number.isInteger(perDay) || perDay < 1) throw new Error('the daily cap must be an integer >= 1');
		this.#db = db;
		this.#perDay = perDay;
	}

	/** The cap. */
	get perDay(): number {
		return this.#perDay;
	}

	/** Reserves up to `n` events for `installationId` on `now`'s UTC day; resolves to how many were granted. */
	async reserve(installationId: string, n: number, now: Date): Promise<number> {
		const d = await this.#day(installationId.toLowerCase(), now);
		const granted = Math.max(0, Math.min(n, this.#perDay - d.count));
		d.count += granted;
		return granted;
	}

	/** Gives back `n` reserved events that turned out not to be stored (duplicates, refusals). */
	async release(installationId: string, n: number, now: Date): Promise<void> {
		const d = await this.#day(installationId.toLowerCase(), now);
		d.count = Math.max(0, d.count - n);
	}

	#day(id: string, now: Date): Promise<Day> {
		const day = now.toISOString().slice(0, 10);
		const hit = this.#days.get(id);
		if (hit) {
			return hit.then((d) => {
				if (d.day === day) return d;
				if (this.#days.get(id) === hit) this.#days.delete(id);
				return this.#day(id, now);
			});
		}
		if (this.#days.size >= MAX_TRACKED) this.#days.clear();
		const seeded = this.#db
			.selectFrom('events')
			.select((eb) => eb.fn.countAll().as('n'))
			.where('installation_id', '=', id)
			.where('received_at', '>=', `${day}T00:00:00.000Z`)
			.executeTakeFirstOrThrow()
			.then((r) => ({ day, count: Number(r.n) }));
		this.#days.set(id, seeded);
		// A failed seed must not stick: the next request tries the database again.
		seeded.catch(() => {
			if (this.#days.get(id) === seeded) this.#days.delete(id);
		});
		return seeded;
	}
}
