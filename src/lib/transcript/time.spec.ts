import { describe, expect, it } from 'vitest';
import { formatClock, formatSrtTime, formatVttTime, parseTimestamp } from './time';

describe('formatSrtTime / formatVttTime', () => {
	it.each([
		[0, '00:00:00,000'],
		[62.345, '00:01:02,345'],
		[1.0005, '00:00:01,001'],
		[0.5005, '00:00:00,501'],
		[2.5015, '00:00:02,502'],
		[0.0004, '00:00:00,000'],
		[0.0005, '00:00:00,001'],
		[59.9994, '00:00:59,999'],
		[59.9996, '00:01:00,000'],
		[3599.9999, '01:00:00,000'],
		[0.1 + 0.2, '00:00:00,300'],
		[3723.004, '01:02:03,004'],
		[99 * 3600 + 59 * 60 + 59.999, '99:59:59,999'],
		[100 * 3600, '100:00:00,000'],
		[1234 * 3600 + 0.5, '1234:00:00,500'],
		[1e-9, '00:00:00,000']
	])('%s s → %s', (sec, srt) => {
		expect(formatSrtTime(sec)).toBe(srt);
		expect(formatVttTime(sec)).toBe(srt.replace(',', '.'));
	});

	it.each([[-1], [-0.001], [NaN], [Infinity], [-Infinity], ['5' as unknown as number]])(
		'rejects %s',
		(bad) => {
			expect(() => formatSrtTime(bad)).toThrow(RangeError);
			expect(() => formatVttTime(bad)).toThrow(RangeError);
			expect(() => formatClock(bad)).toThrow(RangeError);
		}
	);

	it('round-trips every millisecond of the first ten seconds and some long times', () => {
		for (let ms = 0; ms <= 10_000; ms++) {
			expect(parseTimestamp(formatSrtTime(ms / 1000))).toBe(ms / 1000);
		}
		for (const sec of [3600.001, 86_399.999, 360_000.123, 12_345_678.9]) {
			expect(parseTimestamp(formatVttTime(sec))).toBe(sec);
		}
	});
});

describe('formatClock', () => {
	it.each([
		[0, '0:00'],
		[9.99, '0:09'],
		[59.9996, '1:00'],
		[62.5, '1:02'],
		[3600, '1:00:00'],
		[3725, '1:02:05'],
		[100 * 3600 + 1, '100:00:01']
	])('%s → %s', (sec, text) => expect(formatClock(sec)).toBe(text));
});

describe('parseTimestamp', () => {
	it.each([
		['00:01:02,345', 62.345],
		['01:02.345', 62.345],
		['100:00:00.000', 360_000]
	])('%s → %s', (t, sec) => expect(parseTimestamp(t)).toBe(sec));

	it.each([[''], ['1:2:3'], ['00:60:00,000'], ['00:00:00,00'], ['-00:00:01,000']])('rejects %j', (bad) => {
		expect(() => parseTimestamp(bad)).toThrow(RangeError);
	});
});
