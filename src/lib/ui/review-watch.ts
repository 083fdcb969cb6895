/**
 * Tells the editor hub what the user looks at and listens to in the open transcript: `opened` and
 * `closed`, and `played` for each stretch the <audio> element advanced through at listening pace, with
 * the segments on screen at the time. "On screen" is an IntersectionObserver over the transcript's
 * `[data-segment-id]` elements (at least a quarter of a segment visible); segments added later (splits,
 * merges) are picked up by a MutationObserver. telemetry/session-summary.ts turns this into reviews.
 */
import type { TranscriptDoc } from '../transcript/document';
import type { TranscriptEventHub } from '../transcript/events';

/** Share of a segment's box that must be visible for it to count as on screen. */
export const ON_SCREEN_RATIO = 0.25;

/** Starts watching; returns the function that stops (and reports `closed`). */
export function watchReview(
	hub: TranscriptEventHub,
	doc: () => TranscriptDoc,
	container: HTMLElement,
	audio: HTMLAudioElement
): () => void {
	const onScreen = new Set<string>();
	const io = new IntersectionObserver(
		(entries) => {
			for (const e of entries) {
				const id = (e.target as HTMLElement).dataset.segmentId;
				if (!id) continue;
				if (e.isIntersecting && e.intersectionRatio >= ON_SCREEN_RATIO) onScreen.add(id);
				else onScreen.delete(id);
			}
		},
		{ threshold: [0, ON_SCREEN_RATIO, 1] }
	);
	const observed = new Set<Element>();
	const segmentsIn = (node: Node): Element[] => {
		if (!(node instanceof Element)) return [];
		const inside = [...node.querySelectorAll('[data-segment-id]')];
		return node.matches('[data-segment-id]') ? [node, ...inside] : inside;
	};
	const observe = (el: Element) => {
		if (observed.has(el) || !el.isConnected) return;
		observed.add(el);
		io.observe(el);
	};
	// A node moved by a keyed list is removed and added again: only one no longer in the page goes.
	const unobserve = (el: Element) => {
		if (!observed.has(el) || el.isConnected) return;
		io.unobserve(el);
		observed.delete(el);
		onScreen.delete((el as HTMLElement).dataset.segmentId ?? '');
	};
	segmentsIn(container).forEach(observe);
	// Only the nodes each mutation added or removed are looked at: a segment arriving in a growing
	// transcript costs the same at the thousandth as at the first.
	const mo = new MutationObserver((records) => {
		for (const r of records) {
			r.removedNodes.forEach((n) => segmentsIn(n).forEach(unobserve));
			r.addedNodes.forEach((n) => segmentsIn(n).forEach(observe));
		}
	});
	mo.observe(container, { childList: true, subtree: true });

	// Time updates arrive about 4 times a second while playing; a seek restarts the stretch.
	let last: number | null = null;
	const step = (final: boolean) => {
		const t = audio.currentTime;
		if ((final || !audio.paused) && !audio.seeking && last !== null && t > last)
			hub.emit('played', { doc: doc(), from: last, to: t, onScreen: [...onScreen] });
		last = final || audio.paused ? null : t;
	};
	const onTime = () => step(false);
	const onPause = () => step(true);
	const reset = () => (last = audio.paused || audio.seeking ? null : audio.currentTime);
	audio.addEventListener('timeupdate', onTime);
	audio.addEventListener('seeking', reset);
	audio.addEventListener('play', reset);
	audio.addEventListener('pause', onPause);

	hub.emit('opened', { doc: doc() });
	return () => {
		audio.removeEventListener('timeupdate', onTime);
		audio.removeEventListener('seeking', reset);
		audio.removeEventListener('play', reset);
		audio.removeEventListener('pause', onPause);
		mo.disconnect();
		io.disconnect();
		hub.emit('closed', { doc: doc() });
	};
}
