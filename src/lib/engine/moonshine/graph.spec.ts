// The rewrite is checked on a miniature of Moonshine's merged decoder (same node pattern, 2 heads of
// 3 dims over 5 encoder frames), run in onnxruntime-web before and after: the attention results must
// be bit-identical and the cache must hold the transposed, scaled key. The real decoder is covered by
// tests/integration/engine, which pins its token ids.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { sessionOptions } from '../ort';
import {
	addCrossAttentionBias,
	CROSS_ATTENTION_BIAS,
	exposeCrossAttention,
	hoistSharedConstants,
	precomputeCrossAttentionKeys
} from './graph.mjs';
import {
	encodeMessage,
	stringField,
	varint,
	type WireField
} from '../../../../scripts/lib/protobuf-wire.mjs';

const H = 2;
const D = 3;
const T = 5;
const SCALE = 1 / Math.sqrt(Math.sqrt(D));
const msg = (field: number, fields: WireField[]): WireField => ({
	field,
	wire: 2,
	bytes: encodeMessage(fields)
});
const int = (field: number, v: number): WireField => ({ field, wire: 0, bytes: varint(v) });

function node(op: string, inputs: string[], outputs: string[], perm?: number[], name?: string): WireField {
	return msg(1, [
		...inputs.map((n) => stringField(1, n)),
		...outputs.map((n) => stringField(2, n)),
		...(name ? [stringField(3, name)] : []),
		stringField(4, op),
		...(perm ? [msg(5, [stringField(1, 'perm'), int(20, 7), ...perm.map((p) => int(8, p))])] : [])
	]);
}

/** ValueInfoProto: name, float or bool tensor, dims given as numbers or symbolic names. */
function valueInfo(field: number, name: string, dims: (number | string)[], elem = 1): WireField {
	const dim = dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : stringField(2, d)]));
	return msg(field, [stringField(1, name), msg(2, [msg(1, [int(1, elem), msg(2, dim)])])]);
}

function branch(name: string, nodes: WireField[]): WireField {
	const graph = encodeMessage([
		...nodes,
		stringField(2, name),
		valueInfo(12, 'out', [1, H, 1, T]),
		valueInfo(12, 'present.0.encoder.key', ['batch', H, 'enc', D])
	]);
	return msg(5, [stringField(1, name), int(20, 5), { field: 6, wire: 2, bytes: graph }]);
}

/** A merged decoder in miniature: q [1,H,1,D] and the projected key k [1,T,H,D] come from outside. */
function miniDecoder(softmax = false): Uint8Array {
	// As in the real graph, the attention weights are a Softmax that feeds nothing outside its branch.
	const weights = softmax ? [node('Softmax', ['out'], [SOFTMAX])] : [];
	const elseNodes = [
		node('Transpose', ['k'], ['present.0.encoder.key'], [0, 2, 1, 3]),
		node('Transpose', ['k'], ['kt'], [0, 2, 3, 1]),
		node('Mul', ['kt', 'scale'], ['ks']),
		node('MatMul', ['q', 'ks'], ['out']),
		...weights
	];
	const thenNodes = [
		node('Transpose', ['past_key_values.0.encoder.key'], ['pt'], [0, 1, 3, 2]),
		node('Sqrt', ['scale'], ['unused']),
		node('Mul', ['pt', 'scale'], ['ps']),
		node('MatMul', ['q', 'ps'], ['out']),
		node('Identity', ['past_key_values.0.encoder.key'], ['present.0.encoder.key']),
		...weights
	];
	const ifNode = msg(1, [
		stringField(1, 'use_cache_branch'),
		stringField(2, 'out'),
		stringField(2, 'present.0.encoder.key'),
		stringField(4, 'If'),
		branch('then_branch', thenNodes),
		branch('else_branch', elseNodes)
	]);
	// The scale is an input, not a constant, as in the real graph (where it is computed from a
	// shape): a constant scale would be fused into the MatMul, which rounds differently.
	const graph = [
		ifNode,
		stringField(2, 'mini'),
		valueInfo(11, 'use_cache_branch', [1], 9),
		valueInfo(11, 'scale', [1]),
		valueInfo(11, 'q', [1, H, 1, D]),
		valueInfo(11, 'k', [1, T, H, D]),
		valueInfo(11, 'past_key_values.0.encoder.key', ['batch', H, 'enc', D]),
		valueInfo(12, 'out', [1, H, 1, T]),
		valueInfo(12, 'present.0.encoder.key', ['batch', H, 'enc', D])
	];
	return encodeMessage([int(1, 8), msg(8, [stringField(1, ''), int(2, 17)]), msg(7, graph)]);
}

const SOFTMAX = '/model/decoder/layers.0/encoder_attn/Softmax_output_0';

const random = (n: number, seed: number) =>
	Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 97 + i * 13.7) * 3);

