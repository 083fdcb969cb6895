import { describe, expect, it, vi } from 'vitest';
import { nowIso, randomId, type IdCrypto } from './ids';

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Web Crypto without randomUUID, as on a plain-http origin other than localhost. */
const withoutRandomUUID: IdCrypto = { getRandomValues: (a) => globalThis.crypto.getRandomValues(a) };
/** A "random" source that fills every byte with `byte`, to pin the version and variant bits. */
const constant = (byte: number): IdCrypto => ({ getRandomValues: (a) => a.fill(byte) });

describe('randomId', () => {
	it.each<{ name: string; crypto: IdCrypto | undefined }>([
		{ name: 'crypto.randomUUID (secure context, Node)', crypto: undefined },
		{ name: 'getRandomValues fallback (no randomUUID)', crypto: withoutRandomUUID }
	])('$name: v4 format and unique over 1000 ids', ({ crypto }) => {
		const ids = Array.from({ length: 1000 }, () => randomId(crypto));
		for (const id of ids) expect(id).toMatch(V4);
		expect(new Set(ids).size).toBe(ids.length);
	});

	it.each<{ byte: number; id: string }>([
		{ byte: 0x00, id: '00000000-0000-4000-8000-000000000000' },
		{ byte: 0xff, id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }
	])('fallback sets the version and variant bits over bytes of $byte', ({ byte, id }) => {
		expect(randomId(constant(byte))).toBe(id);
	});

	it('prefers randomUUID when present', () => {
		const c: IdCrypto = { randomUUID: () => 'from-randomUUID', getRandomValues: vi.fn() };
		expect(randomId(c)).toBe('from-randomUUID');
		expect(c.getRandomValues).not.toHaveBeenCalled();
	});
});

describe('nowIso', () => {
	it('is the current time in ISO 8601', () => {
		vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12, 30, 5, 42) });
		try {
			expect(nowIso()).toBe('2026-12-01T12:30:05.042Z');
		} finally {
			vi.useRealTimers();
		}
	});
});
