import { describe, expect, it } from 'vitest';
import type { Catalog, CatalogModel } from './catalog';
import { DEFAULT_MODEL, checkSettings, parseSamplingSpec, settingsFromEnv } from './settings';

const model = (id: string): CatalogModel => ({
	id,
	version: '1.0',
	sha256: 'a'.repeat(64),
	displayName: id,
	highlightThreshold: 0.6,
	highlightThresholdSource: 'default'
});
const catalog: Catalog = new Map([
	[DEFAULT_MODEL, model(DEFAULT_MODEL)],
	['base', model('base')]
]);
const ALL_ONE = { correction: 1, review: 1, rating: 1, outcome: 1, session_summary: 1, transcription: 1 };

describe('settingsFromEnv', () => {
	it.each([
		['nothing set: tiny, no candidate, everything sent', {}, { default: DEFAULT_MODEL, candidate: null }],
		[
			'empty strings count as unset',
			{ MODEL_CANDIDATE: '', MODEL_CANDIDATE_PERCENT: '' },
			{ candidate: null }
		],
		[
			'a candidate without a percent gets 0 %',
			{ MODEL_CANDIDATE: 'base' },
			{ candidate: { model: 'base', percent: 0 } }
		],
		[
			'default, candidate and percent',
			{ MODEL_DEFAULT: 'base', MODEL_CANDIDATE: DEFAULT_MODEL, MODEL_CANDIDATE_PERCENT: '25' },
			{ default: 'base', candidate: { model: DEFAULT_MODEL, percent: 25 } }
		],
		[
			'sampling rates, the rest 1',
			{ TELEMETRY_SAMPLING: 'correction:0.1, rating:1' },
			{ sampling: { ...ALL_ONE, correction: 0.1 } }
		]
	])('%s', (_name, env, expected) => {
		expect(settingsFromEnv(env, catalog)).toMatchObject({ sampling: ALL_ONE, ...expected });
	});

	it.each([
		[
			'an unknown default',
			{ MODEL_DEFAULT: 'nope' },
			/MODEL_DEFAULT: unknown model "nope".*known: moonshine-tiny-en, base/
		],
		['an unknown candidate', { MODEL_CANDIDATE: 'nope' }, /MODEL_CANDIDATE: unknown model "nope"/],
		[
			'candidate equal to the default',
			{ MODEL_CANDIDATE: DEFAULT_MODEL },
			/MODEL_CANDIDATE: the candidate must differ/
		],
		['a percent above 100', { MODEL_CANDIDATE: 'base', MODEL_CANDIDATE_PERCENT: '101' }, /0–100, got "101"/],
		['a fractional percent', { MODEL_CANDIDATE: 'base', MODEL_CANDIDATE_PERCENT: '2.5' }, /whole number/],
		['a percent without a candidate', { MODEL_CANDIDATE_PERCENT: '10' }, /MODEL_CANDIDATE is not/],
		['a bad model id', { MODEL_DEFAULT: 'Tiny Model' }, /MODEL_DEFAULT: a model id/],
		['a bad sampling rate', { TELEMETRY_SAMPLING: 'correction:0' }, /TELEMETRY_SAMPLING: correction:/],
		['an unknown event type', { TELEMETRY_SAMPLING: 'click:0.5' }, /TELEMETRY_SAMPLING/],
		['client reports are never sampled', { TELEMETRY_SAMPLING: 'client_report:0.5' }, /TELEMETRY_SAMPLING/]
	])('refuses %s', (_name, env, message) => {
		expect(() => settingsFromEnv(env, catalog)).toThrow(message);
	});
});

describe('parseSamplingSpec', () => {
	it.each([
		['', {}],
		['correction:0.1', { correction: 0.1 }],
		[' review : 0.5 ,outcome:1, ', { review: 0.5, outcome: 1 }]
	])('%j', (text, expected) => expect(parseSamplingSpec(text)).toEqual(expected));

	it.each([['correction'], ['correction:0.1,correction:0.2'], ['rating:1.5'], ['rating:abc'], ['rating:-1']])(
		'refuses %j',
		(text) => expect(() => parseSamplingSpec(text)).toThrow(/TELEMETRY_SAMPLING/)
	);
});

describe('checkSettings', () => {
	it('fills in every sampling type', () => {
		const r = checkSettings({ default: 'base', candidate: null, sampling: { review: 0.2 } }, catalog);
		expect(r).toEqual({
			ok: true,
			settings: { default: 'base', candidate: null, sampling: { ...ALL_ONE, review: 0.2 } }
		});
	});
	it.each([
		['not an object', 'x', ''],
		['no default', { candidate: null, sampling: {} }, 'default'],
		[
			'percent out of range',
			{ default: 'base', candidate: { model: DEFAULT_MODEL, percent: -1 }, sampling: {} },
			'candidate.percent'
		],
		[
			'unknown candidate',
			{ default: 'base', candidate: { model: 'x', percent: 1 }, sampling: {} },
			'candidate.model'
		],
		['rate 0', { default: 'base', candidate: null, sampling: { rating: 0 } }, 'sampling.rating']
	])('refuses %s, naming %j', (_name, input, path) => {
		const r = checkSettings(input, catalog);
		expect(r.ok).toBe(false);
		if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
	});
});
