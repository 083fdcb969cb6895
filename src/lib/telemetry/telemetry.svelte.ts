/**
 * The browser's telemetry client: consent, the installation id, the outbox and the editor subscriber
 * in one place, with `$state` fields the consent banner and the settings page render.
 *
 * Consent is 'unknown' until the user chooses. Until it is 'granted' nothing is built, queued or sent;
 * withdrawing clears the outbox. Consent, the installation id, revisions and counters live in the
 * outbox's own IndexedDB database (outbox-store.ts).
 */
import type { TranscriptEventHub, TranscriptEvents } from '../transcript/events';
import { nowIso, randomId } from '../shared/ids';
import {
	MemoryRevisions,
	TelemetryCollector,
	sampled,
	segmentKey,
	type EventContext,
	type Revisions
} from './events-from-editor';
import { Outbox, type LockManagerLike, type OutboxLimits, type OutboxStats } from './outbox';
import type { OutboxStore } from './outbox-store';
import { SCHEMA_VERSION, telemetryEventSchema, type TelemetryEvent } from './schema';
import { ReviewTracker } from './session-summary';
import { transcriptionEvent, type DeviceHints } from './transcription';
import type { SendBatch } from './sender';

/** The server's data under an installation id could not be deleted; the message says why. */
export class DeletionFailedError extends Error {
	constructor(reason: string) {
		super(`The server did not delete the data: ${reason}.`);
		this.name = 'DeletionFailedError';
	}
}

/** DELETE /api/v1/installations/:id; the number of events deleted, or DeletionFailedError. */
async function deleteInstallation(f: typeof fetch, id: string): Promise<number> {
	let res: Response;
	try {
		res = await f(`/api/v1/installations/${encodeURIComponent(id)}`, { method: 'DELETE' });
	} catch {
		throw new DeletionFailedError('the server could not be reached');
	}
	const body = (await res.json().catch(() => null)) as { deleted?: unknown; error?: unknown } | null;
	if (!res.ok || typeof body?.deleted !== 'number')
		throw new DeletionFailedError(typeof body?.error === 'string' ? body.error : `it answered ${res.status}`);
	return body.deleted;
}

/** The user's choice about sharing. */
export type Consent = 'unknown' | 'granted' | 'denied';

/** Plain statement of what is sent, shown by the banner and the settings page. */
export const WHAT_IS_SENT =
	'When you share, Redline sends the words you corrected in each edited segment together with the ' +
	'model’s original words and their confidences, words you mark correct, your star ratings, tags and ' +
	'comments, the export formats you use, which segments you reviewed (by id and word count) and how ' +
	'long the transcript was open, the model’s words with their confidences and times in segments you ' +
	'reviewed without editing (by marking a word correct or playing the segment through), how long each ' +
	'transcription took with your device’s core count and memory class, the model version and a random ' +
	'installation id. It never sends audio, and never the text of segments you neither edited nor reviewed.';

/**
 * Which wording of WHAT_IS_SENT a 'granted' answer was given to. Raise it whenever the text promises
 * less than what is now sent (version 2 added the words of reviewed-unedited segments): a grant to an
 * older wording then counts as no answer, nothing is sent until the user answers the new text, and the
 * banner says what changed. A 'denied' answer stands whatever the wording.
 */
export const CONSENT_VERSION = 2;

const META = {
	consent: 'consent',
	consentVersion: 'consentVersion',
	installationId: 'installationId',
	revisions: 'revisions'
} as const;

/** Revisions kept in memory and written through to the outbox store. */
class StoredRevisions implements Revisions {
	readonly mem = new MemoryRevisions();
	constructor(private readonly save: (snapshot: Record<string, number>) => void) {}
	has(key: string): boolean {
		return this.mem.has(key);
	}
	next(key: string): number {
		const r = this.mem.next(key);
		this.save(Object.fromEntries(this.mem.map));
		return r;
	}
}

