/**
 * Writes a graph as an ONNX ModelProto: only the nodes the requested outputs need, weights either
 * as inputs (training: the trainer feeds them every step) or as initializers (the served model).
 */
import onnxProto from 'onnx-proto';
import type { Attrs, DType, FloatType, Graph, OnnxEmitter, ProductPrecision, Sym } from './graph.js';
import { ConfigError } from '../errors.js';
import { DEEPRANK_DOMAIN, ONNX_TYPE } from './ops.js';
import { quantizeWeightProducts, type ProtoNode, type ProtoTensor, type Quantization } from './int8-quantization.js';
import { fusions } from './fusions.js';

const { onnx } = onnxProto;

export const OPSET = 18;

export interface ExportOptions {
  /** Graph outputs by name. */
  outputs: Readonly<Record<string, Sym>>;
  /** Param inputs written as initializers instead of inputs, by input name. */
  initializers?: ReadonlyMap<string, Float32Array | Float64Array>;
  graphName?: string;
  /** Weight products as integer GEMMs (int8-quantization.ts); only with `initializers`. */
  quantize?: Quantization;
  /** 2-D matrix products in bf16 (graph.ts ProductPrecision); default float32. */
  products?: ProductPrecision;
  /**
   * deeprank's fused elementwise operators (fusions.ts, ReluGrad): one pass over memory where
   * ONNX nodes take two or three, to the same bits; only deeprank's own sessions run the graph.
   */
  fused?: boolean;
  /** Free-form metadata stored in the model (deeprank version, feature schema hash ...). */
  metadata?: Readonly<Record<string, string>>;
}