async function run(model: Uint8Array, cached: boolean, past: ort.Tensor, bias?: Float32Array) {
	const session = await ort.InferenceSession.create(model, sessionOptions('wasm'));
	const out = await session.run({
		...(bias ? { [CROSS_ATTENTION_BIAS]: new ort.Tensor('float32', bias, [1, 1, 1, T]) } : {}),
		use_cache_branch: new ort.Tensor('bool', new Uint8Array([cached ? 1 : 0]), [1]),
		q: new ort.Tensor('float32', random(H * D, 1), [1, H, 1, D]),
		k: new ort.Tensor('float32', random(T * H * D, 2), [1, T, H, D]),
		scale: new ort.Tensor('float32', new Float32Array([SCALE]), [1]),
		'past_key_values.0.encoder.key': past
	});
	await session.release();
	return out;
}

describe('precomputeCrossAttentionKeys', () => {
	it('gives bit-identical attention on both branches and caches the scaled, transposed key', async () => {
		const original = miniDecoder();
		const rewritten = precomputeCrossAttentionKeys(original, 1);

		const first = await run(original, false, new ort.Tensor('float32', new Float32Array(0), [1, H, 0, D]));
		const firstNew = await run(
			rewritten,
			false,
			new ort.Tensor('float32', new Float32Array(0), [1, H, D, 0])
		);
		expect(firstNew.out.data).toEqual(first.out.data);
		const oldKey = first['present.0.encoder.key'];
		const newKey = firstNew['present.0.encoder.key'];
		expect(oldKey.dims).toEqual([1, H, T, D]);
		expect(newKey.dims).toEqual([1, H, D, T]);
		const scale = Math.fround(SCALE);
		for (let h = 0; h < H; h++)
			for (let t = 0; t < T; t++)
				for (let d = 0; d < D; d++) {
					const k = (oldKey.data as Float32Array)[(h * T + t) * D + d];
					expect((newKey.data as Float32Array)[(h * D + d) * T + t]).toBe(Math.fround(k * scale));
				}

		const next = await run(original, true, oldKey);
		const nextNew = await run(rewritten, true, newKey);
		expect(nextNew.out.data).toEqual(next.out.data);
	});

	it('declares the new key layout on the graph inputs and outputs', async () => {
		const session = await ort.InferenceSession.create(precomputeCrossAttentionKeys(miniDecoder(), 1));
		const shape = (list: readonly ort.InferenceSession.ValueMetadata[]) =>
			list.find((m) => m.name.endsWith('encoder.key'))!;
		expect(shape(session.inputMetadata)).toMatchObject({ shape: ['batch', H, D, 'enc'] });
		expect(shape(session.outputMetadata)).toMatchObject({ shape: ['batch', H, D, 'enc'] });
		await session.release();
	});

	it('refuses a graph that does not have the expected number of layers', () => {
		expect(() => precomputeCrossAttentionKeys(miniDecoder(), 6)).toThrow(
			/has 1 cross-attention keys, expected 6/
		);
	});

	it('refuses a model that is not a merged decoder', () => {
		const plain = encodeMessage([int(1, 8), msg(7, [node('Identity', ['a'], ['b'])])]);
		expect(() => precomputeCrossAttentionKeys(plain, 1)).toThrow(/expected a merged decoder/);
	});

	it('does not rewrite twice', () => {
		const once = precomputeCrossAttentionKeys(miniDecoder(), 1);
		expect(() => precomputeCrossAttentionKeys(once, 1)).toThrow(/has 0 cross-attention keys/);
	});
});

/** TensorProto initializer with raw little-endian data. */
function initializer(name: string, dataType: number, dims: number[], raw: ArrayBufferView): WireField {
	return msg(5, [
		...dims.map((d) => int(1, d)),
		int(2, dataType),
		stringField(8, name),
		{ field: 9, wire: 2, bytes: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength) }
	]);
}

/**
 * Both branches project x [1,2] with the same int8 weight, dequantised from its transpose (as the
 * decoder's output projection is); the nodes have different names in each branch, as exported.
 */
function sharedWeightModel(): Uint8Array {
	const branchOf = (name: string, suffix: string, extra: WireField[]) =>
		msg(5, [
			stringField(1, name),
			int(20, 5),
			msg(6, [
				node('Transpose', ['wq'], ['wt'], [1, 0], `Transpose_${suffix}`),
				node('DequantizeLinear', ['wt', 's', 'zp'], ['w'], undefined, `DQ_${suffix}`),
				node('MatMul', ['x', 'w'], ['p']),
				...extra,
				stringField(2, name),
				valueInfo(12, 'y', [1, 3])
			])
		]);
	const ifNode = msg(1, [
		stringField(1, 'c'),
		stringField(2, 'y'),
		stringField(4, 'If'),
		branchOf('then_branch', '17', [node('Neg', ['p'], ['y'])]),
		branchOf('else_branch', '42', [node('Identity', ['p'], ['y'])])
	]);
	return encodeMessage([
		int(1, 8),
		msg(8, [stringField(1, ''), int(2, 17)]),
		msg(7, [
			ifNode,
			stringField(2, 'shared'),
			initializer('wq', 3, [3, 2], Int8Array.from([1, -2, 3, -4, 5, -6])),
			initializer('s', 1, [], Float32Array.from([0.1])),
			initializer('zp', 3, [], Int8Array.from([1])),
			valueInfo(11, 'c', [1], 9),
			valueInfo(11, 'x', [1, 2]),
			valueInfo(12, 'y', [1, 3])
		])
	]);
}

