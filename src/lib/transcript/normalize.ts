/**
 * Text normalisation for word error rate (WER).
 *
 * Reference and hypothesis both go through `normalizeText`, so only differences that a listener would
 * hear count as errors. The steps, in order:
 *
 * 1. Unicode: NFKC (full-width digits and letters, ligatures), curly quotes and the modifier-letter
 *    apostrophe become `'`, every dash and minus sign becomes `-`, non-breaking and other spaces become
 *    a plain space.
 * 2. Lowercase (locale-independent `toLowerCase`).
 * 3. Symbols: `&` → "and", `%` → "percent", `+` → "plus", `@` → "at", `$N` → "N dollars",
 *    `£N` → "N pounds", `€N` → "N euros".
 * 4. Abbreviations, with or without their full stop, as whole words: mr → mister, mrs → missus,
 *    ms → miss, dr → doctor, st → saint, jr → junior, sr → senior, prof → professor, mt → mount,
 *    vs → versus, etc → et cetera, ok → okay, e.g. → for example, i.e. → that is.
 *    ("st" is always "saint", never "street": both exist, we pick one and apply it to both sides.)
 * 5. Numbers (digits only; spelled-out numbers are left alone):
 *    - thousands separators are dropped, and such numbers are never years: 1,995 → one thousand nine
 *      hundred ninety five;
 *    - decimals read digit by digit after "point": 3.5 → three point five, 0.25 → zero point two five;
 *    - ordinals: 1st → first, 21st → twenty first, 100th → one hundredth;
 *    - years: a bare four-digit number 1100–1999 or 2010–2099 is read as a year
 *      (1995 → nineteen ninety five, 1905 → nineteen oh five, 1900 → nineteen hundred,
 *      2024 → twenty twenty four); 2000–2009 read as cardinals (two thousand five);
 *    - other integers as American cardinals without "and": 42 → forty two,
 *      105 → one hundred five, 1000000 → one million;
 *    - a run of digits with a leading zero is read digit by digit: 007 → zero zero seven;
 *    - digits glued to letters are split off: mp3 → mp three.
 * 6. Hyphens and slashes split words: well-known → well known, and/or → and or.
 * 7. Punctuation is removed. An apostrophe survives only between two letters (don't, o'clock);
 *    leading and trailing ones go ('cause → cause, students' → students).
 * 8. Whitespace collapses to single spaces; the result is trimmed.
 *
 * Letters of every script are kept as they are (café, Привет, 東京). Scripts written without spaces
 * become one "word" per run, which over-counts errors for them; English is what we measure now.
 */

