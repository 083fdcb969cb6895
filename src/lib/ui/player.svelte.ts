/** Playback speeds offered, slowest first. */
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2] as const;
/** Seconds the back/forward buttons and shortcuts jump. */
export const SKIP_SEC = 5;

/** Clamps a playback rate to the offered range. */
export function clampRate(rate: number): number {
	return Math.min(SPEEDS[SPEEDS.length - 1], Math.max(SPEEDS[0], Math.round(rate * 100) / 100));
}

/** The next offered speed above (`dir` 1) or below (-1) `rate`. */
export function stepRate(rate: number, dir: 1 | -1): number {
	if (dir > 0) return SPEEDS.find((s) => s > rate + 1e-9) ?? SPEEDS[SPEEDS.length - 1];
	return [...SPEEDS].reverse().find((s) => s < rate - 1e-9) ?? SPEEDS[0];
}

/** Audio player state bound to one <audio> element; the editor and shortcuts drive it through here. */
export class PlayerState {
	currentTime = $state(0);
	duration = $state(0);
	paused = $state(true);
	rate = $state(1);
	volume = $state(1);
	element = $state<HTMLAudioElement | null>(null);

	/** Plays or pauses. */
	toggle(): void {
		const el = this.element;
		if (!el) return;
		if (el.paused) void el.play().catch(() => {});
		else el.pause();
	}

	/** Jumps to `t` seconds (clamped to the recording). */
	seek(t: number): void {
		const max = this.duration || Number.MAX_VALUE;
		const to = Math.max(0, Math.min(max, t));
		this.currentTime = to;
		if (this.element) this.element.currentTime = to;
	}

	/** Jumps by `delta` seconds. */
	skip(delta: number): void {
		this.seek((this.element?.currentTime ?? this.currentTime) + delta);
	}

	/** Steps the speed up or down one notch. */
	speed(dir: 1 | -1): void {
		this.rate = stepRate(this.rate, dir);
	}

	/** Changes the volume by `delta` (0..1). */
	nudgeVolume(delta: number): void {
		this.volume = Math.min(1, Math.max(0, Math.round((this.volume + delta) * 100) / 100));
	}
}