async function project(model: Uint8Array, branch: boolean) {
	const session = await ort.InferenceSession.create(model, sessionOptions('wasm'));
	const out = await session.run({
		c: new ort.Tensor('bool', new Uint8Array([branch ? 1 : 0]), [1]),
		x: new ort.Tensor('float32', Float32Array.from([0.7, -1.3]), [1, 2])
	});
	await session.release();
	return Array.from(out.y.data as Float32Array);
}

describe('hoistSharedConstants', () => {
	it('computes a constant both branches share once, before the If, with the same results', async () => {
		const original = sharedWeightModel();
		const hoisted = hoistSharedConstants(original);
		for (const branch of [true, false])
			expect(await project(hoisted, branch)).toEqual(await project(original, branch));
		expect(hoisted.length).toBeLessThan(original.length);
	});

	it('refuses a merged decoder with nothing to hoist', () => {
		expect(() => hoistSharedConstants(miniDecoder())).toThrow(/no constant shared by both branches/);
	});
});

describe('exposeCrossAttention', () => {
	it('outputs the softmax weights on both branches and leaves the other outputs bit-identical', async () => {
		const original = miniDecoder(true);
		const exposed = exposeCrossAttention(original, [0]);
		const past = () => new ort.Tensor('float32', random(H * T * D, 3), [1, H, T, D]);
		for (const cached of [false, true]) {
			const before = await run(original, cached, past());
			const after = await run(exposed, cached, past());
			expect(after.out.data).toEqual(before.out.data);
			const weights = after['cross_attentions.0'];
			expect(weights.dims).toEqual([1, H, 1, T]);
			for (let h = 0; h < H; h++) {
				const row = Array.from((weights.data as Float32Array).slice(h * T, (h + 1) * T));
				expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
			}
		}
	});

	it('throws for a layer without cross-attention, or no layer', () => {
		expect(() => exposeCrossAttention(miniDecoder(true), [1])).toThrow(/layer 1/);
		expect(() => exposeCrossAttention(miniDecoder(true), [])).toThrow(/no cross-attention layers/);
	});
});

describe('addCrossAttentionBias', () => {
	const exposed = () => exposeCrossAttention(miniDecoder(true), [0]);
	const past = () => new ort.Tensor('float32', random(H * T * D, 3), [1, H, T, D]);

	it('changes nothing with a zero bias, on both branches', async () => {
		const biased = addCrossAttentionBias(exposed(), 1);
		for (const cached of [false, true]) {
			const before = await run(exposed(), cached, past());
			const after = await run(biased, cached, past(), new Float32Array(T));
			expect(after.out.data).toEqual(before.out.data);
			expect(after['cross_attentions.0'].data).toEqual(before['cross_attentions.0'].data);
		}
	});

	it('gives masked frames no weight and the others the softmax over themselves', async () => {
		const biased = addCrossAttentionBias(exposed(), 1);
		const keep = 3;
		const bias = Float32Array.from({ length: T }, (_, i) => (i < keep ? 0 : -1e9));
		for (const cached of [false, true]) {
			const scores = (await run(exposed(), cached, past())).out.data as Float32Array;
			const weights = (await run(biased, cached, past(), bias))['cross_attentions.0'].data as Float32Array;
			for (let h = 0; h < H; h++) {
				const row = scores.slice(h * T, h * T + keep);
				const max = Math.max(...row);
				const exp = Array.from(row, (x) => Math.exp(x - max));
				const total = exp.reduce((a, b) => a + b, 0);
				for (let i = 0; i < T; i++)
					if (i < keep) expect(weights[h * T + i]).toBeCloseTo(exp[i] / total, 6);
					else expect(weights[h * T + i]).toBe(0);
			}
		}
	});

	it('edits a decoder whose constants were hoisted in front of the If, and counts the layers', () => {
		expect(() => addCrossAttentionBias(exposed(), 2)).toThrow(
			/found 1 cross-attention softmaxes, expected 2/
		);
		expect(() => addCrossAttentionBias(hoistSharedConstants(sharedWeightModel()), 1)).toThrow(
			/found 0 cross-attention softmaxes/
		);
	});
});
