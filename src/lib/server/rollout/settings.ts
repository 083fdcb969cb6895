/**
 * Rollout settings: parsing them from the environment and validating them, in one place, as pure
 * functions. The same check runs on the start values (env), on values stored in the database and on the
 * admin's PUT body, so an unknown model id is refused the same way everywhere.
 *
 * Environment (start values; a change made at run time is stored and wins at later starts):
 * - MODEL_DEFAULT: default model id (default `moonshine-tiny-en`).
 * - MODEL_CANDIDATE: candidate model id (unset: no candidate).
 * - MODEL_CANDIDATE_PERCENT: whole percent of installations that get the candidate, 0–100 (default 0).
 * - TELEMETRY_SAMPLING: per event type sampling rates, e.g. `correction:0.1,rating:1` (default all 1).
 */
import {
	rolloutSettingsSchema,
	samplingSchema,
	type RolloutSettings,
	type Sampling
} from '../../contracts/rollout';
import { TRANSCRIPT_EVENT_TYPES, type TranscriptEventType } from '../../telemetry/schema';
import type { Catalog } from './catalog';

/** The default model when MODEL_DEFAULT is unset. */
export const DEFAULT_MODEL = 'moonshine-tiny-en';

/** One problem with proposed settings, located by a dotted path. */
export interface SettingsIssue {
	path: string;
	message: string;
}

/** Every transcript event type with its rate; types not named are kept always (1). */
export function fullSampling(s: Sampling): Record<TranscriptEventType, number> {
	return Object.fromEntries(TRANSCRIPT_EVENT_TYPES.map((t) => [t, s[t] ?? 1])) as Record<
		TranscriptEventType,
		number
	>;
}

/**
 * Validates settings against the schema and the installed models; sampling comes back with every type
 * listed. Unknown model ids are issues naming the selectable ones.
 */
export function checkSettings(
	input: unknown,
	catalog: Catalog
): { ok: true; settings: RolloutSettings } | { ok: false; issues: SettingsIssue[] } {
	const parsed = rolloutSettingsSchema.safeParse(input);
	if (!parsed.success)
		return {
			ok: false,
			issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
		};
	const s = parsed.data;
	const known = [...catalog.keys()].join(', ') || 'none';
	const unknown = (id: string) => `unknown model "${id}": no asr manifest in MODELS_DIR (known: ${known})`;
	const issues: SettingsIssue[] = [];
	if (!catalog.has(s.default)) issues.push({ path: 'default', message: unknown(s.default) });
	if (s.candidate && !catalog.has(s.candidate.model))
		issues.push({ path: 'candidate.model', message: unknown(s.candidate.model) });
	if (issues.length) return { ok: false, issues };
	return { ok: true, settings: { ...s, sampling: fullSampling(s.sampling) } };
}

/** Parses TELEMETRY_SAMPLING (`type:rate,type:rate`); throws naming the bad part. */
export function parseSamplingSpec(text: string): Sampling {
	const out: Record<string, number> = {};
	for (const part of text.split(',').map((p) => p.trim())) {
		if (!part) continue;
		const m = part.match(/^([a-z_]+)\s*:\s*(\S+)$/);
		if (!m) throw new Error(`TELEMETRY_SAMPLING: "${part}" is not type:rate (e.g. correction:0.1)`);
		if (m[1] in out) throw new Error(`TELEMETRY_SAMPLING: ${m[1]} is given twice`);
		out[m[1]] = Number(m[2]);
	}
	const r = samplingSchema.safeParse(out);
	if (!r.success) {
		const i = r.error.issues[0];
		const where = i.path.length ? `${String(i.path[0])}: ` : '';
		throw new Error(
			`TELEMETRY_SAMPLING: ${where}${i.message} (types: ${TRANSCRIPT_EVENT_TYPES.join(', ')}; rates 0 < r ≤ 1)`
		);
	}
	return r.data;
}

/** Start settings from the environment; throws a message that names the variable at fault. */
export function settingsFromEnv(env: Record<string, string | undefined>, catalog: Catalog): RolloutSettings {
	const value = (k: string) => (env[k]?.trim() ? env[k]!.trim() : undefined);
	const candidate = value('MODEL_CANDIDATE');
	const percentText = value('MODEL_CANDIDATE_PERCENT');
	let percent = 0;
	if (percentText !== undefined) {
		if (!/^\d{1,3}$/.test(percentText) || Number(percentText) > 100)
			throw new Error(`MODEL_CANDIDATE_PERCENT must be a whole number 0–100, got "${percentText}"`);
		percent = Number(percentText);
		if (candidate === undefined && percent > 0)
			throw new Error('MODEL_CANDIDATE_PERCENT is set but MODEL_CANDIDATE is not');
	}
	const raw = {
		default: value('MODEL_DEFAULT') ?? DEFAULT_MODEL,
		candidate: candidate === undefined ? null : { model: candidate, percent },
		sampling: parseSamplingSpec(value('TELEMETRY_SAMPLING') ?? '')
	};
	const r = checkSettings(raw, catalog);
	if (!r.ok) {
		const names: Record<string, string> = { default: 'MODEL_DEFAULT', 'candidate.model': 'MODEL_CANDIDATE' };
		throw new Error(r.issues.map((i) => `${names[i.path] ?? i.path}: ${i.message}`).join('; '));
	}
	return r.settings;
}