/** What the client is built from; the browser passes real ones (see TelemetryRoot.svelte). */
export interface TelemetryDeps {
	store: OutboxStore;
	send: SendBatch;
	hub: TranscriptEventHub;
	appVersion: string;
	locks?: LockManagerLike | null;
	/** For DELETE /api/v1/installations/:id. */
	fetch?: typeof fetch;
	limits?: Partial<OutboxLimits>;
	debounceMs?: number;
	newId?: () => string;
	/** Device hints of transcription events (navigator in the browser); none by default. */
	device?: () => DeviceHints;
	/** Whether the tab is visible now (document.visibilityState); true by default. */
	tabVisible?: () => boolean;
}

/** One per tab. */
export class TelemetryClient {
	consent = $state<Consent>('unknown');
	/** True when the user had agreed to an older WHAT_IS_SENT: the banner asks again and says why. */
	consentOutdated = $state(false);
	installationId = $state('');
	/** What would be sent, oldest first. */
	pending = $state.raw<TelemetryEvent[]>([]);
	counters = $state.raw<OutboxStats>({ sent: 0, dropped: {}, errors: 0 });
	/** ms epoch of the next retry while the server or network is failing. */
	retryingAt = $state<number | null>(null);
	ready = $state(false);

	readonly outbox: Outbox;
	readonly collector: TelemetryCollector;
	/** What the user reviewed in the open transcript: sends session summaries on leave and export. */
	readonly review: ReviewTracker;
	private readonly revisions: StoredRevisions;
	private readonly newId: () => string;
	private started: Promise<void> | null = null;
	private unsubscribe: (() => void) | null = null;

	constructor(private readonly deps: TelemetryDeps) {
		this.newId = deps.newId ?? randomId;
		this.outbox = new Outbox({
			store: deps.store,
			send: deps.send,
			locks: deps.locks,
			limits: deps.limits,
			makeReport: (dropped) => this.clientReport(dropped)
		});
		this.revisions = new StoredRevisions((snap) => void deps.store.setMeta(META.revisions, snap));
		this.collector = new TelemetryCollector({
			context: () => this.context(),
			sink: (e) => this.outbox.enqueue(e),
			onInvalid: (reason) => this.outbox.countDrop(reason),
			revisions: this.revisions,
			debounceMs: deps.debounceMs
		});
		this.review = new ReviewTracker({
			context: () => this.context(),
			// Summary revisions share the persisted counters, under a key no segment id can take.
			nextRevision: (transcriptId) => this.revisions.next(`summary:${transcriptId}`),
			sink: (e) => {
				if (sampled(e)) this.enqueueChecked(e);
			},
			labels: {
				// A correction's revision counter, or a marker under a key no segment id can take.
				sent: (t, s) => this.revisions.has(segmentKey(t, s)) || this.revisions.has(`reviewed:${t}/${s}`),
				mark: (t, s) => void this.revisions.next(`reviewed:${t}/${s}`),
				sink: (e) => {
					if (sampled(e)) this.enqueueChecked(e);
				}
			}
		});
		this.outbox.onChange(() => this.sync());
	}

	// Events built here (not by the collector) pass the same schema check before they are queued.
	private enqueueChecked(event: TelemetryEvent | null): void {
		if (!event) return;
		const parsed = telemetryEventSchema.safeParse(event);
		if (parsed.success) this.outbox.enqueue(parsed.data);
		else this.outbox.countDrop('invalid_local');
	}

	/** Hub callbacks besides the collector's: the review tracker's, transcript open/close, playback, jobs. */
	private readonly sessionHandlers: TranscriptEvents = {
		...this.reviewHandlers(),
		opened: ({ doc }) => this.review.start(doc, this.deps.tabVisible?.() ?? true),
		closed: () => this.review.leave(),
		played: ({ from, to, onScreen }) => this.review.played(from, to, onScreen),
		jobEnded: (job) => {
			const ctx = this.context();
			const event = ctx ? transcriptionEvent(ctx, job, this.deps.device?.() ?? {}) : null;
			if (event && sampled(event)) this.enqueueChecked(event);
		}
	};

	private reviewHandlers(): TranscriptEvents {
		// Called from a field initialiser, before `review` is assigned: defer to call time.
		return {
			segmentEdited: (e) => this.review.handlers.segmentEdited?.(e),
			docRestored: (e) => this.review.handlers.docRestored?.(e),
			wordConfirmed: (e) => this.review.handlers.wordConfirmed?.(e),
			exported: (e) => this.review.handlers.exported?.(e)
		};
	}

