// Install-time rewrite of Moonshine's merged decoder graph (optimum export). The cross-attention key
// of every layer is constant within a segment, yet the cached branch transposed it to [.., 36, T] and
// scaled it on every decoding step: a pass over the whole encoder-length cache in all six layers,
// per token. The rewrite moves that work into the first step: the uncached branch now returns the
// key already transposed and scaled (computed by the same Transpose and Mul nodes, so the numbers
// are bit-identical), and the cached branch multiplies by it directly. Bit-identical holds because
// the scale is computed from a shape at run time, so onnxruntime keeps that Mul as its own node in
// both graphs; a constant scale would be fused into the MatMul and round differently.
// The cache input and output `*.encoder.key` change layout from [batch, heads, T, headDim] to
// [batch, heads, headDim, T]; the engine reads the layout from the graph's declared input shapes.
import {
	all,
	encodeMessage,
	parseMessage,
	readVarint,
	stringField,
	text
} from '../../../../scripts/lib/protobuf-wire.mjs';

// ONNX field numbers (onnx.proto).
const MODEL_GRAPH = 7;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 };
const TENSOR_NAME = 8;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, docString: 6 };
const ATTR = { name: 1, ints: 8, g: 6 };
const VALUE_INFO = { name: 1, type: 2 };
const TYPE_TENSOR = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;

/** @typedef {import('../../../../scripts/lib/protobuf-wire.mjs').WireField} WireField */
/**
 * A node, decoded enough to rewire it; `fields` keeps everything else as it was.
 * @typedef {{ fields: WireField[], op: string, inputs: string[], outputs: string[], perm?: number[] }} GraphNode
 */

/**
 * The values of a repeated integer field entry, packed (wire type 2) or not.
 * @param {WireField} f
 */
function varints(f) {
	if (f.wire === 0) return [readVarint(f.bytes, 0).value];
	const values = [];
	for (let at = 0; at < f.bytes.length;) {
		const v = readVarint(f.bytes, at);
		values.push(v.value);
		at = v.next;
	}
	return values;
}

/**
 * @param {Uint8Array} bytes
 * @returns {GraphNode}
 */
function readNode(bytes) {
	const fields = parseMessage(bytes);
	/** @param {string} name */
	const ints = (name) => {
		for (const a of all(fields, NODE.attribute)) {
			const af = parseMessage(a.bytes);
			if (all(af, ATTR.name).map(text)[0] === name) return all(af, ATTR.ints).flatMap(varints);
		}
		return undefined;
	};
	return {
		fields,
		op: all(fields, NODE.opType).map(text)[0],
		inputs: all(fields, NODE.input).map(text),
		outputs: all(fields, NODE.output).map(text),
		perm: ints('perm')
	};
}

/**
 * A node with its input and output names replaced (all other fields kept as they were).
 * @param {GraphNode} node
 */
function writeNode(node) {
	const rest = node.fields.filter((f) => f.field !== NODE.input && f.field !== NODE.output);
	return encodeMessage([
		...node.inputs.map((n) => stringField(NODE.input, n)),
		...node.outputs.map((n) => stringField(NODE.output, n)),
		...rest
	]);
}

/**
 * Swaps the last two dimensions of a ValueInfoProto's tensor shape, if it declares one.
 * @param {Uint8Array} valueInfoBytes
 */
function swapLastDims(valueInfoBytes) {
	const vi = parseMessage(valueInfoBytes);
	return encodeMessage(
		vi.map((f) => {
			if (f.field !== VALUE_INFO.type) return f;
			const type = parseMessage(f.bytes).map((t) => {
				if (t.field !== TYPE_TENSOR) return t;
				const tensor = parseMessage(t.bytes).map((s) => {
					if (s.field !== TENSOR_SHAPE) return s;
					const dims = parseMessage(s.bytes);
					const idx = dims.map((d, i) => (d.field === SHAPE_DIM ? i : -1)).filter((i) => i >= 0);
					if (idx.length !== 4) throw new Error(`expected a 4-d cache tensor, found ${idx.length} dims`);
					const swapped = [...dims];
					[swapped[idx[2]], swapped[idx[3]]] = [dims[idx[3]], dims[idx[2]]];
					return { ...s, bytes: encodeMessage(swapped) };
				});
				return { ...t, bytes: encodeMessage(tensor) };
			});
			return { ...f, bytes: encodeMessage(type) };
		})
	);
}

