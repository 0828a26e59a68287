/** A graph input's or output's declared element type and shape, read off a decoded ONNX model. */
import type onnxProto from 'onnx-proto';

export interface DeclaredValue {
  name: string;
  type: 'float32' | 'int64' | 'bool' | 'float64';
  /** Each side's size, or the name of a symbolic side (the batch's rows). */
  shape: (number | string)[];
}

const ELEMENT_TYPES: Record<number, DeclaredValue['type']> = { 1: 'float32', 7: 'int64', 9: 'bool', 11: 'float64' };

export function declaredValue(v: onnxProto.onnx.IValueInfoProto): DeclaredValue {
  const tensor = v.type?.tensorType;
  return {
    name: v.name ?? '',
    type: ELEMENT_TYPES[tensor?.elemType ?? 0] ?? 'float32',
    shape: (tensor?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
  };
}
