import type { IncomingMessage } from 'node:http';

/**
 * The tensors of one request or response on the wire: their descriptions travel in the `x-tensors`
 * header (JSON), their bytes one after the other in the body, each padded to 8 bytes so that every
 * typed array can be a view of the received buffer without a copy.
 */
export const TENSORS_HEADER = 'x-tensors';

/** Request header naming the outputs to send back (a JSON list of output names); all of them without it. */
export const OUTPUTS_HEADER = 'x-outputs';

/** The output names of an {@link OUTPUTS_HEADER} value; undefined without one; throws on a malformed one. */
export function decodeOutputs(header: string | string[] | undefined): string[] | undefined {
  if (header === undefined) return undefined;
  const names: unknown = JSON.parse(Array.isArray(header) ? (header[0] ?? '') : header);
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string'))
    throw new Error(`${OUTPUTS_HEADER} is not a list of output names`);
  return names;
}

/** A tensor as it crosses the wire: numeric element type, shape and its typed array. */
export interface WireTensor {
  type: WireType;
  dims: number[];
  data: WireData;
}

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
} as const;

/** The element types that can cross the wire (every input and output of the vision models is float32). */
export type WireType = keyof typeof ARRAYS;
type WireData = InstanceType<(typeof ARRAYS)[WireType]>;

interface Described {
  name: string;
  type: WireType;
  dims: number[];
  bytes: number;
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Whether `type` can cross the wire. */
export function isWireType(type: string): type is WireType {
  return Object.hasOwn(ARRAYS, type);
}

const PADDING = new Uint8Array(8);

/**
 * The header value and body of named tensors. The body is a list of views of the tensors' own
 * memory (no copy; with the padding between them): like an onnxruntime run, the caller leaves its
 * input arrays alone until the answer is back.
 */
export function encodeTensors(tensors: Record<string, WireTensor>): {
  header: string;
  chunks: Uint8Array[];
  length: number;
} {
  const described: Described[] = [];
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.data.byteLength;
    described.push({ name, type: t.type, dims: [...t.dims], bytes });
    if (bytes) chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, bytes));
    if (pad8(bytes) > bytes) chunks.push(PADDING.subarray(0, pad8(bytes) - bytes));
    length += pad8(bytes);
  }
  return { header: JSON.stringify(described), chunks, length };
}

/** The tensors of a header value and body; throws on a description that does not match the body. */
export function decodeTensors(header: string | undefined, body: ArrayBuffer): Record<string, WireTensor> {
  const described = JSON.parse(header ?? '[]') as Described[];
  if (!Array.isArray(described)) throw new Error('tensor header is not a list');
  const out: Record<string, WireTensor> = {};
  let at = 0;
  for (const d of described) {
    if (typeof d.name !== 'string' || !isWireType(d.type) || !Array.isArray(d.dims))
      throw new Error('malformed tensor description');
    const Ctor = ARRAYS[d.type];
    const count = d.dims.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(count) || count < 0 || count * Ctor.BYTES_PER_ELEMENT !== d.bytes)
      throw new Error(`tensor ${d.name}: ${d.bytes} bytes do not fit its shape [${d.dims.join(', ')}]`);
    if (at + d.bytes > body.byteLength) throw new Error(`tensor ${d.name}: body too short`);
    out[d.name] = { type: d.type, dims: d.dims, data: new Ctor(body, at, count) };
    at += pad8(d.bytes);
  }
  if (at !== body.byteLength) throw new Error('body longer than its tensors');
  return out;
}

/** The whole body of a request or response in one fresh, 8-byte aligned buffer (at most `limit` bytes). */
export async function readBody(msg: IncomingMessage, limit: number): Promise<ArrayBuffer> {
  const declared = Number(msg.headers['content-length']);
  if (declared > limit) throw new Error(`body over ${limit} bytes`);
  // one buffer of the declared length, filled as the chunks arrive (no list of chunks to copy at the end)
  let buf = new Uint8Array(Number.isFinite(declared) ? declared : 0);
  let got = 0;
  for await (const chunk of msg as AsyncIterable<Buffer>) {
    if (got + chunk.length > buf.length) {
      if (Number.isFinite(declared)) throw new Error('body longer than its length');
      if (got + chunk.length > limit) throw new Error(`body over ${limit} bytes`);
      const grown = new Uint8Array(Math.max(got + chunk.length, buf.length * 2));
      grown.set(buf.subarray(0, got));
      buf = grown;
    }
    buf.set(chunk, got);
    got += chunk.length;
  }
  if (Number.isFinite(declared) && declared !== got) throw new Error('body shorter than its length');
  return got === buf.length ? buf.buffer : buf.buffer.slice(0, got);
}
