/**
 * The labelled-data export (GET /api/v1/export): the latest correction of every segment, as NDJSON
 * lines of contracts/export.ts, read from the database in pages by the keyset (received_at, id), so
 * memory stays constant whatever the table's size and a run can resume with `since` = the last line's
 * receivedAt (lines at exactly that time are sent again; consumers keep the highest revision).
 *
 * "Latest" is decided at export time over the whole table (no newer revision of the segment exists,
 * by revision, then occurred_at, then id, as in quality.ts). Every edited segment counts as reviewed
 * (transcript/review.ts), and a segment edited back to the model's words (all ops correct) exports as
 * reviewedOnly with correctedText = model text. Segments reviewed only by listening or confirming have
 * no words on the server (the browser sends words of edited segments only), so they are not exported.
 */
import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { EXPORT_VERSION, type ExportLine } from '../contracts/export';
import type { CorrectionEvent, RatingEvent } from '../telemetry/schema';
import type { Database } from './db/tables';

/** Rows read per query. */
export const EXPORT_PAGE_SIZE = 500;

/** What to export; times are ISO strings compared with received_at (since inclusive, until exclusive). */
export interface ExportFilter {
	model?: { id: string; version: string };
	since?: string;
	until?: string;
}

/** Parses `ID@VERSION`; throws a RangeError otherwise. */
export function parseModelArg(s: string): { id: string; version: string } {
	const at = s.lastIndexOf('@');
	if (at <= 0 || at === s.length - 1) throw new RangeError(`expected ID@VERSION, got "${s}"`);
	return { id: s.slice(0, at), version: s.slice(at + 1) };
}

/** The pseudonym of an installation in the export: HMAC-SHA256 under the server's secret, 32 hex digits. */
export function installationPseudonym(secret: string, installationId: string): string {
	return createHmac('sha256', secret)
		.update(`export:${installationId.toLowerCase()}`)
		.digest('hex')
		.slice(0, 32);
}

interface Cursor {
	receivedAt: string;
	id: string;
}

async function page(db: Kysely<Database>, f: ExportFilter, after: Cursor | null, size: number) {
	let q = db
		.selectFrom('events as e')
		.where('e.type', '=', 'correction')
		.where(({ not, exists, selectFrom }) =>
			not(
				exists(
					selectFrom('events as n')
						.select(sql`1`.as('one'))
						.where('n.type', '=', 'correction')
						.whereRef('n.installation_id', '=', 'e.installation_id')
						.whereRef('n.transcript_id', '=', 'e.transcript_id')
						.whereRef('n.segment_id', '=', 'e.segment_id')
						.where(
							sql<boolean>`(n.revision > e.revision or (n.revision = e.revision and (n.occurred_at > e.occurred_at or (n.occurred_at = e.occurred_at and n.id > e.id))))`
						)
				)
			)
		);
	if (f.model) q = q.where('e.model_id', '=', f.model.id).where('e.model_version', '=', f.model.version);
	if (f.since) q = q.where('e.received_at', '>=', f.since);
	if (f.until) q = q.where('e.received_at', '<', f.until);
	if (after)
		q = q.where((eb) =>
			eb.or([
				eb('e.received_at', '>', after.receivedAt),
				eb.and([eb('e.received_at', '=', after.receivedAt), eb('e.id', '>', after.id)])
			])
		);
	return q
		.select(['e.id', 'e.received_at', 'e.installation_id', 'e.transcript_id', 'e.payload'])
		.orderBy('e.received_at')
		.orderBy('e.id')
		.limit(size)
		.execute();
}

// The latest rating of each (installation, transcript) of one page.
async function ratingsOf(db: Kysely<Database>, pairs: { installation: string; transcript: string }[]) {
	const out = new Map<string, { stars: number; tags: RatingEvent['tags']; at: string; id: string }>();
	if (pairs.length === 0) return out;
	const rows = await db
		.selectFrom('events')
		.where('type', '=', 'rating')
		.where('installation_id', 'in', [...new Set(pairs.map((p) => p.installation))])
		.where('transcript_id', 'in', [...new Set(pairs.map((p) => p.transcript))])
		.select(['installation_id', 'transcript_id', 'occurred_at', 'id', 'payload'])
		.execute();
	for (const r of rows) {
		const key = `${r.installation_id}/${r.transcript_id}`;
		const old = out.get(key);
		if (old && (old.at > r.occurred_at || (old.at === r.occurred_at && old.id > r.id))) continue;
		const e = JSON.parse(r.payload) as RatingEvent;
		out.set(key, { stars: e.stars, tags: e.tags, at: r.occurred_at, id: r.id });
	}
	return out;
}

/** The export's lines in (receivedAt, id) order, one page of the database at a time. */
export async function* exportLines(
	db: Kysely<Database>,
	secret: string,
	filter: ExportFilter = {},
	pageSize = EXPORT_PAGE_SIZE
): AsyncGenerator<ExportLine> {
	let after: Cursor | null = null;
	for (;;) {
		const rows = await page(db, filter, after, pageSize);
		if (rows.length === 0) return;
		const ratings = await ratingsOf(
			db,
			rows.map((r) => ({ installation: r.installation_id, transcript: r.transcript_id! }))
		);
		for (const r of rows) {
			const e = JSON.parse(r.payload) as CorrectionEvent;
			// A segment merged away is sent as an empty state: nothing left to label.
			if (e.originalWords.length === 0 && e.correctedText === '') continue;
			const edited = e.alignment.some((a) => a.op !== 'correct');
			const rating = ratings.get(`${r.installation_id}/${r.transcript_id}`);
			yield {
				exportVersion: EXPORT_VERSION,
				model: e.model,
				appVersion: e.appVersion,
				installation: installationPseudonym(secret, r.installation_id),
				transcriptId: e.transcriptId,
				segmentId: e.segmentId,
				revision: e.revision,
				modelWords: e.originalWords,
				correctedText: e.correctedText,
				alignment: e.alignment,
				edited,
				reviewedOnly: !edited,
				rating: rating ? { stars: rating.stars, tags: rating.tags } : null,
				occurredAt: new Date(e.occurredAt).toISOString(),
				receivedAt: r.received_at
			};
		}
		const last = rows[rows.length - 1];
		after = { receivedAt: last.received_at, id: last.id };
		if (rows.length < pageSize) return;
	}
}

/** The lines as an NDJSON byte stream, pulling the next page only when the reader wants more. */
export function exportStream(lines: AsyncGenerator<ExportLine>): ReadableStream<Uint8Array> {
	const enc = new TextEncoder();
	return new ReadableStream({
		async pull(controller) {
			const next = await lines.next();
			if (next.done) controller.close();
			else controller.enqueue(enc.encode(`${JSON.stringify(next.value)}\n`));
		},
		async cancel() {
			await lines.return(undefined);
		}
	});
}
