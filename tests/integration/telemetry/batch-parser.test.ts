/**
 * The worker-thread batch parser (server/batch-parser.ts) gives the same answer as parsing on the
 * event-loop thread, for valid batches and for every kind of refusal, and keeps parallel bodies apart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { inThreadParser, workerParser, type ParseContext } from '../../../src/lib/server/batch-parser';
import { BATCH_LIMITS } from '../../../src/lib/telemetry/schema';
import { correction, knownModels, mixedBatch, model, rating } from './events';

const encode = (s: string) => new TextEncoder().encode(s);
const body = (events: unknown[]) => encode(JSON.stringify({ events }));

describe('workerParser', async () => {
	const parser = workerParser(1);
	afterAll(() => parser.close());
	const context: ParseContext = { receivedAt: new Date(), knownModels: await knownModels() };

	const cases: [string, Uint8Array][] = [
		['a valid mixed batch', body(mixedBatch(120))],
		[
			'valid and invalid events together',
			body([rating(4), { ...rating(9) }, correction([['correct', 'a', 'a']], { model: model(7) }), 'x'])
		],
		['a comment holding the characters \\u0000', body([{ ...rating(2), comment: '\\u0000' }])],
		['an event holding NUL', body([{ ...rating(2), appVersion: '0\u0000' }])],
		['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d])],
		['not JSON', encode('{"events": [')],
		['no events array', encode('{"event": []}')],
		['an empty batch', body([])],
		['too many events', body(Array.from({ length: BATCH_LIMITS.maxEvents + 1 }, () => ({})))]
	];
	for (const [name, bytes] of cases)
		it(`answers as the event-loop thread does: ${name}`, async () => {
			const here = await inThreadParser.parse(bytes, context);
			const there = await parser.parse(bytes, context);
			expect(there).toEqual(here);
		});

	it('takes bodies in parallel and answers each its own', async () => {
		const bodies = Array.from({ length: 8 }, () => mixedBatch(30));
		const answers = await Promise.all(bodies.map((b) => parser.parse(body(b), context)));
		answers.forEach((a, i) => {
			expect(a.ok).toBe(true);
			if (a.ok) expect(a.valid.map((e) => e.id)).toEqual(bodies[i].map((e) => e.id));
		});
	});
});
