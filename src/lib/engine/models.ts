// The models the engine runs, named once: the Node loader, the browser worker's assets, the app's
// queue, the diagnostics page, the CLI, the benchmarks and the tests read them from here.

/** The speech model used when none is named. */
export const DEFAULT_MODEL_ID = 'moonshine-tiny-en';
/** The VAD every speech model is paired with. */
export const VAD_MODEL_ID = 'silero-vad-v5';
/**
 * The sample rate of all audio the engine takes. Callers decode to it before they know which model
 * will run (the page decodes a file while the worker loads), so it is one constant rather than a
 * per-model value; parseManifest rejects a model at any other rate instead of letting it hear audio
 * at the wrong speed.
 */
export const ENGINE_SAMPLE_RATE = 16_000;
