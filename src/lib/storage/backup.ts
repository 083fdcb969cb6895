/**
 * Backup of the whole library to one file, and its import. IndexedDB is the user's only copy of hours
 * of corrections, and a browser may clear it (storage pressure, "clear site data"), so the library can
 * be carried out and back in.
 *
 * Format (BACKUP_FORMAT, version BACKUP_VERSION): a ZIP archive holding
 * - `manifest.json`: `{ format: 'redline-backup', version: 1, exportedAt, transcripts, settings }`,
 *   `transcripts` being the stored rows (document with every edit and the model's original words,
 *   status, rating, file name and audio type) and `settings` the settings store's `{ key, value }` rows;
 * - `audio/<transcript id>`: the recording, byte for byte, when the user chose to include audio.
 *
 * Import validates the whole file first (backupManifestSchema) and then writes in one transaction, so
 * a bad file changes nothing. Merge rule: a transcript whose id is not in the library is added; one
 * that is keeps whichever copy was edited last (`updatedAt`; on a tie the library's copy stays). A
 * replaced transcript keeps its local recording when the file has none. Settings from the file fill
 * only keys the library has not set, so a restore never overrides choices made since.
 */
import { strFromU8, strToU8, unzipSync, zipSync, type Unzipped } from 'fflate';
import { z } from 'zod';
import { ISSUE_TAGS } from '../transcript/rating';
import { WORD_TIMINGS } from '../transcript/types';
import {
	readAllTranscripts,
	Stores,
	writeTranscript,
	type RedlineDb,
	type SettingRecord,
	type TranscriptRecord
} from './db';

/** The `format` field of a backup manifest. */
export const BACKUP_FORMAT = 'redline-backup';
/** The backup format's version; a file of a newer version is refused rather than half read. */
export const BACKUP_VERSION = 1;
/** The manifest's path inside the archive. */
export const MANIFEST_PATH = 'manifest.json';

const iso = z.string().min(1);
const wordSchema = z.looseObject({
	id: z.string(),
	text: z.string(),
	start: z.number(),
	end: z.number(),
	confidence: z.number(),
	originalIndex: z.number().int().nullable(),
	edited: z.boolean(),
	confirmed: z.boolean()
});
const originalSchema = z.looseObject({
	start: z.number(),
	end: z.number(),
	text: z.string(),
	words: z.array(
		z.looseObject({ text: z.string(), start: z.number(), end: z.number(), confidence: z.number() })
	)
});
const docSchema = z.looseObject({
	id: z.string(),
	title: z.string(),
	createdAt: iso,
	updatedAt: iso,
	durationSec: z.number().nonnegative(),
	model: z.looseObject({ id: z.string(), version: z.string(), sha256: z.string() }),
	backend: z.enum(['webgpu', 'wasm']),
	wordTiming: z.enum(WORD_TIMINGS).optional(),
	segments: z.array(
		z.looseObject({
			id: z.string(),
			start: z.number(),
			end: z.number(),
			speaker: z.string(),
			words: z.array(wordSchema),
			original: originalSchema
		})
	),
	notes: z.string(),
	timeOffsetSec: z.number().optional()
});
/** Transcript ids are used as archive paths: keep them to characters that cannot escape `audio/`. */
const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'an id of letters, digits, - and _');
const recordSchema = z
	.object({
		id: idSchema,
		doc: docSchema,
		status: z.enum(['transcribed', 'edited', 'rated']),
		rating: z
			.object({
				stars: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
				tags: z.array(z.enum(ISSUE_TAGS)),
				comment: z.string(),
				ratedAt: z.string()
			})
			.nullable(),
		updatedAt: iso,
		audioType: z.string(),
		fileName: z.string()
	})
	.refine((r) => r.doc.id === r.id, { message: 'the document id differs from the transcript id' });

/** The manifest of a backup file (one schema for export and import). */
export const backupManifestSchema = z.object({
	format: z.literal(BACKUP_FORMAT),
	version: z.literal(BACKUP_VERSION),
	exportedAt: iso,
	transcripts: z.array(recordSchema),
	settings: z.array(z.object({ key: z.string().min(1), value: z.unknown() }))
});
/** A parsed backup manifest. */
export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** A file that is not a backup this version can read; the message is meant for the user. */
export class BackupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'BackupError';
	}
}

/** What `importBackup` did, for the status line. */
export interface ImportSummary {
	added: number;
	replaced: number;
	/** Transcripts kept because the library's copy is as new or newer. */
	kept: number;
	audio: number;
	settings: number;
}

/** What `exportBackup` wrote, for the status line. */
export interface ExportedBackup {
	blob: Blob;
	transcripts: number;
	audio: number;
}

/** The file name offered for a backup made at `now` (ISO time). */
export function backupFileName(now: string): string {
	return `redline-backup-${now.slice(0, 10)}.zip`;
}

/** Builds the archive from a manifest and recordings (pure; `exportBackup` reads the database). */
export function buildArchive(manifest: BackupManifest, audio: ReadonlyMap<string, Uint8Array>): Uint8Array {
	const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = {
		[MANIFEST_PATH]: strToU8(JSON.stringify(manifest))
	};
	// Recordings are already compressed (mp3, ogg) or incompressible enough: store them as they are.
	for (const [id, bytes] of audio) files[`audio/${id}`] = [bytes, { level: 0 }];
	return zipSync(files, { level: 6 });
}

