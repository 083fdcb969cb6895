/**
 * GET /api/v1/export and the reviewed-speech WER of GET /api/v1/quality, on SQLite and PostgreSQL:
 * one line per reviewed segment (latest revision), in (receivedAt, id) order across pages, filters by
 * model and time, resuming by since, and the admin check.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportLineSchema, type ExportLine } from '../../../src/lib/contracts/export';
import { qualityReportSchema } from '../../../src/lib/contracts/quality';
import type { Api } from '../../../src/lib/server/api';
import { openDatabase, type OpenDatabase } from '../../../src/lib/server/db/open';
import { exportLines, installationPseudonym } from '../../../src/lib/server/export';
import type { TelemetryEvent } from '../../../src/lib/telemetry/schema';
import { backends, clockedApi } from './backends';
import { correction, model, rating, segmentReviewed, sessionSummary, v2 } from './events';

const ADMIN = 'test-admin-token-0123456789abcdef';
const CLIENT = '127.0.0.1';
const I1 = randomUUID();
const I2 = randomUUID();
const DAY1 = '2026-11-20T10:00:00.000Z';
const DAY2 = '2026-11-21T10:00:00.000Z';

describe.each(backends())('labelled-data export on $name', (backend) => {
	let database: OpenDatabase;
	let api: Api;
	let clock = DAY1;

	beforeAll(async () => {
		await backend.start();
		database = await openDatabase(await backend.newDatabase());
		api = clockedApi(database, ADMIN, () => new Date(clock));
		const post = async (at: string, events: TelemetryEvent[]) => {
			clock = at;
			const res = await api.postEvents(
				new Request('http://localhost/api/v1/events', {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ events: events.map((e) => ({ ...e, occurredAt: at })) })
				}),
				CLIENT
			);
			expect(res.status).toBe(202);
		};
		const a = { installationId: I1, transcriptId: 'tA' };
		// The browser's events are version 2, all from one arm. Day 1: s1 edited (revision 0 then 1), s2 edited back to the model's words, s3 merged away.
		await post(DAY1, [
			v2(correction([['substitution', 'cat', 'hat']], { ...a, segmentId: 's1', revision: 0 }), 'default'),
			v2(
				correction(
					[
						['correct', 'the', 'the'],
						['correct', 'dog', 'dog']
					],
					{ ...a, segmentId: 's2', revision: 1 }
				),
				'default'
			),
			v2(correction([], { ...a, segmentId: 's3', revision: 1 }), 'default'),
			v2(rating(2, a), 'default'),
			v2(
				sessionSummary(
					[
						['s1', 1, 'edited'],
						['s2', 2, 'edited'],
						['s4', 6, 'played']
					],
					a
				),
				'default'
			)
		]);
		// Day 1 too (version 3): s4 played through and s5 confirmed without edits (their model words);
		// on model 3 (apart from the WER below), s6 reviewed first, then edited on day 2 (the correction wins).
		await post(DAY1, [
			segmentReviewed(
				[
					['good', 0.91],
					['morning', 0.42]
				],
				{ ...a, segmentId: 's4' }
			),
			segmentReviewed([['hello', 0.8]], { ...a, segmentId: 's5', how: 'confirmed' }),
			segmentReviewed([['fine', 0.7]], { ...a, segmentId: 's6', model: model(3) })
		]);
		// Day 2: s1's newer revision; another installation's transcript on model 2.
		await post(DAY2, [
			v2(
				correction([['substitution', 'fine', 'find']], {
					...a,
					segmentId: 's6',
					revision: 0,
					model: model(3)
				}),
				'default'
			),
			v2(
				correction(
					[
						['substitution', 'cat', 'bat'],
						['deletion', null, 'sat']
					],
					{ ...a, segmentId: 's1', revision: 1 }
				),
				'default'
			),
			correction([['correct', 'yes', 'yes']], { installationId: I2, transcriptId: 'tB', model: model(2) })
		]);
		clock = '2026-11-22T00:00:00.000Z';
	});
	afterAll(async () => {
		await database?.close();
		await backend.stop();
	});

	async function exported(
		query = '',
		token = ADMIN
	): Promise<{ status: number; type: string | null; lines: ExportLine[] }> {
		const res = await api.getExport(
			new Request(`http://localhost/api/v1/export${query}`, {
				headers: { authorization: `Bearer ${token}` }
			}),
			CLIENT
		);
		const text = await res.text();
		const lines =
			res.status === 200
				? text
						.split('\n')
						.filter((l) => l !== '')
						.map((l) => exportLineSchema.strict().parse(JSON.parse(l)))
				: [];
		return { status: res.status, type: res.headers.get('content-type'), lines };
	}

	it('exports one NDJSON line per reviewed segment with words, the latest revision and the rating', async () => {
		const { status, type, lines } = await exported();
		expect(status).toBe(200);
		expect(type).toMatch(/^application\/x-ndjson/);
		// The latest revision of each segment with words, in (receivedAt, id) order.
		expect(lines.map((l) => `${l.transcriptId}/${l.segmentId}@${l.revision}`).sort()).toEqual([
			'tA/s1@1',
			'tA/s2@1',
			'tA/s4@-1',
			'tA/s5@-1',
			'tA/s6@0',
			'tB/s1@0'
		]);
		expect(lines[0].receivedAt).toBe(DAY1);
		expect(lines.map((l) => l.receivedAt)).toEqual([...lines.map((l) => l.receivedAt)].sort());
		const find = (t: string, seg: string) => lines.find((l) => l.transcriptId === t && l.segmentId === seg)!;
		const [s2, s1, other] = [find('tA', 's2'), find('tA', 's1'), find('tB', 's1')];
		expect(s2).toMatchObject({
			edited: false,
			reviewedOnly: true,
			correctedText: 'the dog',
			rating: { stars: 2 }
		});
		expect(s1).toMatchObject({
			exportVersion: 1,
			model: model(1),
			installation: installationPseudonym(ADMIN, I1),
			modelWords: [expect.objectContaining({ text: 'cat', confidence: 0.5 })],
			correctedText: 'bat sat',
			edited: true,
			reviewedOnly: false,
			occurredAt: DAY2,
			receivedAt: DAY2
		});
		expect(other).toMatchObject({ rating: null, model: model(2) });
		// Reviewed without edits: the model's words, their text, all matches, edited false.
		expect(find('tA', 's4')).toMatchObject({
			modelWords: [
				{ text: 'good', confidence: 0.91, start: 0, end: 0.25 },
				{ text: 'morning', confidence: 0.42, start: 0.3, end: 0.55 }
			],
			correctedText: 'good morning',
			alignment: [
				{ op: 'correct', original: 'good', corrected: 'good', confidence: 0.91 },
				{ op: 'correct', original: 'morning', corrected: 'morning', confidence: 0.42 }
			],
			edited: false,
			reviewedOnly: true,
			how: 'played',
			rating: { stars: 2 }
		});
		expect(find('tA', 's5').how).toBe('confirmed');
		expect(find('tA', 's6')).toMatchObject({ how: 'edited', edited: true, correctedText: 'find' });
		expect(s1.how).toBe('edited');
		// The raw installation id never leaves the server.
		expect(JSON.stringify(lines)).not.toContain(I1);
		expect(s1.installation).not.toBe(other.installation);
	});

	it('filters by model and time, and resumes by since', async () => {
		expect((await exported('?model=moonshine-tiny@2.0')).lines.map((l) => l.transcriptId)).toEqual(['tB']);
		expect((await exported(`?until=${DAY2}`)).lines.map((l) => l.segmentId).sort()).toEqual([
			's2',
			's4',
			's5'
		]);
		const all = (await exported()).lines;
		const resumed = (await exported(`?since=${encodeURIComponent(all[0].receivedAt)}`)).lines;
		expect(resumed).toEqual(all);
		// Resuming from the last line's receivedAt sends that time's lines again, never earlier ones.
		const later = (await exported(`?since=${encodeURIComponent(DAY2)}`)).lines;
		expect(later).toEqual(all.filter((l) => l.receivedAt >= DAY2));
		expect(later).toHaveLength(3);
	});

	it('reads in keyset pages: small pages give the same lines in the same order', async () => {
		const paged: ExportLine[] = [];
		for await (const l of exportLines(database.db, ADMIN, {}, 1)) paged.push(l);
		expect(paged).toEqual((await exported()).lines);
	});

	it('refuses without the admin token and explains a bad query', async () => {
		expect((await exported('', 'wrong-token-wrong-token-wrong-token')).status).toBe(401);
		const bad = await api.getExport(
			new Request('http://localhost/api/v1/export?model=nope&since=yesterday', {
				headers: { authorization: `Bearer ${ADMIN}` }
			}),
			CLIENT
		);
		expect(bad.status).toBe(400);
		expect((await bad.json()).issues.map((i: { path: string }) => i.path)).toEqual(['model', 'since']);
	});

	it('reports WER over reviewed speech: segments reviewed without an edit join the denominator', async () => {
		const res = await api.getQuality(
			new Request('http://localhost/api/v1/quality', { headers: { authorization: `Bearer ${ADMIN}` } }),
			CLIENT
		);
		const report = qualityReportSchema.parse(await res.json());
		// Latest corrections: s1 (S1 D1, 2 reference words), s2 (0 errors, 2 words), s3 (empty): 2 / 4.
		// The latest summary adds s4, reviewed by listening: 6 words without an edit, so 2 / 10.
		expect(report.models.find((m) => m.version === '1.0' && m.arm === 'default')).toMatchObject({
			wordsReviewed: 4,
			estimatedWer: 2 / 4,
			reviewedWords: 10,
			reviewedWer: 2 / 10,
			sampled: { corrections: 3, summaries: 1 }
		});
	});
});