/** @param {Uint8Array} bytes */
const valueInfoName = (bytes) => all(parseMessage(bytes), VALUE_INFO.name).map(text)[0];
/** @param {string} name */
const isCrossKey = (name) => /^(past_key_values|present)\.\d+\.encoder\.key$/.test(name);

/**
 * Rewrites a graph's declared cache-key shapes (inputs, outputs, value_info).
 * @param {WireField[]} graphFields
 */
function swapCrossKeyShapes(graphFields) {
	return graphFields.map((f) =>
		(f.field === GRAPH.input || f.field === GRAPH.output || f.field === GRAPH.valueInfo) &&
		isCrossKey(valueInfoName(f.bytes))
			? { ...f, bytes: swapLastDims(f.bytes) }
			: f
	);
}

/**
 * Removes nodes none of whose outputs are used, repeatedly; graph outputs count as used.
 * @param {GraphNode[]} nodes
 * @param {string[]} graphOutputs
 */
function pruneDeadNodes(nodes, graphOutputs) {
	let live = nodes;
	for (;;) {
		const used = new Set(graphOutputs);
		for (const n of live) for (const i of n.inputs) used.add(i);
		const next = live.filter((n) => n.outputs.some((o) => used.has(o)));
		if (next.length === live.length) return live;
		live = next;
	}
}

/**
 * The key path of one cross-attention: MatMul(q, Mul(Transpose(x, perm), scale)). Returns the
 * MatMul, the Mul and the Transpose of every match.
 * @param {GraphNode[]} nodes
 * @param {string} perm
 */
function keyPaths(nodes, perm) {
	/** @type {Map<string, GraphNode>} */
	const producer = new Map();
	for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
	/** @type {{ matmul: GraphNode, mul: GraphNode, transpose: GraphNode }[]} */
	const paths = [];
	for (const matmul of nodes) {
		if (matmul.op !== 'MatMul') continue;
		const mul = producer.get(matmul.inputs[1]);
		if (mul?.op !== 'Mul') continue;
		const transpose = producer.get(mul.inputs[0]);
		if (transpose?.op !== 'Transpose' || transpose.perm?.join() !== perm) continue;
		paths.push({ matmul, mul, transpose });
	}
	return paths;
}

/**
 * @param {WireField[]} fields the branch graph's fields
 * @param {BranchName} branch
 * @param {number} layers
 * @returns {WireField[]}
 */
function rewriteBranch(fields, branch, layers) {
	let nodes = all(fields, GRAPH.node).map((f) => readNode(f.bytes));
	const outputs = all(fields, GRAPH.output).map((f) => valueInfoName(f.bytes));
	let rewritten = 0;
	if (branch === 'else_branch') {
		// Uncached: K = Reshape(k_proj(enc)); the cache output is Transpose(K, 0 2 1 3) and attention
		// uses Mul(Transpose(K, 0 2 3 1), scale). Make the latter the cache output.
		for (const { matmul, mul, transpose } of keyPaths(nodes, '0,2,3,1')) {
			const present = nodes.find(
				(n) => n.op === 'Transpose' && n.inputs[0] === transpose.inputs[0] && isCrossKey(n.outputs[0] ?? '')
			);
			if (!present) continue;
			const name = present.outputs[0];
			nodes = nodes.filter((n) => n !== present);
			matmul.inputs[1] = name;
			mul.outputs[0] = name;
			rewritten++;
		}
	} else {
		// Cached: attention uses Mul(Transpose(past key, 0 1 3 2), scale); the cache now holds that product.
		for (const { matmul, transpose } of keyPaths(nodes, '0,1,3,2')) {
			if (!isCrossKey(transpose.inputs[0])) continue;
			matmul.inputs[1] = transpose.inputs[0];
			rewritten++;
		}
		nodes = pruneDeadNodes(nodes, outputs);
	}
	if (rewritten !== layers)
		throw new Error(`decoder rewrite: ${branch} has ${rewritten} cross-attention keys, expected ${layers}`);
	const rest = swapCrossKeyShapes(fields.filter((f) => f.field !== GRAPH.node));
	return [...nodes.map((n) => ({ field: GRAPH.node, wire: 2, bytes: writeNode(n) })), ...rest];
}

