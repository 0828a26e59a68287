/**
 * Dynamic int8 quantization of a served graph's weight products, written with standard ONNX ops
 * in the layout ONNX Runtime fuses into one integer GEMM (DynamicQuantizeMatMul):
 *
 *   x_q, x_scale, x_zero = DynamicQuantizeLinear(x)            uint8, one scale per call
 *   y = Cast(MatMulInteger(x_q, W_q, x_zero, 0)) * (x_scale * w_scale)
 *
 * W_q holds each weight column as integers in [-63, 63] with its own scale. Seven bits, not
 * eight: CPUs without VNNI multiply uint8 by int8 with 16-bit pair sums that saturate at eight
 * (the "reduce range" of ONNX Runtime's quantizer), and the served file must score the same on
 * every CPU it is copied to. The activation scale is taken over the whole call, so a row's score
 * moves slightly with the other rows of its request, as with PyTorch's dynamic quantization.
 */
/** An ONNX NodeProto as the exporter writes it. */
export interface ProtoNode {
  opType: string;
  input: string[];
  output: string[];
  name: string;
  attribute: object[];
  domain?: string;
}

/** An ONNX TensorProto as the exporter writes it. */
export interface ProtoTensor {
  name: string;
  dims: readonly number[];
  dataType: number;
  rawData: Uint8Array;
}

export type Quantization = 'int8';

/** Products smaller than this on either side stay float: too little work to gain, and a logit column would lose precision for nothing. */
export const MIN_QUANTIZED_DIM = 16;

const WEIGHT_LEVELS = 63;
const ONNX_FLOAT = 1;
const ONNX_INT8 = 3;
const ATTR_INT = 2;

/** Each column of a [rows, cols] matrix as int8 in [-63, 63] and its scale. */
export function quantizeColumns(values: ArrayLike<number>, rows: number, cols: number): { q: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scales[c] = Math.max(scales[c]!, Math.abs(values[r * cols + c]!));
  for (let c = 0; c < cols; c++) scales[c] = scales[c]! > 0 ? scales[c]! / WEIGHT_LEVELS : 1;
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) q[r * cols + c] = Math.round(values[r * cols + c]! / scales[c]!);
  return { q, scales };
}

const bytes = (a: Float32Array | Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * `nodes` with every MatMul whose right operand is a float weight in `weights` (a 2-D initializer
 * of at least MIN_QUANTIZED_DIM rows and columns) replaced by its int8 form, and the initializers
 * those forms read. The float weights stay in `weights`' owner; the caller drops unused ones.
 */
export function quantizeWeightProducts(nodes: readonly ProtoNode[], weights: ReadonlyMap<string, { dims: readonly number[]; values: ArrayLike<number> }>): { nodes: ProtoNode[]; initializers: ProtoTensor[] } {
  const initializers: ProtoTensor[] = [];
  const quantized = new Map<string, { q: string; scale: string; zero: string }>();
  const out: ProtoNode[] = [];
  for (const node of nodes) {
    const weight = node.opType === 'MatMul' ? weights.get(node.input[1]!) : undefined;
    if (!weight || weight.dims.length !== 2 || weight.dims[0]! < MIN_QUANTIZED_DIM || weight.dims[1]! < MIN_QUANTIZED_DIM) {
      out.push(node);
      continue;
    }
    const name = node.input[1]!;
    let w = quantized.get(name);
    if (!w) {
      const [rows, cols] = weight.dims as [number, number];
      const { q, scales } = quantizeColumns(weight.values, rows, cols);
      w = { q: `${name}/int8`, scale: `${name}/int8_scale`, zero: `${name}/int8_zero` };
      initializers.push({ name: w.q, dims: [rows, cols], dataType: ONNX_INT8, rawData: bytes(q) });
      initializers.push({ name: w.scale, dims: [cols], dataType: ONNX_FLOAT, rawData: bytes(scales) });
      initializers.push({ name: w.zero, dims: [], dataType: ONNX_INT8, rawData: new Uint8Array(1) });
      quantized.set(name, w);
    }
    const [x] = node.input;
    const y = node.output[0]!;
    const t = (suffix: string) => `${y}/${suffix}`;
    let k = 0;
    const add = (opType: string, input: string[], output: string[], attribute: object[] = []) => out.push({ opType, input, output, name: `${node.name}_int8_${k++}`, attribute });
    add('DynamicQuantizeLinear', [x!], [t('x_q'), t('x_scale'), t('x_zero')]);
    add('MatMulInteger', [t('x_q'), w.q, t('x_zero'), w.zero], [t('int32')]);
    add('Cast', [t('int32')], [t('float')], [{ name: 'to', type: ATTR_INT, i: ONNX_FLOAT }]);
    add('Mul', [t('x_scale'), w.scale], [t('scale')]);
    add('Mul', [t('float'), t('scale')], [y]);
  }
  return { nodes: out, initializers };
}
