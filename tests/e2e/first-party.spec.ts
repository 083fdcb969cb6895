import { expect, isFirstParty, test } from './fixtures';

test.describe('isFirstParty', () => {
	const cases: [string, boolean][] = [
		['http://localhost:4173/', true],
		['http://localhost:4173/models/moonshine-tiny-en/encoder_model.onnx', true],
		['http://127.0.0.1:4173/api/v1/events', true],
		['http://[::1]:4173/', true],
		['ws://localhost:24678/', true],
		['http://app.localhost/', true],
		['data:application/octet-stream;base64,AAAA', true],
		['blob:http://localhost:4173/2f1c0f8e-1b7d-4a1e-9a0f-000000000000', true],
		['about:blank', true],
		['https://cdn.jsdelivr.net/npm/onnxruntime-web/dist/ort-wasm.wasm', false],
		['https://huggingface.co/UsefulSensors/moonshine/resolve/main/tiny/encoder_model.onnx', false],
		['http://localhost.evil.example/', false],
		['http://127.0.0.2/', false],
		['https://fonts.googleapis.com/css2?family=Inter', false],
		['chrome-extension://abc/script.js', false],
		['not a url', false],
		['', false]
	];
	for (const [url, expected] of cases) {
		test(`${JSON.stringify(url)} is ${expected ? 'first' : 'third'} party`, () => {
			expect(isFirstParty(url)).toBe(expected);
		});
	}
});