/** @typedef {'then_branch' | 'else_branch'} BranchName */
/**
 * A merged decoder opened for editing: the top graph's fields, and both branches of its one If node,
 * each parsed once (the same field objects a rewrite inspects are the ones it hands back).
 * @typedef {{ graph: WireField[], branches: Record<BranchName, WireField[]> }} MergedDecoder
 */

/**
 * Applies `edit` to the graph of a merged decoder (optimum's export: one If node at the top, choosing
 * between the uncached `else_branch` and the cached `then_branch`) and re-encodes the model. `edit`
 * returns the new top-level nodes to put in front of the If, the new top graph's other fields, and
 * the new branch graphs. Throws for any other model.
 * @param {Uint8Array} modelBytes
 * @param {(d: MergedDecoder) => { before?: WireField[], graph: WireField[], branches: Record<BranchName, WireField[]> }} edit
 */
function editMergedDecoder(modelBytes, edit) {
	return encodeMessage(
		parseMessage(modelBytes).map((m) => {
			if (m.field !== MODEL_GRAPH) return m;
			const graph = parseMessage(m.bytes);
			const nodes = all(graph, GRAPH.node);
			// Nodes in front of the If are constants an earlier rewrite hoisted (hoistSharedConstants).
			const ifAt = nodes.length - 1;
			if (
				ifAt < 0 ||
				readNode(nodes[ifAt].bytes).op !== 'If' ||
				nodes.slice(0, ifAt).some((n) => readNode(n.bytes).op === 'If')
			)
				throw new Error('decoder rewrite: expected a merged decoder (one If node at the top)');
			const ifFields = parseMessage(nodes[ifAt].bytes);
			/** @type {Partial<Record<BranchName, WireField[]>>} */
			const found = {};
			for (const a of all(ifFields, NODE.attribute)) {
				const attr = parseMessage(a.bytes);
				const name = all(attr, ATTR.name).map(text)[0];
				const g = all(attr, ATTR.g)[0];
				if (g && (name === 'then_branch' || name === 'else_branch')) found[name] = parseMessage(g.bytes);
			}
			if (!found.then_branch || !found.else_branch)
				throw new Error('decoder rewrite: the If has no then/else branches');
			const out = edit({
				graph: graph.filter((f) => f.field !== GRAPH.node),
				branches: { then_branch: found.then_branch, else_branch: found.else_branch }
			});
			const newIf = encodeMessage(
				ifFields.map((f) => {
					if (f.field !== NODE.attribute) return f;
					const attr = parseMessage(f.bytes);
					const name = all(attr, ATTR.name).map(text)[0];
					if (name !== 'then_branch' && name !== 'else_branch') return f;
					const bytes = encodeMessage(out.branches[name]);
					return { ...f, bytes: encodeMessage(attr.map((a) => (a.field === ATTR.g ? { ...a, bytes } : a))) };
				})
			);
			const ifNode = { field: GRAPH.node, wire: 2, bytes: newIf };
			return {
				...m,
				bytes: encodeMessage([...nodes.slice(0, ifAt), ...(out.before ?? []), ifNode, ...out.graph])
			};
		})
	);
}

/**
 * Rewrites a Moonshine merged decoder (see the top of this file). Throws if the graph is not one,
 * or if it does not find exactly one cross-attention key per layer in each branch.
 * @param {Uint8Array} modelBytes
 * @param {number} layers
 */
export function precomputeCrossAttentionKeys(modelBytes, layers) {
	return editMergedDecoder(modelBytes, ({ graph, branches }) => ({
		graph: swapCrossKeyShapes(graph),
		branches: {
			then_branch: rewriteBranch(branches.then_branch, 'then_branch', layers),
			else_branch: rewriteBranch(branches.else_branch, 'else_branch', layers)
		}
	}));
}

/**
 * Moves nodes that both branches of the top-level If compute identically from initializers alone
 * (in this decoder: dequantising the 288x32768 output projection) in front of the If. onnxruntime
 * constant-folds such a node once per graph, so in the branches the float weight existed twice.
 * @param {Uint8Array} modelBytes
 */
