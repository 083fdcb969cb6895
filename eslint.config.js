import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

// Room boundaries (see the README's architecture): each room may import only the rooms below it, so a
// wrong import fails `npm run lint` instead of waiting for a review. Matched on the import string,
// both as `$lib/<room>/...` and as a relative `../<room>/...` (any depth). Each room is its own
// config object (no-restricted-imports options do not merge across objects: the last match wins), so
// blocks for other folders (src/lib/engine/**) can be added beside these without conflicts.

/** Every room of src/lib. */
const ROOMS = [
	'shared',
	'contracts',
	'engine',
	'transcript',
	'quality',
	'telemetry',
	'storage',
	'server',
	'ui',
	'testing'
];

/** An import of one of `rooms` (optionally only the paths inside it that `rest` matches). */
function roomImport(rooms, rest = '(/|$)') {
	return `^(\\$lib/|(\\.\\./)+)(${rooms.join('|')})${rest}`;
}

/**
 * The two config objects of a room: `folder` may import only the `allowed` rooms (`more` adds finer
 * patterns); the test factories (testing/) only from its specs and fixtures (`*.fixture.ts`).
 */
function room(folder, allowed, { more = [] } = {}) {
	const denied = ROOMS.filter((r) => r !== folder && !allowed.includes(r));
	const message = allowed.length
		? `${folder}/ may import only ${allowed.join(', ')} of the other rooms (see eslint.config.js).`
		: `${folder}/ may import none of the other rooms (see eslint.config.js).`;
	const patterns = (deny) => [
		...(deny.length ? [{ regex: roomImport(deny), message }] : []),
		...more.map((m) => ({ message, ...m }))
	];
	const specs = [`src/lib/${folder}/**/*.spec.ts`, `src/lib/${folder}/**/*.fixture.ts`];
	return [
		{
			files: [`src/lib/${folder}/**`],
			ignores: specs,
			rules: { 'no-restricted-imports': ['error', { patterns: patterns(denied) }] }
		},
		{
			files: specs,
			rules: {
				'no-restricted-imports': ['error', { patterns: patterns(denied.filter((r) => r !== 'testing')) }]
			}
		}
	];
}

/** Browser-only SvelteKit modules, which server code must not import. */
const BROWSER_APP_MODULES = ['$app/navigation', '$app/forms', '$app/state', '$app/stores'];

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
	...room('shared', []),
	...room('transcript', ['shared']),
	...room('quality', ['shared'], {
		more: [
			{
				group: ['$app/*', 'node:*', 'kysely'],
				message: 'quality/ is pure statistics: no database, SvelteKit or Node modules.'
			}
		]
	}),
	...room('storage', ['transcript', 'shared']),
	...room('telemetry', ['transcript', 'storage', 'shared', 'contracts']),
	// The contracts may use the event schema and the transcript's plain types, nothing else there.
	...room('contracts', ['shared', 'telemetry', 'transcript'], {
		more: [
			{
				regex: roomImport(['telemetry'], '/(?!schema$)'),
				message: 'contracts/ may import only telemetry/schema.'
			},
			{
				regex: roomImport(['transcript'], '/(?!(types|rating)$)'),
				message: 'contracts/ may import only the transcript types (transcript/types, transcript/rating).'
			}
		]
	}),
	// Server code: no browser rooms, no Svelte, no browser-only SvelteKit modules; of telemetry only
	// the event schema the endpoint validates with.
	...room('server', ['contracts', 'engine', 'transcript', 'quality', 'telemetry', 'shared'], {
		more: [
			{
				regex: roomImport(['telemetry'], '/(?!schema$)'),
				message: 'server/ may import only telemetry/schema.'
			},
			{ regex: '^svelte(/|$)', message: 'server/ is plain TypeScript: no Svelte.' },
			{ group: BROWSER_APP_MODULES, message: 'server/ must not import browser-only SvelteKit modules.' },
			{ group: ['$app/environment'], importNames: ['browser'], message: 'server/ always runs on the server.' }
		]
	}),
	...room('ui', ['shared', 'contracts', 'engine', 'transcript', 'quality', 'telemetry', 'storage']),
	...room('testing', ['shared', 'contracts', 'transcript', 'telemetry', 'storage']),
	// Routes: only server-side files may reach $lib/server (SvelteKit would refuse it in the browser
	// bundle anyway; this says so at lint time, also for universal +page.ts/+layout.ts).
	{
		files: ['src/routes/**', 'src/hooks.client.ts', 'src/hooks.ts'],
		ignores: ['src/routes/**/+server.ts', 'src/routes/**/+page.server.ts', 'src/routes/**/+layout.server.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{
					patterns: [
						{
							regex: '^\\$lib/server(/|$)|(\\.\\./)+lib/server(/|$)',
							message:
								'Only +server.ts, +page.server.ts, +layout.server.ts and hooks.server.ts may import $lib/server.'
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
