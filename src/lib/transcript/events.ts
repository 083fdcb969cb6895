import type { DocSegment, Edit, TranscriptDoc } from './document';
import type { Rating } from './rating';
import type { Backend, ModelRef, Segment, TranscriptResult } from './types';

/** How a transcription job ended, as the queue reports it (telemetry/transcription.ts builds its event). */
export interface JobEnded {
	/** The job's transcript id: the stored transcript's when done, else the job id. */
	transcriptId: string;
	status: 'done' | 'failed' | 'cancelled';
	/** The model that ran (or was loaded for) the job; null when none was loaded. */
	model: ModelRef | null;
	backend: Backend | null;
	/** Seconds from handing the job to the engine to its end. */
	processingSeconds: number;
	/** The result when done. */
	result: TranscriptResult | null;
	/** The failure message when failed (telemetry turns it into a short code, never sends the text). */
	error: string | null;
	/** Where in the recording the run started (seconds): a resumed run's start; absent means 0. */
	startSec?: number;
	/**
	 * The segments the run delivered before it was cancelled or failed (a growing transcript keeps
	 * them); absent means none. A done run's are in `result`.
	 */
	delivered?: readonly Segment[];
	/**
	 * The rollout arm and sampling rates the job ran under: its transcript's (a resumed run keeps the
	 * ones it started with), else those in force when it ended; absent means 'default', all sent.
	 */
	rollout?: Pick<TranscriptDoc, 'arm' | 'sampling'>;
}

/**
 * What the editor reports as the user works: the one place the telemetry client subscribes to.
 * Every event carries the document after the change; `before` is the segment before an edit.
 */
export interface TranscriptEvents {
	segmentEdited?(e: {
		doc: TranscriptDoc;
		/** The document before the edit (segment ids that a merge removed are only known from it). */
		previous?: TranscriptDoc;
		edit: Edit;
		before: DocSegment | null;
		after: DocSegment | null;
	}): void;
	/** Undo or redo jumped to another state: every segment may have changed, appeared or gone. */
	docRestored?(e: { before: TranscriptDoc; after: TranscriptDoc }): void;
	wordConfirmed?(e: { doc: TranscriptDoc; segmentId: string; wordIndex: number; confirmed: boolean }): void;
	rated?(e: { doc: TranscriptDoc; rating: Rating }): void;
	exported?(e: { doc: TranscriptDoc; format: string }): void;
	/** The editor opened a transcript (it is on screen). */
	opened?(e: { doc: TranscriptDoc }): void;
	/** The editor closed it (route change or reload). */
	closed?(e: { doc: TranscriptDoc }): void;
	/** The player moved through [from, to) of the audio while the segments `onScreen` were visible. */
	played?(e: { doc: TranscriptDoc; from: number; to: number; onScreen: readonly string[] }): void;
	/** A transcription job ended (done, failed or cancelled). */
	jobEnded?(e: JobEnded): void;
}

/** Fan-out of editor events to any number of subscribers; a throwing subscriber never breaks the editor. */
export class TranscriptEventHub {
	private listeners = new Set<TranscriptEvents>();

	/** Adds a subscriber; returns the function that removes it. */
	subscribe(listener: TranscriptEvents): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	/** Calls `name` on every subscriber that has it. */
	emit<K extends keyof TranscriptEvents>(
		name: K,
		event: Parameters<NonNullable<TranscriptEvents[K]>>[0]
	): void {
		for (const l of this.listeners) {
			try {
				(l[name] as ((e: typeof event) => void) | undefined)?.(event);
			} catch (e) {
				console.error(`TranscriptEvents.${name} subscriber failed`, e);
			}
		}
	}
}

/** The app-wide hub: the telemetry client calls `transcriptEvents.subscribe(...)`. */
export const transcriptEvents = new TranscriptEventHub();
