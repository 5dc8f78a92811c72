import { onnx } from 'onnx-proto';

/**
 * The widest OneHotEncoder in an ONNX graph: how many categories it encodes (one float per
 * category per row at run time). Decodes the whole protobuf, so callers check first that the
 * bytes mention a OneHotEncoder at all.
 *
 * onnx-proto is imported statically here, and this module is what callers `import()`: a lazily
 * imported CommonJS package would only have `default` in the shipped ES-module bundles
 * (infra/bundling.ts refuses such a bundle).
 *
 * @example oneHotWidth(bytes) // 31441 for the course's PU_DO vocabulary
 */
export function oneHotWidth(bytes: Uint8Array): number {
  const graph = onnx.ModelProto.decode(bytes).graph;
  let width = 1;
  for (const node of graph?.node ?? []) {
    if (node.opType !== 'OneHotEncoder') continue;
    const categories = node.attribute?.find((a) => a.name === 'cats_strings' || a.name === 'cats_int64s');
    width = Math.max(width, (categories?.strings?.length ?? 0) + (categories?.ints?.length ?? 0));
  }
  return width;
}
