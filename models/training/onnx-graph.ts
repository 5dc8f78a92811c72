import { onnx } from 'onnx-proto';

/**
 * Small helpers to write ONNX graphs from TypeScript with onnx-proto: used by the training
 * script for the served model and by tests for converter-shaped models.
 */
const { TensorProto, AttributeProto } = onnx;
export const ElemType = TensorProto.DataType;

export type AttrValue = number | string | number[] | string[] | onnx.ITensorProto;

/** An attribute; arrays of numbers are floats unless `ints` lists the name. */
function attribute(name: string, value: AttrValue, isInt: boolean): onnx.IAttributeProto {
  if (typeof value === 'string') return { name, type: AttributeProto.AttributeType.STRING, s: Buffer.from(value) };
  if (typeof value === 'number') {
    return isInt ? { name, type: AttributeProto.AttributeType.INT, i: value } : { name, type: AttributeProto.AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && typeof value[0] === 'string') {
      return { name, type: AttributeProto.AttributeType.STRINGS, strings: (value as string[]).map((s) => Buffer.from(s)) };
    }
    return isInt
      ? { name, type: AttributeProto.AttributeType.INTS, ints: value as number[] }
      : { name, type: AttributeProto.AttributeType.FLOATS, floats: value as number[] };
  }
  return { name, type: AttributeProto.AttributeType.TENSOR, t: value };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  domain?: string;
  attrs?: Record<string, AttrValue>;
  /** attribute names whose numbers are integers (INT/INTS), e.g. `cats_int64s` */
  ints?: string[];
}

export function node(spec: NodeSpec): onnx.INodeProto {
  const ints = new Set(spec.ints ?? []);
  return {
    opType: spec.op,
    domain: spec.domain ?? '',
    input: spec.inputs,
    output: spec.outputs,
    name: spec.outputs[0],
    attribute: Object.entries(spec.attrs ?? {}).map(([name, value]) => attribute(name, value, ints.has(name))),
  };
}

export function floatTensor(name: string, values: ArrayLike<number>, dims: number[] = [values.length]): onnx.ITensorProto {
  return { name, dims, dataType: ElemType.FLOAT, floatData: Array.from(values) };
}

export function int64Tensor(name: string, values: number[], dims: number[] = [values.length]): onnx.ITensorProto {
  return { name, dims, dataType: ElemType.INT64, int64Data: values };
}

/** A graph input or output; `null` dims are symbolic batch dimensions named N. */
export function valueInfo(name: string, elemType: number, dims: (number | null)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (d === null ? { dimParam: 'N' } : { dimValue: d })) },
      },
    },
  };
}

export interface ModelSpec {
  name: string;
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers?: onnx.ITensorProto[];
  metadata?: Record<string, string>;
  docString?: string;
}

/** Serialises a model with opset 17 and ai.onnx.ml 3; the bytes depend only on the spec. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: 'ride-duration-service',
    producerVersion: '1',
    docString: spec.docString ?? '',
    opsetImport: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    graph: {
      name: spec.name,
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    },
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}
