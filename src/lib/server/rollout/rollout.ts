/**
 * The rollout at run time: settings in force, the client config derived from them, and admin changes
 * stored in the database with an audit log.
 *
 * Precedence: until the first change at run time the environment's start values apply (and are not
 * written anywhere). The first change stores the settings in `rollout_settings`; from then on the stored
 * settings win over the environment at every start. A stored setting naming a model that is no longer
 * installed fails the start, as an unknown model in the environment does.
 *
 * Several server processes on one PostgreSQL: each re-reads the stored settings when its copy is older
 * than REFRESH_MS, so a change reaches all of them within that time.
 */
import type { Kysely } from 'kysely';
import type { ClientConfig } from '../../contracts/config';
import {
	rolloutSettingsSchema,
	rolloutUpdateSchema,
	type RolloutAuditEntry,
	type RolloutSettings,
	type RolloutState
} from '../../contracts/rollout';
import type { Database } from '../db/tables';
import { assignArm, experimentId } from './assign';
import type { Catalog, CatalogModel } from './catalog';
import type { ProductionThresholds } from './production-threshold';
import type { ServedThreshold } from '../../quality';
import { checkSettings, fullSampling, settingsFromEnv, type SettingsIssue } from './settings';

/** How long a process trusts its copy of the stored settings, in ms. */
export const REFRESH_MS = 5_000;
/** Audit entries the admin endpoints return (newest first). */
export const AUDIT_LIMIT = 100;

const ROW_ID = 'current';

/** Thrown when another change committed between reading and writing the settings. */
export class RolloutConflictError extends Error {}

/** The result of a change: the new state, or why it was refused. */
export type ChangeResult = { ok: true; state: RolloutState } | { ok: false; issues: SettingsIssue[] };

interface Current {
	settings: RolloutSettings;
	source: 'env' | 'database';
	revision: number;
}

/** The rollout of one server process. */
export class Rollout {
	private current: Current;
	private loadedAt: number;

	private constructor(
		private readonly db: Kysely<Database>,
		readonly catalog: Catalog,
		private readonly envSettings: RolloutSettings,
		current: Current,
		private readonly now: () => Date,
		private readonly thresholds: ProductionThresholds | null
	) {
		this.current = current;
		this.loadedAt = now().getTime();
	}

	/** Validates the environment's start values, then loads the stored settings if there are any. */
	static async open(
		db: Kysely<Database>,
		env: Record<string, string | undefined>,
		catalog: Catalog,
		now: () => Date = () => new Date(),
		thresholds: ProductionThresholds | null = null
	): Promise<Rollout> {
		const envSettings = settingsFromEnv(env, catalog);
		const stored = await readStored(db, catalog);
		return new Rollout(
			db,
			catalog,
			envSettings,
			stored ?? { settings: envSettings, source: 'env', revision: 0 },
			now,
			thresholds
		);
	}

	/** The settings in force (re-read from the database when the copy is older than REFRESH_MS). */
	async settings(): Promise<Current> {
		if (this.now().getTime() - this.loadedAt > REFRESH_MS) {
			const stored = await readStored(this.db, this.catalog);
			if (stored) this.current = stored;
			this.loadedAt = this.now().getTime();
		}
		return this.current;
	}

	/** The config of one installation (GET /api/v1/config). */
	async clientConfig(installationId: string): Promise<ClientConfig> {
		const { settings } = await this.settings();
		const arm = assignArm(installationId, settings, this.catalog);
		const id = arm === 'candidate' ? settings.candidate!.model : settings.default;
		const m = this.catalog.get(id)!;
		const served = await this.served(m);
		return {
			model: { id: m.id, version: m.version, sha256: m.sha256 },
			arm,
			highlightThreshold: served.threshold,
			highlightThresholdSource:
				served.source === 'production'
					? { source: 'production', words: served.words, installations: served.installations }
					: { source: served.source },
			telemetry: { sampling: fullSampling(settings.sampling) }
		};
	}

	/**
	 * The default highlight threshold the config serves for a model version and its source; null for a
	 * version not installed (the dashboard asks about every version that sent events).
	 */
	async servedThreshold(ref: {
		id: string;
		version: string;
		sha256: string;
	}): Promise<ServedThreshold | null> {
		const m = this.catalog.get(ref.id);
		if (!m || m.version !== ref.version || m.sha256 !== ref.sha256) return null;
		return this.served(m);
	}

