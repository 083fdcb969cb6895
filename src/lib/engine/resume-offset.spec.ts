import { describe, expect, it } from 'vitest';
import { resumeOffset } from './engine';

describe('resumeOffset', () => {
	// 512-sample VAD frames at 16 kHz are 32 ms long.
	it.each([
		[0, 0],
		[0.032, 512],
		[0.0319, 0],
		[11.56, 184832], // 361.25 frames: back to frame 361 (11.552 s)
		[11.552, 184832], // on the grid: unchanged, float error or not
		[90.016, 1440256]
	])('%s s → sample %s', (sec, sample) => {
		expect(resumeOffset(sec, 16000)).toBe(sample);
		expect(resumeOffset(sec, 16000) % 512).toBe(0);
	});
});
