import { describe, expect, it } from 'vitest';
import { all, encodeMessage, parseMessage, readVarint, stringField, text, varint } from './protobuf-wire.mjs';

describe('varint', () => {
	it.each([
		[0, [0x00]],
		[1, [0x01]],
		[127, [0x7f]],
		[128, [0x80, 0x01]],
		[300, [0xac, 0x02]],
		[2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]],
		[Number.MAX_SAFE_INTEGER, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]]
	])('%d encodes as %j and reads back', (value, bytes) => {
		expect([...varint(value)]).toEqual(bytes);
		expect(readVarint(Uint8Array.from(bytes), 0)).toEqual({ value, next: bytes.length });
	});

	it.each([-1, 1.5, 2 ** 53])('refuses %d', (value) => {
		expect(() => varint(value)).toThrow(/cannot encode/);
	});

	it('reports a truncated varint', () => {
		expect(() => readVarint(Uint8Array.from([0x80, 0x80]), 0)).toThrow(/truncated/);
	});
});

describe('messages', () => {
	// field 1 varint 150, field 2 string "testing", field 3 fixed64, field 4 fixed32, field 5 nested.
	const nested = encodeMessage([{ field: 1, wire: 0, bytes: varint(7) }]);
	const fields = [
		{ field: 1, wire: 0, bytes: varint(150) },
		stringField(2, 'testing'),
		{ field: 3, wire: 1, bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) },
		{ field: 4, wire: 5, bytes: Uint8Array.from([9, 10, 11, 12]) },
		{ field: 5, wire: 2, bytes: nested },
		stringField(2, 'again')
	];

	it('matches the protobuf documentation example', () => {
		expect([...encodeMessage([{ field: 1, wire: 0, bytes: varint(150) }])]).toEqual([0x08, 0x96, 0x01]);
		expect([...encodeMessage([stringField(2, 'testing')])]).toEqual([
			0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67
		]);
	});

	it('round-trips every wire type byte for byte, in order', () => {
		const bytes = encodeMessage(fields);
		const parsed = parseMessage(bytes);
		expect(parsed.map((f) => [f.field, f.wire])).toEqual(fields.map((f) => [f.field, f.wire]));
		expect(encodeMessage(parsed)).toEqual(bytes);
		expect(all(parsed, 2).map(text)).toEqual(['testing', 'again']);
		expect(parseMessage(all(parsed, 5)[0].bytes)[0].bytes).toEqual(varint(7));
	});

	it('rejects a field that runs past the end', () => {
		const bytes = encodeMessage([stringField(2, 'testing')]);
		expect(() => parseMessage(bytes.subarray(0, 5))).toThrow(/past the end/);
	});

	it('rejects the deprecated group wire types', () => {
		expect(() => parseMessage(Uint8Array.from([0x0b]))).toThrow(/wire type 3/);
	});
});
