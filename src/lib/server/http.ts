/** Small HTTP helpers for the API handlers: bounded body reading, media types, JSON responses. */

/** Thrown by readBodyLimited when the body is larger than allowed. */
export class BodyTooLargeError extends Error {
	constructor(readonly limit: number) {
		super(`body larger than ${limit} bytes`);
	}
}

/**
 * Reads the whole body but never more than `limit` bytes: Content-Length is only a hint (it may be
 * absent with chunked encoding, or lie), so the bytes are counted as they arrive and reading stops
 * as soon as the limit is passed.
 */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array> {
	const declared = Number(request.headers.get('content-length'));
	if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
	if (!request.body) return new Uint8Array(0);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await reader.read();
		} catch (e) {
			// adapter-node enforces its own BODY_SIZE_LIMIT (default 512K) by erroring the stream with
			// status 413; that is the same answer, so report it as such rather than as a broken body.
			if ((e as { status?: unknown })?.status === 413) throw new BodyTooLargeError(limit);
			throw e;
		}
		const { done, value } = chunk;
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			await reader.cancel().catch(() => {});
			throw new BodyTooLargeError(limit);
		}
		chunks.push(value);
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const c of chunks) {
		body.set(c, offset);
		offset += c.byteLength;
	}
	return body;
}

/**
 * Reads and drops a body that will not be used (up to `limit` bytes, then gives up on it), so a
 * refusal sent before reading still reaches the client on a keep-alive connection: an unread upload
 * would stall under backpressure until the connection times out. Nothing is buffered or parsed.
 */
export async function discardBody(request: Request, limit: number): Promise<void> {
	if (!request.body || request.bodyUsed) return;
	const reader = request.body.getReader();
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			size += value.byteLength;
			if (size > limit) break;
		}
	} catch {
		return; // a broken upload needs no draining
	}
	await reader.cancel().catch(() => {});
}

/**
 * Whether a Content-Type is one the events endpoint reads as JSON: application/json, and
 * text/plain because navigator.sendBeacon with a string body always sends `text/plain;charset=UTF-8`
 * (a Blob typed application/json would trigger a CORS preflight that beacons cannot do). Any charset
 * other than UTF-8 is refused.
 */
export function isJsonContentType(header: string | null): boolean {
	if (!header) return false;
	const [type, ...params] = header.split(';').map((p) => p.trim().toLowerCase());
	if (type !== 'application/json' && type !== 'text/plain') return false;
	const charset = params
		.find((p) => p.startsWith('charset='))
		?.slice('charset='.length)
		.replace(/"/g, '');
	return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** A JSON response that no cache keeps. */
export function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), {
		status,
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }
	});
}
