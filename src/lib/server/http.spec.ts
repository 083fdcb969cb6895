import { describe, expect, it } from 'vitest';
import { BodyTooLargeError, isJsonContentType, readBodyLimited } from './http';

describe('isJsonContentType', () => {
	it.each([
		['application/json', true],
		['application/json; charset=utf-8', true],
		['text/plain;charset=UTF-8', true],
		['text/plain', true],
		['Application/JSON;Charset="UTF-8"', true],
		['text/plain;charset=ISO-8859-1', false],
		['application/x-www-form-urlencoded', false],
		['multipart/form-data; boundary=x', false],
		['application/jsonx', false],
		['', false],
		[null, false]
	])('%j -> %s', (header, ok) => expect(isJsonContentType(header)).toBe(ok));
});

function streamed(chunks: number[], headers: Record<string, string> = {}) {
	const body = new ReadableStream<Uint8Array>({
		start(c) {
			for (const n of chunks) c.enqueue(new Uint8Array(n).fill(65));
			c.close();
		}
	});
	return new Request('http://x/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

describe('readBodyLimited', () => {
	it('reads a body up to the limit exactly', async () => {
		expect((await readBodyLimited(streamed([3, 4, 3]), 10)).byteLength).toBe(10);
	});
	it('stops at the first byte over the limit without Content-Length', async () => {
		await expect(readBodyLimited(streamed([6, 5]), 10)).rejects.toBeInstanceOf(BodyTooLargeError);
	});
	it('refuses a declared length over the limit before reading', async () => {
		const r = new Request('http://x/', { method: 'POST', body: 'x'.repeat(20) });
		await expect(readBodyLimited(r, 10)).rejects.toBeInstanceOf(BodyTooLargeError);
	});
	it('reports a stream failing with status 413 (adapter-node BODY_SIZE_LIMIT) as too large', async () => {
		const body = new ReadableStream<Uint8Array>({
			start(c) {
				c.error(Object.assign(new Error('request body size exceeded BODY_SIZE_LIMIT'), { status: 413 }));
			}
		});
		const r = new Request('http://x/', { method: 'POST', body, duplex: 'half' } as RequestInit);
		await expect(readBodyLimited(r, 10)).rejects.toBeInstanceOf(BodyTooLargeError);
	});
	it('reads an empty body', async () => {
		expect((await readBodyLimited(new Request('http://x/', { method: 'POST' }), 10)).byteLength).toBe(0);
	});
});