const ONES = [
	'zero',
	'one',
	'two',
	'three',
	'four',
	'five',
	'six',
	'seven',
	'eight',
	'nine',
	'ten',
	'eleven',
	'twelve',
	'thirteen',
	'fourteen',
	'fifteen',
	'sixteen',
	'seventeen',
	'eighteen',
	'nineteen'
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const SCALES = [
	'',
	'thousand',
	'million',
	'billion',
	'trillion',
	'quadrillion',
	'quintillion',
	'sextillion',
	'septillion',
	'octillion',
	'nonillion',
	'decillion'
];

const ABBREVIATIONS: Record<string, string> = {
	mr: 'mister',
	mrs: 'missus',
	ms: 'miss',
	dr: 'doctor',
	st: 'saint',
	jr: 'junior',
	sr: 'senior',
	prof: 'professor',
	mt: 'mount',
	vs: 'versus',
	etc: 'et cetera',
	ok: 'okay'
};

function under1000(n: number): string[] {
	const words: string[] = [];
	const hundreds = Math.floor(n / 100);
	const rest = n % 100;
	if (hundreds > 0) words.push(ONES[hundreds], 'hundred');
	if (rest >= 20) {
		words.push(TENS[Math.floor(rest / 10)]);
		if (rest % 10 > 0) words.push(ONES[rest % 10]);
	} else if (rest > 0 || hundreds === 0) {
		words.push(ONES[rest]);
	}
	return words;
}

function digitByDigit(digits: string): string {
	return Array.from(digits, (d) => ONES[Number(d)]).join(' ');
}

/** Reads a string of decimal digits as an American cardinal ("1995" → "one thousand nine hundred ninety five"). */
export function cardinalWords(digits: string): string {
	if (!/^\d+$/.test(digits)) throw new Error(`cardinalWords: not a digit string: ${JSON.stringify(digits)}`);
	const trimmed = digits.replace(/^0+(?=\d)/, '');
	// Beyond the named scales, nobody says the number; read the digits.
	if (trimmed.length > SCALES.length * 3) return digitByDigit(trimmed);
	if (trimmed === '0') return 'zero';
	const groups: number[] = [];
	for (let end = trimmed.length; end > 0; end -= 3)
		groups.unshift(Number(trimmed.slice(Math.max(0, end - 3), end)));
	const words: string[] = [];
	groups.forEach((g, i) => {
		if (g === 0) return;
		words.push(...under1000(g));
		const scale = SCALES[groups.length - 1 - i];
		if (scale) words.push(scale);
	});
	return words.join(' ');
}

/** Turns the last word of a cardinal into its ordinal ("twenty one" → "twenty first"). */
export function ordinalWords(cardinal: string): string {
	const irregular: Record<string, string> = {
		one: 'first',
		two: 'second',
		three: 'third',
		five: 'fifth',
		eight: 'eighth',
		nine: 'ninth',
		twelve: 'twelfth'
	};
	const parts = cardinal.split(' ');
	const last = parts[parts.length - 1];
	parts[parts.length - 1] =
		irregular[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
	return parts.join(' ');
}

function yearWords(n: number): string | null {
	if (n >= 2000 && n < 2010) return null;
	if (n < 1100 || n > 2099) return null;
	const hi = Math.floor(n / 100);
	const lo = n % 100;
	if (lo === 0) return `${cardinalWords(String(hi))} hundred`;
	if (lo < 10) return `${cardinalWords(String(hi))} oh ${ONES[lo]}`;
	return `${cardinalWords(String(hi))} ${cardinalWords(String(lo))}`;
}

function integerWords(digits: string): string {
	if (digits.length > 1 && digits.startsWith('0')) return digitByDigit(digits);
	if (digits.length === 4) {
		const year = yearWords(Number(digits));
		if (year) return year;
	}
	return cardinalWords(digits);
}

function numbersToWords(text: string): string {
	return (
		text
			.replace(/\d{1,3}(?:,\d{3})+(?![\d.])/g, (m) => ` ${cardinalWords(m.replace(/,/g, ''))} `)
			.replace(/\d{1,3}(?:,\d{3})+(?=\.\d)/g, (m) => m.replace(/,/g, ''))
			.replace(/(\d*)\.(\d+)/g, (_m, int: string, frac: string) => {
				const head = int === '' ? '' : `${cardinalWords(int)} `;
				return ` ${head}point ${digitByDigit(frac)} `;
			})
			.replace(/(\d+)(st|nd|rd|th)\b/g, (_m, d: string) => ` ${ordinalWords(cardinalWords(d))} `)
			// Stray periods that survive above (e.g. "3." at a sentence end) are plain punctuation.
			.replace(/\d+/g, (d) => ` ${integerWords(d)} `)
	);
}

function currency(text: string): string {
	const units: Record<string, [string, string]> = {
		$: ['dollar', 'dollars'],
		'£': ['pound', 'pounds'],
		'€': ['euro', 'euros']
	};
	return text.replace(/([$£€])\s?(\d[\d,]*(?:\.\d+)?)/g, (_m, sym: string, amount: string) => {
		const [one, many] = units[sym];
		return ` ${amount} ${amount === '1' ? one : many} `;
	});
}

/** Normalises text for WER as described in this file's header; reference and hypothesis both go through it. */
export function normalizeText(text: string): string {
	// U+E000 (private use) is our apostrophe placeholder below, so it must not come from the input.
	let s = text.replace(/\ue000/g, ' ').normalize('NFKC');
	s = s
		.replace(/[\u2018\u2019\u201a\u201b\u2032\u02bc\u0060\u00b4]/g, "'")
		.replace(/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"')
		.replace(/[\u2010-\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d]/g, '-')
		.replace(/\u2026/g, ' ')
		.replace(/[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+/g, ' ');
	s = s.toLowerCase();
	s = s.replace(/&/g, ' and ').replace(/%/g, ' percent ').replace(/\+/g, ' plus ').replace(/@/g, ' at ');
	s = currency(s);
	s = s.replace(/(^|[^\p{L}\p{N}'])e\.g\.?(?![\p{L}\p{N}])/gu, '$1 for example ');
	s = s.replace(/(^|[^\p{L}\p{N}'])i\.e\.?(?![\p{L}\p{N}])/gu, '$1 that is ');
	s = s.replace(
		/(^|[^\p{L}\p{N}'])(mrs|mr|ms|dr|st|jr|sr|prof|mt|vs|etc|ok)\.?(?![\p{L}\p{N}'])/gu,
		(_m, pre: string, abbr: string) => `${pre} ${ABBREVIATIONS[abbr]} `
	);
	s = numbersToWords(s);
	s = s.replace(/[-/\\]/g, ' ');
	s = s.replace(/(?<=\p{L})'(?=\p{L})/gu, '\ue000');
	s = s.replace(/[^\p{L}\p{M}\p{N}\ue000]+/gu, ' ');
	s = s.replace(/\ue000/g, "'");
	return s.replace(/\s+/g, ' ').trim();
}

/** Normalised words of a text (empty array for blank text). */
export function normalizeWords(text: string): string[] {
	const s = normalizeText(text);
	return s === '' ? [] : s.split(' ');
}
