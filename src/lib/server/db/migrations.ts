/**
 * Schema migrations, defined in code so the built server needs no migration files on disk. The same
 * migrations run on SQLite and PostgreSQL: only portable column types (text, integer, bigint, double
 * precision) are used.
 * Never edit a migration that has shipped; add a new one (names sort in order of application).
 * For the same reason each migration spells its columns out instead of reading rollup.ts's lists
 * (INSTALLATION_SUMS, ROLLUP_TABLES): a shipped migration must go on creating what it created when it
 * shipped, whatever those lists become; the repetition between migrations, and with rollup.ts, is that.
 */
import type { Kysely } from 'kysely';
import type { Database } from './tables';
import { backfillRollups, rebuildDerivedRollups } from '../rollup';
import { SqliteAdapter, sql, type CreateTableBuilder } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';

const migrations: Record<string, Migration> = {
	'0001_events_and_rejections': {
		async up(db: Kysely<unknown>) {
			await db.schema
				.createTable('events')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('type', 'text', (c) => c.notNull())
				.addColumn('schema_version', 'integer', (c) => c.notNull())
				.addColumn('occurred_at', 'text', (c) => c.notNull())
				.addColumn('received_at', 'text', (c) => c.notNull())
				.addColumn('installation_id', 'text', (c) => c.notNull())
				.addColumn('app_version', 'text', (c) => c.notNull())
				.addColumn('transcript_id', 'text')
				.addColumn('model_id', 'text')
				.addColumn('model_version', 'text')
				.addColumn('model_sha256', 'text')
				.addColumn('backend', 'text')
				.addColumn('segment_id', 'text')
				.addColumn('revision', 'integer')
				.addColumn('substitutions', 'integer')
				.addColumn('insertions', 'integer')
				.addColumn('deletions', 'integer')
				.addColumn('reference_words', 'integer')
				.addColumn('confirmed_words', 'integer')
				.addColumn('stars', 'integer')
				.addColumn('payload', 'text', (c) => c.notNull())
				.execute();
			// Deletion requests remove everything of one installation.
			await db.schema.createIndex('events_installation').on('events').column('installation_id').execute();
			// No index for the quality query on purpose: it aggregates over all events anyway, and every
			// index costs each insert a random B-tree write (measured: bench/ingest.ts).
			await db.schema
				.createTable('rejections')
				.addColumn('reason', 'text', (c) => c.primaryKey())
				.addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
				.addColumn('last_at', 'text', (c) => c.notNull())
				.execute();
		}
	},
	'0002_rollout_and_event_arms': {
		async up(db: Kysely<unknown>) {
			// Schema version 2 events: which rollout arm chose the model and the sampling rate the event was
			// kept with. Null on older rows (version 1: arm unknown, weight 1).
			await db.schema.alterTable('events').addColumn('arm', 'text').execute();
			await db.schema.alterTable('events').addColumn('sampling_rate', 'double precision').execute();
			// The admin's run-time rollout settings: at most one row (id 'current'); absent until the first
			// change, so until then the environment decides. `revision` counts changes.
			await db.schema
				.createTable('rollout_settings')
				.addColumn('id', 'text', (c) => c.primaryKey())
				.addColumn('revision', 'integer', (c) => c.notNull())
				.addColumn('settings', 'text', (c) => c.notNull())
				.addColumn('updated_at', 'text', (c) => c.notNull())
				.addColumn('updated_by', 'text', (c) => c.notNull())
				.execute();
			// One row per change, keyed by the revision it produced (so two concurrent changes cannot both
			// claim the same one).
			await db.schema
				.createTable('rollout_audit')
				.addColumn('revision', 'integer', (c) => c.primaryKey())
				.addColumn('at', 'text', (c) => c.notNull())
				.addColumn('actor', 'text', (c) => c.notNull())
				.addColumn('action', 'text', (c) => c.notNull())
				.addColumn('before', 'text', (c) => c.notNull())
				.addColumn('after', 'text', (c) => c.notNull())
				.execute();
		}
	},
	// Kept apart from other migrations of the same release so branches merge without renumbering.
	'0003_retention_and_tombstones': {
		async up(db: Kysely<unknown>) {
			// The retention job deletes the oldest events in small batches; without this index each batch
			// would scan the whole table. received_at only grows, so inserts append at the B-tree's edge.
			await db.schema.createIndex('events_received_at').on('events').column('received_at').execute();
			// Installations deleted recently (sha256 of the id, never the id itself): their events are refused
			// so a late retry from the deleted browser cannot bring the data back.
			await db.schema
				.createTable('deleted_installations')
				.addColumn('installation_hash', 'text', (c) => c.primaryKey())
				.addColumn('deleted_at', 'text', (c) => c.notNull())
				.execute();
		}
	},
	'0004_summaries_and_hourly_rejections': {
		async up(db: Kysely<unknown>) {
			// session_summary events: the model words of reviewed segments the user did not edit (the edited
			// ones count through their corrections), so WER over reviewed speech needs no JSON functions.
			await db.schema.alterTable('events').addColumn('reviewed_words', 'integer').execute();
			// Rejections per UTC hour and reason, for the health rules (the rejections table only keeps
			// totals). Hours are 'YYYY-MM-DDTHH' strings; a few dozen reasons × hours stay small.
			await db.schema
				.createTable('rejections_hourly')
				.addColumn('hour', 'text', (c) => c.notNull())
				.addColumn('reason', 'text', (c) => c.notNull())
				.addColumn('count', 'bigint', (c) => c.notNull().defaultTo(0))
				.addPrimaryKeyConstraint('rejections_hourly_pk', ['hour', 'reason'])
				.execute();
		}
	},
	// Numbered after 0004 (taken by another branch) so both merge without renumbering.
	'0005_admin_sessions': {
		async up(db: Kysely<unknown>) {
			// Dashboard logins: only the sha256 of the session id is stored, so a copy of the database
			// cannot be replayed as a login. Expired rows are deleted on the next login.
			await db.schema
				.createTable('admin_sessions')
				.addColumn('id_hash', 'text', (c) => c.primaryKey())
				.addColumn('created_at', 'text', (c) => c.notNull())
				.addColumn('expires_at', 'text', (c) => c.notNull())
				.execute();
			// The dashboard's queries filter events by type and time window.
			await db.schema
				.createIndex('events_type_occurred')
				.on('events')
				.columns(['type', 'occurred_at'])
				.execute();
		}
	},
	// Numbered after 0005 (other branches may add theirs); see server/rollup.ts for what each table sums.
	'0006_rollups': {
		async up(db: Kysely<unknown>) {
			// On SQLite the rollups are WITHOUT ROWID: the primary key is the table, so a window's range scan
			// reads rows in key order without a second lookup per row, and each upsert writes one B-tree.
			const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
			const clustered = <T extends CreateTableBuilder<string, never>>(t: T) =>
				sqlite ? t.modifyEnd(sql`without rowid`) : t;
			const vk = <T extends CreateTableBuilder<string, never>>(t: T) =>
				t
					.addColumn('model_id', 'text', (c) => c.notNull())
					.addColumn('model_version', 'text', (c) => c.notNull())
					.addColumn('model_sha256', 'text', (c) => c.notNull())
					.addColumn('arm', 'text', (c) => c.notNull());
			const counts = <T extends CreateTableBuilder<string, never>>(t: T, cols: string[]) =>
				cols.reduce(
					(b, c) => b.addColumn(c, 'bigint', (x) => x.notNull().defaultTo(0)),
					t as CreateTableBuilder<string, never>
				);
			const sums = <T extends CreateTableBuilder<string, never>>(t: T, cols: string[]) =>
				cols.reduce(
					(b, c) => b.addColumn(c, 'double precision', (x) => x.notNull().defaultTo(0)),
					t as CreateTableBuilder<string, never>
				);
			const day = (name: string) =>
				vk(db.schema.createTable(name).addColumn('day', 'text', (c) => c.notNull()));
			const VK = ['model_id', 'model_version', 'model_sha256', 'arm'];
			await counts(
				day('rollup_daily')
					.addColumn('installation_id', 'text', (c) => c.notNull())
					.addColumn('rate', 'double precision', (c) => c.notNull()),
				[
					'corrections',
					'errors',
					'reference_words',
					'hypothesis_words',
					'summaries',
					'reviewed_words',
					'transcribed_words',
					'stars_1',
					'stars_2',
					'stars_3',
					'stars_4',
					'stars_5'
				]
			)
				.addPrimaryKeyConstraint('rollup_daily_pk', ['day', ...VK, 'installation_id', 'rate'] as never)
				.$call(clustered)
				.execute();
			await sums(
				counts(
					day('rollup_tags').addColumn('tag', 'text', (c) => c.notNull()),
					['n']
				),
				['weight']
			)
				.addPrimaryKeyConstraint('rollup_tags_pk', ['day', ...VK, 'tag'] as never)
				.$call(clustered)
				.execute();
			await sums(
				counts(
					day('rollup_labels').addColumn('bucket', 'integer', (c) => c.notNull()),
					['words']
				),
				['weight', 'confidence']
			)
				.addPrimaryKeyConstraint('rollup_labels_pk', ['day', ...VK, 'bucket'] as never)
				.$call(clustered)
				.execute();
			await sums(
				counts(
					day('rollup_confusions')
						.addColumn('from_word', 'text', (c) => c.notNull())
						.addColumn('to_word', 'text', (c) => c.notNull()),
					['n']
				),
				['weight']
			)
				.addPrimaryKeyConstraint('rollup_confusions_pk', ['day', ...VK, 'from_word', 'to_word'] as never)
				.$call(clustered)
				.execute();
			await counts(
				day('rollup_rtf')
					.addColumn('backend', 'text', (c) => c.notNull())
					.addColumn('cores', 'text', (c) => c.notNull())
					.addColumn('rtf', 'double precision', (c) => c.notNull()),
				['jobs']
			)
				.addPrimaryKeyConstraint('rollup_rtf_pk', ['day', ...VK, 'backend', 'cores', 'rtf'] as never)
				.$call(clustered)
				.execute();
			await counts(
				day('rollup_jobs').addColumn('backend', 'text', (c) => c.notNull()),
				['jobs', 'failed', 'segments', 'repetitions']
			)
				.addPrimaryKeyConstraint('rollup_jobs_pk', ['day', ...VK, 'backend'] as never)
				.$call(clustered)
				.execute();
			await vk(
				db.schema
					.createTable('rollup_transcripts')
					.addColumn('installation_id', 'text', (c) => c.notNull())
					.addColumn('transcript_id', 'text', (c) => c.notNull())
			)
				.addColumn('events', 'bigint', (c) => c.notNull().defaultTo(0))
				.addColumn('last_at', 'text', (c) => c.notNull())
				.addColumn('done_at', 'text')
				.addColumn('exported_at', 'text')
				.addPrimaryKeyConstraint('rollup_transcripts_pk', [
					'installation_id',
					'transcript_id',
					...VK
				] as never)
				.$call(clustered)
				.execute();
			await db.schema
				.createTable('rollup_hourly')
				.addColumn('hour', 'text', (c) => c.notNull())
				.addColumn('type', 'text', (c) => c.notNull())
				.addColumn('events', 'bigint', (c) => c.notNull().defaultTo(0))
				.addPrimaryKeyConstraint('rollup_hourly_pk', ['hour', 'type'])
				.$call(clustered)
				.execute();
			// Keyed by transcript first: a batch looks its segments up by transcript id.
			await db.schema
				.createTable('rollup_latest')
				.addColumn('transcript_id', 'text', (c) => c.notNull())
				.addColumn('segment_id', 'text', (c) => c.notNull())
				.addColumn('kind', 'text', (c) => c.notNull())
				.addColumn('installation_id', 'text', (c) => c.notNull())
				.addColumn('event_id', 'text', (c) => c.notNull())
				.addColumn('revision', 'integer', (c) => c.notNull())
				.addColumn('occurred_at', 'text', (c) => c.notNull())
				.addPrimaryKeyConstraint('rollup_latest_pk', [
					'transcript_id',
					'segment_id',
					'kind',
					'installation_id'
				])
				.$call(clustered)
				.execute();
			// The events already stored are counted by 0007, once the tables derived from these exist too.
		}
	},
	// Tables derived from rollup_daily and rollup_transcripts (server/rollup.ts deriveRollups).
	'0007_rollup_blocks': {
		async up(db: Kysely<unknown>) {
			const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
			const clustered = <T extends CreateTableBuilder<string, never>>(t: T) =>
				sqlite ? t.modifyEnd(sql`without rowid`) : t;
			const VK = ['model_id', 'model_version', 'model_sha256', 'arm'];
			const columns = (
				t: CreateTableBuilder<string, never>,
				cols: [string, 'text' | 'bigint' | 'double precision' | 'integer'][]
			) =>
				cols.reduce(
					(b, [c, type]) =>
						b.addColumn(c, type, (x) =>
							type === 'bigint' || type === 'double precision' ? x.notNull().defaultTo(0) : x.notNull()
						),
					t
				);
			const vk: [string, 'text'][] = VK.map((c) => [c, 'text']);
			const counts = (cols: string[]): [string, 'bigint'][] => cols.map((c) => [c, 'bigint']);
			const sums = (cols: string[]): [string, 'double precision'][] =>
				cols.map((c) => [c, 'double precision']);
			// Installation first (after the version): a window's sums group by installation in key order.
			await columns(db.schema.createTable('rollup_blocks'), [
				...vk,
				['installation_id', 'text'],
				['rate', 'double precision'],
				['block', 'text'],
				...counts([
					'corrections',
					'errors',
					'reference_words',
					'hypothesis_words',
					'summaries',
					'reviewed_words',
					'transcribed_words',
					'stars_1',
					'stars_2',
					'stars_3',
					'stars_4',
					'stars_5'
				])
			])
				.addPrimaryKeyConstraint('rollup_blocks_pk', [...VK, 'installation_id', 'rate', 'block'] as never)
				.$call(clustered)
				.execute();
			await columns(db.schema.createTable('rollup_day_stats'), [
				['day', 'text'],
				...vk,
				...counts(['w_installations']),
				...sums(['w_e', 'w_w', 'w_ee', 'w_ww', 'w_ew']),
				...counts(['r_installations']),
				...sums(['r_e', 'r_w', 'r_ee', 'r_ww', 'r_ew'])
			])
				.addPrimaryKeyConstraint('rollup_day_stats_pk', ['day', ...VK] as never)
				.$call(clustered)
				.execute();
			await columns(db.schema.createTable('rollup_outcomes'), [
				['day', 'text'],
				...vk,
				['kind', 'text'],
				['minutes', 'integer'],
				...counts(['transcripts'])
			])
				.addPrimaryKeyConstraint('rollup_outcomes_pk', ['day', ...VK, 'kind', 'minutes'] as never)
				.$call(clustered)
				.execute();
			// SQLite groups a window's labels and confusions per version by sorting them; these covering
			// indexes hold them in that order (measured on 17,000 label rows: 32 → 7 ms CPU). PostgreSQL
			// hashes the groups and needs none.
			if (sqlite) {
				await db.schema
					.createIndex('rollup_labels_by_version')
					.on('rollup_labels')
					.columns([...VK, 'bucket', 'day', 'words', 'weight', 'confidence'])
					.execute();
				await db.schema
					.createIndex('rollup_confusions_by_version')
					.on('rollup_confusions')
					.columns([...VK, 'from_word', 'to_word', 'day', 'n', 'weight'])
					.execute();
			}
			// Every stored event adds to rollup_hourly: none there means the events were never counted (a
			// database from before 0006), and the backfill counts them through the ingestion code itself.
			// Otherwise the rollups exist and the new tables are built from them.
			const counted = await sql`select 1 from rollup_hourly limit 1`.execute(db);
			if (counted.rows.length === 0) await backfillRollups(db as Kysely<Database>);
			else await rebuildDerivedRollups(db as Kysely<Database>);
		}
	},
	'0008_events_without_type_index': {
		async up(db: Kysely<unknown>) {
			// 0005 indexed events by (type, occurred_at) for the dashboard, which reads the rollups since
			// 0006; nothing else filters by type and time (the quality report, export and threshold read
			// whole types, large shares of the table, where a scan costs about what the index lookups
			// would), and the index cost every insert a B-tree write and about 50 bytes of file.
			await db.schema.dropIndex('events_type_occurred').ifExists().execute();
		}
	},
	// Numbered after 0008 (other branches may add theirs); see server/rollup.ts.
	'0009_rollup_label_installations': {
		async up(db: Kysely<unknown>) {
			const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
			await db.schema
				.createTable('rollup_label_installations')
				.addColumn('model_id', 'text', (c) => c.notNull())
				.addColumn('model_version', 'text', (c) => c.notNull())
				.addColumn('model_sha256', 'text', (c) => c.notNull())
				.addColumn('arm', 'text', (c) => c.notNull())
				.addColumn('installation_id', 'text', (c) => c.notNull())
				.addColumn('words', 'bigint', (c) => c.notNull().defaultTo(0))
				.addPrimaryKeyConstraint('rollup_label_installations_pk', [
					'model_id',
					'model_version',
					'model_sha256',
					'arm',
					'installation_id'
				])
				.$call((t) => (sqlite ? t.modifyEnd(sql`without rowid`) : t))
				.execute();
			// Filled from the labels the rollups count now (rollup_latest's kind 'correction' rows: each
			// segment's latest correction or segment_reviewed) with the stored columns that count their
			// model words, so no payload is parsed: a correction's ops with a model word are reference −
			// deletions + insertions, a segment_reviewed's words its reviewed_words (ingest.ts eventRow) —
			// for events the schema accepted, exactly server/rollup.ts labelledWords.
			await sql`
				insert into rollup_label_installations
					(model_id, model_version, model_sha256, arm, installation_id, words)
				select e.model_id, e.model_version, e.model_sha256, coalesce(e.arm, 'unknown'), l.installation_id,
					sum(case when e.type = 'correction'
						then coalesce(e.reference_words, 0) - coalesce(e.deletions, 0) + coalesce(e.insertions, 0)
						else coalesce(e.reviewed_words, 0) end)
				from rollup_latest l join events e on e.id = l.event_id
				where l.kind = 'correction' and e.type in ('correction', 'segment_reviewed')
					and e.model_id is not null
				group by e.model_id, e.model_version, e.model_sha256, coalesce(e.arm, 'unknown'), l.installation_id`.execute(
				db
			);
		}
	}
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the database to the latest schema; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
	const migrator = new Migrator({ db, provider });
	const { error, results } = await migrator.migrateToLatest();
	if (error) throw error instanceof Error ? error : new Error(String(error));
	return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
