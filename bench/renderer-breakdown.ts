// What a tab's renderer process is made of, for the long-upload benchmark: its resident memory split
// by kind of mapping (/proc/<pid>/smaps) and the V8 heaps of the page and of every worker it runs
// (CDP Runtime.getHeapUsage), so that a peak can be put down to the WASM heap, JavaScript objects,
// ArrayBuffers, threads or the browser's own code. Prints nothing itself; asserts nothing.
import { readFileSync } from 'node:fs';
import type { CDPSession, Page } from '@playwright/test';

/** Resident memory of one renderer by kind (bytes), and its thread count. */
export interface SmapsSplit {
	rss: number;
	/**
	 * Read-write anonymous mappings directly followed by an inaccessible reservation of 1 GB or more:
	 * how V8 lays out a WebAssembly.Memory (the committed pages, then the rest of its maximum and the
	 * guard region), so this is onnxruntime's heap (and any other WASM memory).
	 */
	wasm: number;
	/** Every other anonymous mapping: V8 heaps and ArrayBuffers, Blink, PartitionAlloc, thread stacks. */
	otherAnon: number;
	/** File-backed mappings: Chromium's own code and data, fonts, shared memory files. */
	files: number;
	threads: number;
}

/** Splits one process's resident memory (see SmapsSplit); null when it is gone. */
export function smapsSplit(pid: string): SmapsSplit | null {
	let text: string;
	let status: string;
	try {
		text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
		status = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return null;
	}
	const maps: { start: bigint; end: bigint; perms: string; path: string; rss: number }[] = [];
	for (const line of text.split('\n')) {
		const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
		if (head) {
			maps.push({
				start: BigInt(`0x${head[1]}`),
				end: BigInt(`0x${head[2]}`),
				perms: head[3],
				path: head[4],
				rss: 0
			});
		} else if (line.startsWith('Rss:') && maps.length)
			maps[maps.length - 1].rss = Number(line.split(/\s+/)[1]) * 1024;
	}
	const split: SmapsSplit = {
		rss: 0,
		wasm: 0,
		otherAnon: 0,
		files: 0,
		threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0)
	};
	const GB = 1n << 30n;
	maps.forEach((m, i) => {
		split.rss += m.rss;
		const next = maps[i + 1];
		const anonymous = m.path === '' || m.path.startsWith('[anon');
		if (!anonymous) split.files += m.rss;
		else if (
			m.perms.startsWith('rw') &&
			next &&
			next.start === m.end &&
			next.perms.startsWith('---') &&
			next.end - next.start >= GB
		)
			split.wasm += m.rss;
		else split.otherAnon += m.rss;
	});
	return split;
}

/** V8 heap of one JavaScript context (bytes): objects used / allocated, and ArrayBuffer backing stores. */
export interface HeapUsage {
	/** The page, the engine worker (its script's name) or an onnxruntime thread. */
	name: string;
	used: number;
	total: number;
	arrayBuffers: number;
}

/**
 * Reads the V8 heaps of a page and of its workers over CDP. Workers are attached once, unflattened
 * (Playwright's CDP sessions do not route child sessions); a worker busy in a long task, or an
 * onnxruntime thread asleep in Atomics.wait, answers when it can or is left out after `timeoutMs`.
 */
export async function heapReader(page: Page, timeoutMs = 1500) {
	const cdp: CDPSession = await page.context().newCDPSession(page);
	let nextId = 1;
	const waiting = new Map<number, (v: unknown) => void>();
	cdp.on('Target.receivedMessageFromTarget', (e: { message: string }) => {
		const m = JSON.parse(e.message) as { id?: number; result?: unknown };
		if (m.id !== undefined && waiting.has(m.id)) {
			waiting.get(m.id)!(m.result ?? null);
			waiting.delete(m.id);
		}
	});
	const sessions = new Map<string, string>();
	type Raw = { usedSize: number; totalSize: number; backingStorageSize?: number };
	const usage = (name: string, r: Raw): HeapUsage => ({
		name,
		used: r.usedSize,
		total: r.totalSize,
		arrayBuffers: r.backingStorageSize ?? 0
	});
	return async function read(): Promise<HeapUsage[]> {
		const out = [usage('page', (await cdp.send('Runtime.getHeapUsage')) as Raw)];
		const { targetInfos } = (await cdp.send('Target.getTargets')) as {
			targetInfos: { targetId: string; type: string; url: string }[];
		};
		for (const t of targetInfos.filter((t) => t.type === 'worker')) {
			let session = sessions.get(t.targetId);
			if (!session) {
				try {
					session = (
						(await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: false })) as {
							sessionId: string;
						}
					).sessionId;
				} catch {
					continue; // gone meanwhile
				}
				sessions.set(t.targetId, session);
			}
			const id = nextId++;
			const answer = new Promise<unknown>((r) => waiting.set(id, r));
			await cdp
				.send('Target.sendMessageToTarget', {
					sessionId: session,
					message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' })
				})
				.catch(() => waiting.delete(id));
			const r = (await Promise.race([
				answer,
				new Promise((r) => setTimeout(() => r(null), timeoutMs))
			])) as Raw | null;
			waiting.delete(id);
			// The engine worker's script is worker-<hash>.js; onnxruntime's threads run its runtime's module.
			const file = t.url.split('/').pop() ?? t.url;
			if (r)
				out.push(usage(/^worker-/.test(file) ? 'engine worker' : `other worker (${file.slice(0, 16)})`, r));
		}
		return out;
	};
}
