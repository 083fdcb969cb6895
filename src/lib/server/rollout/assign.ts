/**
 * Sticky, deterministic assignment of installations to the rollout's arms.
 *
 * bucket = first 32 bits of sha256(experimentId + "\n" + installationId) mod 100; bucket < percent gets
 * the candidate. sha256 rather than a fast 32-bit hash (FNV-1a, murmur): it runs once per config request
 * on the server (about a microsecond), its output bits are uniform and independent of input structure
 * (FNV-1a's low bits mix poorly for inputs that differ only at the end, and mod 100 uses the low bits),
 * and node:crypto has it without a dependency. The modulo bias of 2^32 mod 100 is below 1e-8.
 *
 * The experiment id names both model versions, so a new candidate (or new weights under an id) draws
 * fresh buckets, while raising the percent for the same pair only moves installations from default to
 * candidate (bucket < p implies bucket < p' for p' > p).
 */
import { createHash } from 'node:crypto';
import type { RolloutSettings } from '../../contracts/rollout';
import type { Catalog } from './catalog';

/** Number of buckets: shares are whole percents. */
export const BUCKETS = 100;

/** The assignment salt for (default, candidate) with their versions; null without a candidate. */
export function experimentId(settings: RolloutSettings, catalog: Catalog): string | null {
	if (!settings.candidate) return null;
	const v = (id: string) => `${id}@${catalog.get(id)?.version ?? '?'}`;
	return `${v(settings.default)}~${v(settings.candidate.model)}`;
}

/** The installation's bucket (0–99) in an experiment; installation ids compare case-insensitively. */
export function bucketOf(installationId: string, experiment: string): number {
	const digest = createHash('sha256').update(`${experiment}\n${installationId.toLowerCase()}`).digest();
	return digest.readUInt32BE(0) % BUCKETS;
}

/** Which arm an installation is in. */
export function assignArm(
	installationId: string,
	settings: RolloutSettings,
	catalog: Catalog
): 'default' | 'candidate' {
	const experiment = experimentId(settings, catalog);
	if (!experiment || !settings.candidate || settings.candidate.percent === 0) return 'default';
	return bucketOf(installationId, experiment) < settings.candidate.percent ? 'candidate' : 'default';
}
