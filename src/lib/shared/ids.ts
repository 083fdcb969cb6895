/** The subset of Web Crypto `randomId` needs; `randomUUID` is optional because insecure origins lack it. */
export interface IdCrypto {
	randomUUID?: () => string;
	getRandomValues(array: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer>;
}

/**
 * A random v4 UUID. Uses crypto.randomUUID where it exists (secure contexts, Node) and builds one
 * from getRandomValues otherwise: randomUUID is missing on plain-http origins other than localhost,
 * getRandomValues is not. `c` is injectable so the fallback path is testable in Node.
 */
export function randomId(c: IdCrypto = globalThis.crypto): string {
	if (typeof c.randomUUID === 'function') return c.randomUUID();
	const b = c.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40; // version 4
	b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
	const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The current time as an ISO 8601 string (so state classes and records need no Date instances). */
export function nowIso(): string {
	return new Date().toISOString();
}
