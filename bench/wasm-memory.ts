// Import before onnxruntime-web loads: records every WebAssembly.Memory created, so a benchmark can
// print the size of the runtime's heap (the engine's own memory, apart from V8, Node and the JIT).
const memories: WebAssembly.Memory[] = [];
const Native = WebAssembly.Memory;
const Recording = function (descriptor: WebAssembly.MemoryDescriptor) {
	const memory = new Native(descriptor);
	memories.push(memory);
	return memory;
} as unknown as typeof WebAssembly.Memory;
Recording.prototype = Native.prototype;
WebAssembly.Memory = Recording;

/** Bytes of every WebAssembly memory created so far (onnxruntime-web's heap). */
export const wasmHeapBytes = () => memories.reduce((n, m) => n + m.buffer.byteLength, 0);
