import { describe, expect, it } from 'vitest';
import { cardinalWords, normalizeText, normalizeWords, ordinalWords } from './normalize';

describe('normalizeText', () => {
	it.each([
		['', ''],
		['   \n\t ', ''],
		['Hello, World!', 'hello world'],
		["Don't stop; it's O'Clock.", "don't stop it's o'clock"],
		["'Cause the students' books", 'cause the students books'],
		['well-known and/or self‐made', 'well known and or self made'],
		['Mr. Smith met Mrs Jones and Dr. Who', 'mister smith met missus jones and doctor who'],
		['St. Louis vs. Ms Prof. Mt Etc.', 'saint louis versus miss professor mount et cetera'],
		['OK, e.g. this, i.e. that', 'okay for example this that is that'],
		['mister stays; drums stay; first stays', 'mister stays drums stay first stays'],
		['Tom & Jerry got 50% off', 'tom and jerry got fifty percent off'],
		['42', 'forty two'],
		['0', 'zero'],
		['7 11 19 20 99', 'seven eleven nineteen twenty ninety nine'],
		['105 110 1000', 'one hundred five one hundred ten one thousand'],
		['In 1995 and 1905 and 1900', 'in nineteen ninety five and nineteen oh five and nineteen hundred'],
		['2005 2024 2100', 'two thousand five twenty twenty four two thousand one hundred'],
		['1,995 people', 'one thousand nine hundred ninety five people'],
		['1,000,000', 'one million'],
		['$1,250.75', 'one thousand two hundred fifty point seven five dollars'],
		['3.5 0.25 .5', 'three point five zero point two five point five'],
		['It ends at 3.', 'it ends at three'],
		[
			'1st 2nd 3rd 4th 21st 100th 12th 90th',
			'first second third fourth twenty first one hundredth twelfth ninetieth'
		],
		['007', 'zero zero seven'],
		['mp3 player', 'mp three player'],
		[
			'$5 and $1 and £20 and €3.50',
			'five dollars and one dollar and twenty pounds and three point five zero euros'
		],
		['2+2', 'two plus two'],
		['“Quoted” ‘single’ — dash – en', 'quoted single dash en'],
		['It’s fine', "it's fine"],
		['ＦＵＬＬ　ｗｉｄｔｈ １２', 'full width twelve'],
		['Café naïve Привет, мир! 東京', 'café naïve привет мир 東京'],
		['wait... what?!', 'wait what'],
		['a\ue000b', 'a b'],
		['tabs\tand\nnewlines\r\nhere', 'tabs and newlines here']
	])('%j → %j', (input, expected) => {
		expect(normalizeText(input)).toBe(expected);
	});

	it('is idempotent', () => {
		const samples = ["Mr. O'Neil paid $1,250.75 on the 3rd of May, 1999 — well-known!", 'Ça va? 東京 100%'];
		for (const s of samples) expect(normalizeText(normalizeText(s))).toBe(normalizeText(s));
	});

	it('handles very long input quickly', () => {
		const long = 'The quick-brown fox, Mr. Smith, paid $42 in 1995. '.repeat(20_000);
		const t0 = performance.now();
		const words = normalizeWords(long);
		expect(performance.now() - t0).toBeLessThan(5_000);
		expect(words.length).toBe(20_000 * 14);
		expect(words.slice(0, 14).join(' ')).toBe(
			'the quick brown fox mister smith paid forty two dollars in nineteen ninety five'
		);
	});
});

describe('normalizeWords', () => {
	it.each([
		['', []],
		['  ', []],
		['a b', ['a', 'b']],
		['Hello-there', ['hello', 'there']]
	])('%j', (input, expected) => {
		expect(normalizeWords(input)).toEqual(expected);
	});
});

describe('cardinalWords', () => {
	it.each([
		['0', 'zero'],
		['000', 'zero'],
		['13', 'thirteen'],
		['40', 'forty'],
		['101', 'one hundred one'],
		['999', 'nine hundred ninety nine'],
		['1001', 'one thousand one'],
		['1000001', 'one million one'],
		[
			'123456789',
			'one hundred twenty three million four hundred fifty six thousand seven hundred eighty nine'
		],
		['1000000000000', 'one trillion']
	])('%s → %s', (digits, expected) => {
		expect(cardinalWords(digits)).toBe(expected);
	});

	it('reads numbers beyond the named scales digit by digit', () => {
		expect(cardinalWords('1'.repeat(40))).toBe(Array(40).fill('one').join(' '));
	});

	it('rejects non-digits', () => {
		expect(() => cardinalWords('12a')).toThrow(/digit/);
		expect(() => cardinalWords('')).toThrow(/digit/);
	});
});

describe('ordinalWords', () => {
	it.each([
		['one', 'first'],
		['twenty', 'twentieth'],
		['twenty two', 'twenty second'],
		['eleven', 'eleventh'],
		['one hundred', 'one hundredth']
	])('%s → %s', (c, o) => expect(ordinalWords(c)).toBe(o));
});