interface AttributeProtoLike {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attributes(attrs: Attrs): AttributeProtoLike[] {
  return Object.entries(attrs).map(([name, v]) => {
    if (typeof v === 'string') return { name, type: ATTR_STRING, s: new TextEncoder().encode(v) };
    if (typeof v === 'number') return Number.isInteger(v) ? { name, type: ATTR_INT, i: v } : { name, type: ATTR_FLOAT, f: v };
    return { name, type: ATTR_INTS, ints: [...v] };
  });
}

function valueInfo(name: string, sym: Sym) {
  return {
    name,
    type: { tensorType: { elemType: ONNX_TYPE[sym.dtype], shape: { dim: sym.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function tensorBytes(values: Float64Array | BigInt64Array | Float32Array, dtype: DType): Uint8Array {
  const typed = dtype === 'float32' && !(values instanceof Float32Array) ? Float32Array.from(values as Float64Array) : values;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/** Nodes needed to compute `outputs`, in graph order. */
function neededNodes(graph: Graph, outputs: readonly Sym[]) {
  const needed = new Set(outputs.map((s) => s.id));
  const kept = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o.id))) continue;
    kept.push(node);
    for (const input of node.inputs) needed.add(input.id);
  }
  return { nodes: kept.reverse(), needed };
}

export function exportOnnx(graph: Graph, options: ExportOptions): Uint8Array {
  if (options.quantize && graph.floatType !== 'float32') throw new ConfigError(`int8 weight products dequantize to float32; this graph computes in ${graph.floatType}`, { field: 'quantize' });
  const products = options.products ?? 'float32';
  if (products === 'bf16' && graph.floatType !== 'float32') throw new ConfigError(`bf16 products sum in float32; this graph computes in ${graph.floatType}`, { field: 'precision' });
  const outputEntries = Object.entries(options.outputs);
  const { nodes, needed } = neededNodes(graph, outputEntries.map(([, s]) => s));
  const initializers = options.initializers ?? new Map();

  const names = new Map<number, string>();
  for (const input of graph.inputs) names.set(input.sym.id, input.name);
  const protoNodes: ProtoNode[] = [];
  const protoInits: ProtoTensor[] = [];
  const constCache = new Map<string, string>();
  let fresh = 0;

  const emitter: OnnxEmitter = {
    floatType: graph.floatType as FloatType,
    fused: options.fused ?? false,
    name: (sym) => {
      let name = names.get(sym.id);
      if (!name) {
        name = `t${sym.id}`;
        names.set(sym.id, name);
      }
      return name;
    },
    fresh: (hint) => `${hint}_${fresh++}`,
    int64: (values) => cachedConstant(`i64:${values.join(',')}`, 'int64', BigInt64Array.from(values.map((v) => BigInt(v))), [values.length]),
    scalar: (value) => cachedConstant(`f:${value}`, graph.floatType, Float64Array.of(value), []),
    node: (opType, inputs, outputs, attrs = {}, domain) =>
      protoNodes.push({ opType, input: [...inputs], output: [...outputs], name: `n${protoNodes.length}`, attribute: attributes(attrs), ...(domain ? { domain } : {}) }),
  };

  function cachedConstant(key: string, dtype: DType, values: Float64Array | BigInt64Array, dims: number[]): string {
    let name = constCache.get(key);
    if (!name) {
      name = `const_${constCache.size}`;
      constCache.set(key, name);
      protoInits.push({ name, dims, dataType: ONNX_TYPE[dtype], rawData: tensorBytes(values, dtype) });
    }
    return name;
  }

  // Output names are the requested ones; a tensor requested twice, or an input/constant requested
  // as an output, is routed through Identity so every ONNX output has its own producer.
  const produced = new Set(nodes.flatMap((n) => n.outputs.map((o) => o.id)));
  const identities: [string, string][] = [];
  for (const [name, sym] of outputEntries) {
    if (produced.has(sym.id) && !names.has(sym.id)) names.set(sym.id, name);
    else identities.push([name, '']);
  }

  for (const constant of graph.constants.values()) {
    if (!needed.has(constant.sym.id)) continue;
    protoInits.push({ name: emitter.name(constant.sym), dims: constant.sym.shape as number[], dataType: ONNX_TYPE[constant.sym.dtype], rawData: tensorBytes(constant.values, constant.sym.dtype) });
  }
  const graphInputs = [];
  for (const input of graph.inputs) {
    if (!needed.has(input.sym.id)) continue;
    const data = input.kind === 'param' ? initializers.get(input.name) : undefined;
    if (data) protoInits.push({ name: input.name, dims: input.sym.shape as number[], dataType: ONNX_TYPE[input.sym.dtype], rawData: tensorBytes(data, input.sym.dtype) });
    else graphInputs.push(valueInfo(input.name, input.sym));
  }
  const { byLast, folded } = fusions(nodes, outputEntries.map(([, s]) => s), { products, fused: emitter.fused });
  for (const node of nodes) {
    const fusion = byLast.get(node);
    if (fusion) emitter.node(fusion.opType, fusion.inputs.map((s) => emitter.name(s)), [emitter.name(fusion.output)], fusion.attrs, DEEPRANK_DOMAIN);
    else if (!folded.has(node)) node.op.emit(emitter, node);
  }
  for (const [name] of identities) {
    const sym = options.outputs[name]!;
    emitter.node('Identity', [emitter.name(sym)], [name]);
  }

  const { nodes: graphNodes, initializers: graphInits } = options.quantize === 'int8' ? quantized(graph, protoNodes, protoInits, initializers) : { nodes: protoNodes, initializers: protoInits };

  const model = {
    irVersion: 8,
    producerName: 'deeprank',
    opsetImport: [{ domain: '', version: OPSET }, ...(graphNodes.some((n) => n.domain === DEEPRANK_DOMAIN) ? [{ domain: DEEPRANK_DOMAIN, version: 1 }] : [])],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.graphName ?? 'deeprank',
      node: graphNodes,
      initializer: graphInits,
      input: graphInputs,
      output: outputEntries.map(([name, sym]) => valueInfo(name, sym)),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

/** The int8 form of the weight products, keeping only the float weights something still reads. */
function quantized(graph: Graph, nodes: ProtoNode[], inits: ProtoTensor[], values: ReadonlyMap<string, Float32Array | Float64Array>): { nodes: ProtoNode[]; initializers: ProtoTensor[] } {
  const weights = new Map<string, { dims: readonly number[]; values: ArrayLike<number> }>();
  for (const input of graph.inputs) {
    const data = input.kind === 'param' ? values.get(input.name) : undefined;
    if (data) weights.set(input.name, { dims: input.sym.shape as number[], values: data });
  }
  const q = quantizeWeightProducts(nodes, weights);
  const read = new Set(q.nodes.flatMap((n) => n.input));
  return { nodes: q.nodes, initializers: [...inits.filter((t) => read.has(t.name)), ...q.initializers] };
}