	/** Loads the stored state, starts the outbox and subscribes to the editor. Idempotent. */
	start(): Promise<void> {
		this.started ??= (async () => {
			const store = this.deps.store;
			const [consent, consentVersion, id, revisions] = await Promise.all([
				store.getMeta(META.consent),
				store.getMeta(META.consentVersion),
				store.getMeta(META.installationId),
				store.getMeta(META.revisions)
			]);
			// Grants stored before versions existed were given to wording 1.
			const grantedTo = typeof consentVersion === 'number' ? consentVersion : 1;
			this.consentOutdated = consent === 'granted' && grantedTo < CONSENT_VERSION;
			this.consent =
				consent === 'denied' || (consent === 'granted' && !this.consentOutdated) ? consent : 'unknown';
			this.installationId = typeof id === 'string' ? id : await this.newInstallationId();
			for (const [k, v] of Object.entries((revisions ?? {}) as Record<string, number>))
				this.revisions.mem.map.set(k, v);
			this.outbox.enabled = this.consent === 'granted';
			await this.outbox.start();
			const offCollector = this.deps.hub.subscribe(this.collector.handlers);
			const offSession = this.deps.hub.subscribe(this.sessionHandlers);
			this.unsubscribe = () => {
				offCollector();
				offSession();
			};
			this.ready = true;
			this.sync();
		})();
		return this.started;
	}

	/** Stops timers and the subscription (tests, hot reload). */
	stop(): void {
		this.unsubscribe?.();
		this.collector.cancelPending();
		this.outbox.stop();
	}

	/** Opts in or out; opting out withdraws (clears what waits). */
	async setConsent(granted: boolean): Promise<void> {
		this.consentOutdated = false;
		if (granted) {
			this.consent = 'granted';
			this.outbox.enabled = true;
			await this.deps.store.setMeta(META.consentVersion, CONSENT_VERSION);
			await this.deps.store.setMeta(META.consent, 'granted');
			this.broadcast();
		} else await this.withdraw();
	}

	/** Stops sharing: pending debounces are forgotten and the outbox is emptied. */
	async withdraw(): Promise<void> {
		this.consent = 'denied';
		this.outbox.enabled = false;
		this.collector.cancelPending();
		await this.outbox.clear();
		await this.deps.store.setMeta(META.consent, 'denied');
		this.broadcast();
	}

	/**
	 * Resets the installation id: first deletes the server's data under the old one (as
	 * `deleteServerData`, which then takes a new id), because once the id is forgotten nothing can ask
	 * for that data to be deleted. When the deletion fails this throws DeletionFailedError and keeps the
	 * id; the user may then choose `forgetInstallationId` knowingly. Returns the events deleted.
	 */
	resetInstallationId(): Promise<number> {
		return this.deleteServerData();
	}

	/**
	 * A fresh random installation id without deleting anything on the server (the user accepted that
	 * the old id's data then stays there for good). Events still waiting under the old id are dropped
	 * (not sent), so nothing new lands under an id the user has left; revisions restart with the new id.
	 */
	async forgetInstallationId(): Promise<void> {
		this.collector.cancelPending();
		const wasEnabled = this.outbox.enabled;
		this.outbox.enabled = false;
		await this.outbox.settled();
		await this.outbox.clear();
		this.outbox.enabled = wasEnabled;
		this.revisions.mem.map.clear();
		await this.deps.store.setMeta(META.revisions, {});
		await this.newInstallationId();
		this.broadcast();
	}

	/** Other tabs of this app, told when consent or the installation id change here. */
	private channel: BroadcastChannel | null = null;

	private broadcast(): void {
		this.channel?.postMessage({ consent: this.consent, installationId: this.installationId });
	}

