import { describe, expect, it } from 'vitest';
import { PlayerState, clampRate, stepRate } from './player.svelte';

describe('speed steps', () => {
	it.each([
		[1, 1, 1.25],
		[1, -1, 0.75],
		[2, 1, 2],
		[0.5, -1, 0.5],
		[1.1, 1, 1.25],
		[1.1, -1, 1]
	] as const)('stepRate(%d, %d) = %d', (rate, dir, out) => {
		expect(stepRate(rate, dir)).toBe(out);
	});
	it.each([
		[0.1, 0.5],
		[3, 2],
		[1.333, 1.33]
	])('clampRate(%d) = %d', (r, out) => expect(clampRate(r)).toBe(out));
});

describe('PlayerState without an element', () => {
	it('seeks within the duration and nudges volume within 0..1', () => {
		const p = new PlayerState();
		p.duration = 10;
		p.seek(12);
		expect(p.currentTime).toBe(10);
		p.skip(-15);
		expect(p.currentTime).toBe(0);
		p.nudgeVolume(0.2);
		expect(p.volume).toBe(1);
		p.nudgeVolume(-0.35);
		expect(p.volume).toBe(0.65);
		p.speed(1);
		expect(p.rate).toBe(1.25);
	});
});