export function hoistSharedConstants(modelBytes) {
	return editMergedDecoder(modelBytes, ({ graph, branches }) => {
		const available = new Set(
			all(graph, GRAPH.initializer).map((f) => all(parseMessage(f.bytes), TENSOR_NAME).map(text)[0])
		);
		// Two nodes compute the same thing when all but their name and doc string agree.
		const signature = (/** @type {WireField} */ f) =>
			encodeMessage(
				parseMessage(f.bytes).filter((x) => x.field !== NODE.name && x.field !== NODE.docString)
			).toString();
		const elseBySignature = new Map(all(branches.else_branch, GRAPH.node).map((f) => [signature(f), f]));
		/** @type {WireField[]} */
		const shared = [];
		const drop = new Set();
		for (const f of all(branches.then_branch, GRAPH.node)) {
			const n = readNode(f.bytes);
			const twin = elseBySignature.get(signature(f));
			if (!twin || !n.inputs.every((i) => available.has(i))) continue;
			shared.push(f);
			drop.add(f).add(twin);
			for (const o of n.outputs) available.add(o);
		}
		if (shared.length === 0) throw new Error('decoder rewrite: no constant shared by both branches');
		return {
			before: shared,
			graph,
			branches: {
				then_branch: branches.then_branch.filter((f) => !drop.has(f)),
				else_branch: branches.else_branch.filter((f) => !drop.has(f))
			}
		};
	});
}

/** The graph output that carries one decoder layer's cross-attention weights. */
export const crossAttentionOutput = (/** @type {number} */ layer) => `cross_attentions.${layer}`;

/**
 * A float tensor's value info for the graph's inputs or outputs (`field`), with its shape (numbers and
 * symbolic names) when given.
 * @param {number} field GRAPH.input or GRAPH.output
 * @param {string} name
 * @param {readonly (number | string)[]} [shape]
 */
function floatValueInfo(field, name, shape) {
	const dim = (/** @type {number | string} */ d) =>
		typeof d === 'number'
			? {
					field: SHAPE_DIM,
					wire: 2,
					bytes: encodeMessage([{ field: 1, wire: 0, bytes: new Uint8Array([d]) }])
				}
			: { field: SHAPE_DIM, wire: 2, bytes: encodeMessage([stringField(2, d)]) };
	const tensorType = encodeMessage([
		{ field: 1, wire: 0, bytes: new Uint8Array([1]) },
		...(shape ? [{ field: TENSOR_SHAPE, wire: 2, bytes: encodeMessage(shape.map(dim)) }] : [])
	]);
	return {
		field,
		wire: 2,
		bytes: encodeMessage([
			stringField(VALUE_INFO.name, name),
			{
				field: VALUE_INFO.type,
				wire: 2,
				bytes: encodeMessage([{ field: TYPE_TENSOR, wire: 2, bytes: tensorType }])
			}
		])
	};
}

/**
 * A float graph output of unknown shape ([batch, heads, query positions, encoder frames] here).
 * @param {string} name
 */
const floatOutput = (name) => floatValueInfo(GRAPH.output, name);

/**
 * Exposes the softmax weights of the decoder's cross-attention (`encoder_attn`) in the given layers
 * as extra outputs `cross_attentions.<layer>` of the merged decoder, in both branches: word times
 * are aligned from them (src/lib/engine/moonshine/word-times.ts). Only outputs are added, no node
 * changes, so the token ids stay bit-identical. Throws when a layer has no such Softmax.
 * @param {Uint8Array} modelBytes
 * @param {readonly number[]} layers
 */
