// A lossless protobuf wire-format reader and writer. It knows no schema: a message is a list of
// fields, each kept as its raw bytes, so re-encoding an untouched message reproduces it byte for
// byte. Editing an ONNX graph this way cannot drop a field a schema-based decoder does not know.

/** @typedef {{ field: number, wire: number, bytes: Uint8Array }} WireField */

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Reads a varint at `at`; returns its value (as a Number, fine below 2^53) and the next offset.
 * @param {Uint8Array} buf
 * @param {number} at
 * @returns {{ value: number, next: number }}
 */
export function readVarint(buf, at) {
	let value = 0;
	let scale = 1;
	for (let i = 0; i < 10; i++) {
		if (at >= buf.length) throw new Error('protobuf: truncated varint');
		const b = buf[at++];
		value += (b & 0x7f) * scale;
		if ((b & 0x80) === 0) return { value, next: at };
		scale *= 128;
	}
	throw new Error('protobuf: varint longer than 10 bytes');
}

/**
 * Encodes a non-negative integer below 2^53 as a varint.
 * @param {number} value
 */
export function varint(value) {
	if (!Number.isSafeInteger(value) || value < 0) throw new Error(`protobuf: cannot encode ${value}`);
	const out = [];
	while (value >= 128) {
		out.push((value % 128) | 0x80);
		value = Math.floor(value / 128);
	}
	out.push(value);
	return Uint8Array.from(out);
}

/**
 * Splits one message into its fields. Length-delimited fields keep their payload only.
 * @param {Uint8Array} buf
 * @returns {WireField[]}
 */
export function parseMessage(buf) {
	/** @type {WireField[]} */
	const fields = [];
	let at = 0;
	while (at < buf.length) {
		const key = readVarint(buf, at);
		at = key.next;
		const field = Math.floor(key.value / 8);
		const wire = key.value % 8;
		/** @type {number} */
		let end;
		if (wire === 0) end = readVarint(buf, at).next;
		else if (wire === 1) end = at + 8;
		else if (wire === 5) end = at + 4;
		else if (wire === 2) {
			const len = readVarint(buf, at);
			at = len.next;
			end = at + len.value;
		} else throw new Error(`protobuf: unsupported wire type ${wire} (field ${field})`);
		if (end > buf.length) throw new Error(`protobuf: field ${field} runs past the end of the message`);
		fields.push({ field, wire, bytes: buf.subarray(at, end) });
		at = end;
	}
	return fields;
}

/**
 * Joins fields back into a message.
 * @param {readonly WireField[]} fields
 */
export function encodeMessage(fields) {
	const parts = [];
	for (const { field, wire, bytes } of fields) {
		parts.push(varint(field * 8 + wire));
		if (wire === 2) parts.push(varint(bytes.length));
		parts.push(bytes);
	}
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

/**
 * A length-delimited field holding a UTF-8 string.
 * @param {number} field
 * @param {string} text
 * @returns {WireField}
 */
export const stringField = (field, text) => ({ field, wire: 2, bytes: encoder.encode(text) });
/**
 * The text of a length-delimited field.
 * @param {WireField} f
 */
export const text = (f) => decoder.decode(f.bytes);
/**
 * The fields numbered `field`.
 * @param {readonly WireField[]} fields
 * @param {number} field
 */
export const all = (fields, field) => fields.filter((f) => f.field === field);
