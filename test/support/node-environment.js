// Jest runs each test file in its own vm realm, so `new Float32Array()` in a test is not an
// instance of the host's Float32Array, and onnxruntime-node's addon rejects it ("A float32
// tensor's data must be type of function Float32Array()"). Sharing the host's binary
// constructors with the test realm makes tensors built in tests acceptable to the addon.
const { TestEnvironment } = require('jest-environment-node');

// onnxruntime-node reports telemetry to Microsoft unless told not to (as the shipped programs are).
process.env.ORT_DISABLE_TELEMETRY ??= '1';

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Buffer',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