	/**
	 * Another tab changed consent or the installation id: adopt it, drop this tab's pending debounces
	 * and reload the shared queue from storage (the other tab may have emptied it), so a withdrawal
	 * in the settings tab also stops the editor tab at once.
	 */
	private async adopt(msg: { consent?: unknown; installationId?: unknown; pause?: unknown }): Promise<void> {
		if (typeof msg.pause === 'string') {
			// Another tab is deleting this id's data: send nothing more under it (see deleteServerData).
			if (msg.pause === this.installationId) {
				this.outbox.enabled = false;
				this.collector.cancelPending();
			}
			return;
		}
		const consent = msg.consent === 'granted' || msg.consent === 'denied' ? msg.consent : null;
		const id = typeof msg.installationId === 'string' ? msg.installationId : null;
		if (!consent || !id) return;
		if (consent !== 'granted' || id !== this.installationId) this.collector.cancelPending();
		if (id !== this.installationId) this.revisions.mem.map.clear();
		this.consentOutdated = false;
		this.consent = consent;
		this.installationId = id;
		this.outbox.enabled = consent === 'granted';
		await this.outbox.start();
		this.sync();
	}

	/**
	 * Asks the server to delete every event stored under this installation id and empties the outbox
	 * (so nothing is re-sent afterwards). Returns the number of events the server deleted.
	 *
	 * Order matters. Other tabs are told to stop sending under the id, and every batch on its way (this
	 * tab's timer and page-hide sends, other tabs' locked flushes) gets its answer before the DELETE, so
	 * none commits after it and outlives it. On success the tab takes a new id: the server refuses
	 * events under a deleted id for 30 days, so whatever is shared next would otherwise be refused.
	 * On failure (DeletionFailedError) the id and sharing stay as they were.
	 */
	async deleteServerData(): Promise<number> {
		const f = this.deps.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
		const id = this.installationId;
		this.collector.cancelPending();
		const wasEnabled = this.outbox.enabled;
		this.outbox.enabled = false;
		this.channel?.postMessage({ pause: id });
		let deleted: number;
		try {
			await this.outbox.settledEverywhere();
			await this.outbox.clear();
			deleted = await deleteInstallation(f, id);
		} catch (e) {
			this.outbox.enabled = wasEnabled;
			this.broadcast(); // the other tabs resume under the id
			throw e;
		}
		this.revisions.mem.map.clear();
		await this.deps.store.setMeta(META.revisions, {});
		await this.newInstallationId();
		this.outbox.enabled = wasEnabled;
		this.broadcast();
		return deleted;
	}

	/** For `visibilitychange`→hidden and `pagehide`: builds debounced events and sends with keepalive. */
	onHide(): void {
		this.review.flush();
		this.collector.flushPending();
		this.outbox.flushOnHide();
	}

	/** Adds the page-hide, visibility and online listeners; returns the function that removes them. */
	attach(win: Window): () => void {
		const hidden = () => {
			const visible = win.document.visibilityState !== 'hidden';
			this.review.visible(visible);
			if (!visible) this.onHide();
		};
		const hide = () => this.onHide();
		const online = () => void this.outbox.retryNow();
		win.document.addEventListener('visibilitychange', hidden);
		win.addEventListener('pagehide', hide);
		win.addEventListener('online', online);
		if (typeof BroadcastChannel !== 'undefined') {
			this.channel = new BroadcastChannel('redline-telemetry');
			this.channel.onmessage = (e) => void this.adopt(e.data ?? {});
		}
		return () => {
			this.channel?.close();
			this.channel = null;
			win.document.removeEventListener('visibilitychange', hidden);
			win.removeEventListener('pagehide', hide);
			win.removeEventListener('online', online);
		};
	}

	private async newInstallationId(): Promise<string> {
		const id = this.newId();
		this.installationId = id;
		await this.deps.store.setMeta(META.installationId, id);
		return id;
	}

	private context(): EventContext | null {
		if (this.consent !== 'granted' || !this.installationId) return null;
		return {
			installationId: this.installationId,
			appVersion: this.deps.appVersion,
			newId: this.newId,
			now: nowIso
		};
	}

	private clientReport(dropped: Record<string, number>): TelemetryEvent | null {
		const ctx = this.context();
		if (!ctx) return null;
		return {
			id: ctx.newId(),
			schemaVersion: SCHEMA_VERSION,
			type: 'client_report',
			occurredAt: ctx.now(),
			installationId: ctx.installationId,
			appVersion: ctx.appVersion,
			dropped: { ...dropped }
		};
	}

	private sync(): void {
		this.pending = this.outbox.pending;
		this.counters = this.outbox.counters;
		this.retryingAt = this.outbox.retryingAt;
	}
}