/** Reads and validates an archive (pure); throws BackupError naming what is wrong. */
export function parseArchive(bytes: Uint8Array): {
	manifest: BackupManifest;
	audio: Map<string, Uint8Array>;
} {
	let files: Unzipped;
	try {
		files = unzipSync(bytes);
	} catch {
		throw new BackupError('This file is not a Redline backup: it is not a ZIP archive.');
	}
	const raw = files[MANIFEST_PATH];
	if (!raw) throw new BackupError(`This file is not a Redline backup: it has no ${MANIFEST_PATH}.`);
	let json: unknown;
	try {
		json = JSON.parse(strFromU8(raw));
	} catch {
		throw new BackupError(`This backup is damaged: ${MANIFEST_PATH} is not valid JSON.`);
	}
	const head = z.object({ format: z.string(), version: z.number() }).safeParse(json);
	if (!head.success || head.data.format !== BACKUP_FORMAT)
		throw new BackupError('This file is not a Redline backup.');
	if (head.data.version !== BACKUP_VERSION)
		throw new BackupError(
			head.data.version > BACKUP_VERSION
				? `This backup has format version ${head.data.version}, made by a newer Redline; this one reads version ${BACKUP_VERSION}. Update Redline and import it again.`
				: `This backup has format version ${head.data.version}, which this Redline cannot read.`
		);
	const parsed = backupManifestSchema.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new BackupError(`This backup is damaged: ${issue.path.join('.') || 'manifest'}: ${issue.message}.`);
	}
	const ids = new Set<string>();
	for (const r of parsed.data.transcripts) {
		if (ids.has(r.id)) throw new BackupError(`This backup is damaged: transcript ${r.id} appears twice.`);
		ids.add(r.id);
	}
	const audio = new Map<string, Uint8Array>();
	for (const [path, data] of Object.entries(files)) {
		if (!path.startsWith('audio/')) continue;
		const id = path.slice('audio/'.length);
		if (!ids.has(id)) throw new BackupError(`This backup is damaged: ${path} belongs to no transcript.`);
		audio.set(id, data);
	}
	return { manifest: parsed.data, audio };
}

/** Writes the whole library (and, with `includeAudio`, every recording) into one backup file. */
export async function exportBackup(
	db: RedlineDb,
	opts: { includeAudio: boolean; now: string }
): Promise<ExportedBackup> {
	const { transcripts, settings, blobs } = await db.tx(
		[Stores.transcripts, Stores.docSegments, Stores.segments, Stores.settings, Stores.audio],
		'readonly',
		async (tx) => ({
			// A growing or incomplete transcript goes out whole: its segment rows joined in. The rev
			// counts writes to this browser's copy, which means nothing to the one importing it.
			transcripts: (await readAllTranscripts(tx)).map(({ rev: _rev, ...record }) => record),
			settings: await tx.objectStore(Stores.settings).getAll(),
			blobs: opts.includeAudio ? await tx.objectStore(Stores.audio).getAll() : []
		})
	);
	const audio = new Map<string, Uint8Array>();
	for (const row of blobs) audio.set(row.id, new Uint8Array(await row.blob.arrayBuffer()));
	// Checked on the way out too: a file its own import would refuse is no backup.
	const checked = backupManifestSchema.safeParse({
		format: BACKUP_FORMAT,
		version: BACKUP_VERSION,
		exportedAt: opts.now,
		transcripts,
		settings
	});
	if (!checked.success) {
		const issue = checked.error.issues[0];
		throw new BackupError(
			`A stored transcript cannot be backed up: ${issue.path.join('.')}: ${issue.message}.`
		);
	}
	const manifest = checked.data;
	const bytes = buildArchive(manifest, audio);
	return {
		blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
		transcripts: transcripts.length,
		audio: audio.size
	};
}

/** Merges a backup file into the library (see the merge rule above); a bad file changes nothing. */
export async function importBackup(db: RedlineDb, file: Blob): Promise<ImportSummary> {
	const { manifest, audio } = parseArchive(new Uint8Array(await file.arrayBuffer()));
	// Blobs are built before the transaction: awaiting anything but IndexedDB inside it would end it.
	const blobs = new Map<string, Blob>();
	for (const r of manifest.transcripts) {
		const bytes = audio.get(r.id);
		if (bytes) blobs.set(r.id, new Blob([bytes as Uint8Array<ArrayBuffer>], { type: r.audioType }));
	}
	const stores = [
		Stores.transcripts,
		Stores.docSegments,
		Stores.summaries,
		Stores.segments,
		Stores.audio,
		Stores.settings
	] as const;
	return db.tx([...stores], 'readwrite', async (tx) => {
		const summary: ImportSummary = { added: 0, replaced: 0, kept: 0, audio: 0, settings: 0 };
		const transcripts = tx.objectStore(Stores.transcripts);
		const audioStore = tx.objectStore(Stores.audio);
		for (const record of manifest.transcripts as TranscriptRecord[]) {
			const local = await transcripts.get(record.id);
			if (local && local.updatedAt >= record.updatedAt) {
				summary.kept++;
				continue;
			}
			// With its summary, and without the local copy's segment rows (the file's document is whole).
			await writeTranscript(tx, record);
			if (local) summary.replaced++;
			else summary.added++;
			const blob = blobs.get(record.id);
			if (blob) {
				await audioStore.put({ id: record.id, blob });
				summary.audio++;
			}
		}
		const settings = tx.objectStore(Stores.settings);
		for (const row of manifest.settings as SettingRecord[]) {
			if ((await settings.getKey(row.key)) !== undefined) continue;
			await settings.put(row);
			summary.settings++;
		}
		return summary;
	});
}