	private served(m: CatalogModel): Promise<ServedThreshold> {
		const fallback = { threshold: m.highlightThreshold, source: m.highlightThresholdSource };
		return this.thresholds ? this.thresholds.served(m, fallback) : Promise.resolve(fallback);
	}

	/** Settings, their source, the selectable models and the audit log (the admin GET). */
	async state(): Promise<RolloutState> {
		const { settings, source } = await this.settings();
		const rows = await this.db
			.selectFrom('rollout_audit')
			.selectAll()
			.orderBy('revision', 'desc')
			.limit(AUDIT_LIMIT)
			.execute();
		const audit = rows.map((r): RolloutAuditEntry => ({
			revision: Number(r.revision),
			at: r.at,
			actor: r.actor,
			action: r.action as RolloutAuditEntry['action'],
			before: JSON.parse(r.before),
			after: JSON.parse(r.after)
		}));
		return {
			settings,
			source,
			experimentId: experimentId(settings, this.catalog),
			models: [...this.catalog.values()].map(({ id, version, sha256, displayName }) => ({
				id,
				version,
				sha256,
				displayName
			})),
			audit
		};
	}

	/** Applies a PUT body; unchanged settings are not written (and not audited). */
	async update(body: unknown, actor: string): Promise<ChangeResult> {
		const parsed = rolloutUpdateSchema.safeParse(body);
		if (!parsed.success)
			return {
				ok: false,
				issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
			};
		const { settings: before } = await this.settings();
		const proposed = { ...parsed.data, sampling: parsed.data.sampling ?? before.sampling };
		const checked = checkSettings(proposed, this.catalog);
		if (!checked.ok) return checked;
		return this.change('update', actor, () => checked.settings);
	}

	/** Sets the candidate's share to 0 (keeping the candidate named); a no-op without a live candidate. */
	async rollback(actor: string): Promise<ChangeResult> {
		return this.change('rollback', actor, (s) =>
			s.candidate && s.candidate.percent > 0 ? { ...s, candidate: { ...s.candidate, percent: 0 } } : s
		);
	}

	private async change(
		action: RolloutAuditEntry['action'],
		actor: string,
		next: (current: RolloutSettings) => RolloutSettings
	): Promise<ChangeResult> {
		const at = this.now().toISOString();
		const written = await this.db.transaction().execute(async (tx) => {
			const stored = await readStored(tx, this.catalog);
			const before = stored ?? { settings: this.envSettings, source: 'env' as const, revision: 0 };
			const after = next(before.settings);
			if (JSON.stringify(after) === JSON.stringify(before.settings)) return before;
			const revision = before.revision + 1;
			const row = { revision, settings: JSON.stringify(after), updated_at: at, updated_by: actor };
			if (stored) {
				const r = await tx
					.updateTable('rollout_settings')
					.set(row)
					.where('id', '=', ROW_ID)
					.where('revision', '=', before.revision)
					.executeTakeFirst();
				if (Number(r.numUpdatedRows) !== 1) throw new RolloutConflictError('the settings changed meanwhile');
			} else {
				await tx
					.insertInto('rollout_settings')
					.values({ id: ROW_ID, ...row })
					.execute();
			}
			await tx
				.insertInto('rollout_audit')
				.values({
					revision,
					at,
					actor,
					action,
					before: JSON.stringify(before.settings),
					after: JSON.stringify(after)
				})
				.execute();
			return { settings: after, source: 'database' as const, revision };
		});
		this.current = written;
		this.loadedAt = this.now().getTime();
		return { ok: true, state: await this.state() };
	}
}

/** The stored settings, validated against the installed models; null when none were stored. */
async function readStored(db: Kysely<Database>, catalog: Catalog): Promise<Current | null> {
	const row = await db.selectFrom('rollout_settings').selectAll().where('id', '=', ROW_ID).executeTakeFirst();
	if (!row) return null;
	const parsed = rolloutSettingsSchema.safeParse(JSON.parse(row.settings));
	const checked = parsed.success ? checkSettings(parsed.data, catalog) : null;
	if (!checked?.ok) {
		const why = checked
			? checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
			: 'not valid settings';
		throw new Error(
			`the rollout settings stored in the database (changed ${row.updated_at} by ${row.updated_by}) ` +
				`cannot be used: ${why}. Install the model again, or change the settings in the rollout_settings table.`
		);
	}
	return { settings: checked.settings, source: 'database', revision: Number(row.revision) };
}