export function exposeCrossAttention(modelBytes, layers) {
	if (layers.length === 0) throw new Error('decoder rewrite: no cross-attention layers to expose');
	const names = layers.map(crossAttentionOutput);
	/** @param {WireField[]} fields */
	const expose = (fields) => {
		/** @type {WireField[]} */
		const extra = [];
		for (const layer of layers) {
			const softmax = all(fields, GRAPH.node)
				.map((f) => readNode(f.bytes))
				.find(
					(n) =>
						n.op === 'Softmax' &&
						n.outputs[0] === `/model/decoder/layers.${layer}/encoder_attn/Softmax_output_0`
				);
			if (!softmax) throw new Error(`decoder rewrite: no cross-attention softmax in layer ${layer}`);
			extra.push(
				{
					field: GRAPH.node,
					wire: 2,
					bytes: encodeMessage([
						stringField(NODE.input, softmax.outputs[0]),
						stringField(NODE.output, crossAttentionOutput(layer)),
						stringField(NODE.name, `expose_cross_attention_${layer}`),
						stringField(NODE.opType, 'Identity')
					])
				},
				floatOutput(crossAttentionOutput(layer))
			);
		}
		// Appended: repeated fields keep their order, and the new nodes must follow the Softmax they read.
		return [...fields, ...extra];
	};
	return encodeMessage(
		parseMessage(
			editMergedDecoder(modelBytes, ({ graph, branches }) => ({
				graph: [...graph, ...names.map(floatOutput)],
				branches: { then_branch: expose(branches.then_branch), else_branch: expose(branches.else_branch) }
			}))
		).map((m) => {
			if (m.field !== MODEL_GRAPH) return m;
			// The If node must name the new outputs too, after its existing ones (branch outputs are positional).
			return {
				...m,
				bytes: encodeMessage(
					parseMessage(m.bytes).map((f) => {
						if (f.field !== GRAPH.node || readNode(f.bytes).op !== 'If') return f;
						const fields = parseMessage(f.bytes);
						const lastOut = fields.findLastIndex((x) => x.field === NODE.output);
						const added = names.map((n) => stringField(NODE.output, n));
						return {
							...f,
							bytes: encodeMessage([...fields.slice(0, lastOut + 1), ...added, ...fields.slice(lastOut + 1)])
						};
					})
				)
			};
		})
	);
}

/** The decoder input that masks encoder frames out of the cross-attention (see addCrossAttentionBias). */
export const CROSS_ATTENTION_BIAS = 'cross_attention_bias';

/**
 * Adds an input `cross_attention_bias` [batch, 1, 1, encoder frames] to the scores of every decoder
 * layer's cross-attention, right before its Softmax, in both branches. Decoding several segments
 * as one batch pads the shorter ones' encoder frames; a bias of -Infinity there gives those frames
 * a weight of exactly 0, and 0 on real frames leaves the scores as they were (x + 0 = x), so a
 * batch of one with a zero bias computes what the graph computed before.
 * @param {Uint8Array} modelBytes
 * @param {number} layers
 */
export function addCrossAttentionBias(modelBytes, layers) {
	/** @param {WireField[]} fields */
	const mask = (fields) => {
		let found = 0;
		const out = fields.map((f) => {
			if (f.field !== GRAPH.node) return f;
			const n = readNode(f.bytes);
			const m = /^\/model\/decoder\/layers\.(\d+)\/encoder_attn\/Softmax_output_0$/.exec(n.outputs[0] ?? '');
			if (n.op !== 'Softmax' || !m) return f;
			found++;
			const biased = `${n.inputs[0]}_biased`;
			const add = encodeMessage([
				stringField(NODE.input, n.inputs[0]),
				stringField(NODE.input, CROSS_ATTENTION_BIAS),
				stringField(NODE.output, biased),
				stringField(NODE.name, `cross_attention_bias_${m[1]}`),
				stringField(NODE.opType, 'Add')
			]);
			n.inputs[0] = biased;
			return [
				{ field: GRAPH.node, wire: 2, bytes: add },
				{ field: GRAPH.node, wire: 2, bytes: writeNode(n) }
			];
		});
		if (found !== layers)
			throw new Error(`decoder rewrite: found ${found} cross-attention softmaxes, expected ${layers}`);
		return out.flat();
	};
	return editMergedDecoder(modelBytes, ({ graph, branches }) => ({
		graph: [
			...graph,
			floatValueInfo(GRAPH.input, CROSS_ATTENTION_BIAS, ['batch_size', 1, 1, 'encoder_sequence_length_out'])
		],
		branches: { then_branch: mask(branches.then_branch), else_branch: mask(branches.else_branch) }
	}));
}
