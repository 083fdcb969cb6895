import { describe, expect, it } from 'vitest';
import { formatAgo, formatDate, formatEta, liveTail, recordingName, safeClock } from './format';

describe('formatAgo', () => {
	it.each([
		[0, 'just now'],
		[999, 'just now'],
		[3000, '3 s ago'],
		[59_999, '59 s ago'],
		[60_000, '1 min ago'],
		[3_600_000, '1 h ago'],
		[-5000, 'just now']
	])('%d ms -> %s', (delta, out) => {
		expect(formatAgo(1_000_000, 1_000_000 + delta)).toBe(out);
	});
});

describe('formatEta', () => {
	it.each([
		[null, ''],
		[Infinity, ''],
		[0.2, 'about 1 s left'],
		[12.4, 'about 12 s left'],
		[59, 'about 59 s left'],
		[181, 'about 3 min left']
	])('%s -> %s', (eta, out) => {
		expect(formatEta(eta)).toBe(out);
	});
});

describe('formatDate and recordingName', () => {
	it('rejects garbage dates and names recordings by local time', () => {
		expect(formatDate('not a date')).toBe('');
		expect(formatDate('2026-01-02T03:04:05Z', 'en-GB')).toContain('2026');
		expect(recordingName(new Date(2026, 0, 2, 3, 4, 5), 'webm')).toBe('Recording 2026-01-02 03.04.05.webm');
	});
});

describe('safeClock', () => {
	it.each([
		[NaN, '0:00'],
		[Infinity, '0:00'],
		[-3, '0:00'],
		[65.9, '1:05']
	])('%d -> %s', (s, out) => expect(safeClock(s)).toBe(out));
});

describe('liveTail', () => {
	const segs = (...texts: string[]) => texts.map((text) => ({ text }));
	it.each([
		{ name: 'nothing yet', input: segs(), max: 10, out: '' },
		{ name: 'all fits', input: segs(' hello ', 'there'), max: 20, out: 'hello there' },
		{ name: 'exactly fits', input: segs('abcd', 'efgh'), max: 10, out: 'abcd efgh' },
		{ name: 'older ones left out', input: segs('one', 'two', 'three'), max: 10, out: '… two three' },
		{
			name: 'the last one alone is longer',
			input: segs('a', 'much too long'),
			max: 5,
			out: '… much too long'
		},
		{ name: 'empty segments skipped', input: segs('x', '  ', 'y'), max: 10, out: 'x y' },
		{ name: 'unicode', input: segs('naïve café', 'über'), max: 11, out: '… über' }
	])('$name', ({ input, max, out }) => expect(liveTail(input, max)).toBe(out));

	it('a three-hour transcript gives the same short line', () => {
		const many = Array.from({ length: 20_000 }, (_, i) => ({ text: `segment number ${i}` }));
		const line = liveTail(many);
		expect(line.length).toBeLessThanOrEqual(602);
		expect(line.endsWith('segment number 19999')).toBe(true);
	});
});
