import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
	js.configs.recommended,
	...ts.configs.recommended,
	...svelte.configs.recommended,
	{
		languageOptions: { globals: { ...globals.browser, ...globals.node } },
		rules: {
			'no-undef': 'off',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
		}
	},
	{
		files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
		languageOptions: {
			parserOptions: {
				projectService: true,
				extraFileExtensions: ['.svelte'],
				parser: ts.parser,
				svelteConfig
			}
		}
	},
	// The engine's rooms (src/lib/engine): a platform-neutral core that runs in a worker and in Node,
	// with browser/ and node/ entry folders beside it. Nothing in the engine reaches into the app
	// (SvelteKit, Svelte, UI, telemetry, storage, server); the core reaches into neither entry folder,
	// and the two entry folders not into each other. Each config object below replaces the
	// no-restricted-imports of the one before for the files it matches, so each repeats the app list.
	...engineBoundaries(),
	{
		// The statistics room is pure: plain arrays in, numbers out; no database, DOM, or other room.
		files: ['src/lib/quality/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							group: ['$lib/*', '!$lib/shared', '!$lib/shared/*', '../*', '$app/*', 'node:*', 'kysely'],
							message: 'src/lib/quality/ is pure statistics: import only from ./ or $lib/shared.'
						}
					]
				}
			]
		}
	},
	{
		ignores: [
			'build/',
			'.svelte-kit/',
			'.tools/',
			'node_modules/',
			'test-results/',
			'playwright-report/',
			'bench/out/',
			'data/'
		]
	}
);

/** No-restricted-imports rules that keep the engine's rooms apart (see the comment at the use). */
function engineBoundaries() {
	const app = [
		{
			group: ['$app/*', '$app'],
			message: 'The engine runs outside SvelteKit (worker, Node): no $app imports.'
		},
		{ group: ['svelte', 'svelte/*'], message: 'The engine has no UI: no Svelte imports.' },
		{
			group: [
				'$lib/ui',
				'$lib/ui/*',
				'$lib/telemetry',
				'$lib/telemetry/*',
				'$lib/storage',
				'$lib/storage/*',
				'$lib/server',
				'$lib/server/*',
				'**/lib/ui',
				'**/lib/ui/*',
				'**/lib/telemetry',
				'**/lib/telemetry/*',
				'**/lib/storage',
				'**/lib/storage/*',
				'**/lib/server',
				'**/lib/server/*',
				'../ui',
				'../ui/*',
				'../telemetry',
				'../telemetry/*',
				'../storage',
				'../storage/*',
				'../server',
				'../server/*',
				'../../ui',
				'../../ui/*',
				'../../telemetry',
				'../../telemetry/*',
				'../../storage',
				'../../storage/*',
				'../../server',
				'../../server/*'
			],
			message: 'The engine must not depend on the app (UI, telemetry, storage, server); they depend on it.'
		},
		{
			group: ['$lib/transcript/*', '**/transcript/*', '!$lib/transcript/types', '!**/transcript/types'],
			message: 'The engine may use the transcript types only (transcript/types).'
		}
	];
	const entry = (name) => ({
		group: [`$lib/engine/${name}`, `$lib/engine/${name}/*`, `**/engine/${name}`, `**/engine/${name}/*`],
		message: `engine/${name}/ is an entry folder; code outside it must not import it.`
	});
	const sibling = (name) => ({
		group: [`../${name}`, `../${name}/*`, `./${name}`, `./${name}/*`],
		message: `engine/${name}/ is an entry folder; code outside it must not import it.`
	});
	const rule = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
	return [
		{ files: ['src/lib/engine/**'], rules: rule(app) },
		{
			files: ['src/lib/engine/*.{ts,js,mjs}', 'src/lib/engine/moonshine/**'],
			rules: rule([...app, entry('browser'), entry('node'), sibling('browser'), sibling('node')])
		},
		{ files: ['src/lib/engine/browser/**'], rules: rule([...app, entry('node'), sibling('node')]) },
		{ files: ['src/lib/engine/node/**'], rules: rule([...app, entry('browser'), sibling('browser')]) }
	];
}
