import { describe, expect, it } from 'vitest';
import { productionThresholdOptionsFromEnv } from './production-threshold';

describe('productionThresholdOptionsFromEnv', () => {
	it.each<[string, Record<string, string>, unknown]>([
		[
			'defaults: 2,000 words, 20 installations, best F1, 5 minutes',
			{},
			{ minWords: 2000, minInstallations: 20, rule: { rule: 'best-f1' }, refreshMs: 300_000 }
		],
		[
			'every knob set',
			{
				HIGHLIGHT_MIN_WORDS: '500',
				HIGHLIGHT_MIN_INSTALLATIONS: '5',
				HIGHLIGHT_TARGET_RECALL: '0.8',
				HIGHLIGHT_REFRESH_SECONDS: '0'
			},
			{ minWords: 500, minInstallations: 5, rule: { rule: 'target-recall', recall: 0.8 }, refreshMs: 0 }
		]
	])('%s', (_name, env, want) => {
		expect(productionThresholdOptionsFromEnv(env)).toEqual(want);
	});

	it.each([
		{ HIGHLIGHT_MIN_WORDS: '0' },
		{ HIGHLIGHT_MIN_INSTALLATIONS: '2.5' },
		{ HIGHLIGHT_TARGET_RECALL: '0' },
		{ HIGHLIGHT_TARGET_RECALL: '1.5' },
		{ HIGHLIGHT_REFRESH_SECONDS: '-1' }
	])('refuses %o', (env) => {
		expect(() => productionThresholdOptionsFromEnv(env)).toThrow(/HIGHLIGHT_/);
	});
});
