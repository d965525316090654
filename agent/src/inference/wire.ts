import type { IncomingMessage } from 'node:http';

/**
 * The tensors of one request or response on the wire: their descriptions travel in the `x-tensors`
 * header (JSON), their bytes one after the other in the body, each padded to 8 bytes so that every
 * typed array can be a view of the received buffer without a copy.
 */
export const TENSORS_HEADER = 'x-tensors';

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

/** The header value and body of named tensors (the body is a copy: the caller may reuse its arrays at once). */
export function encodeTensors(tensors: Record<string, WireTensor>): { header: string; body: Buffer } {
  const described: Described[] = [];
  let total = 0;
  for (const [name, t] of Object.entries(tensors)) {
    described.push({ name, type: t.type, dims: [...t.dims], bytes: t.data.byteLength });
    total += pad8(t.data.byteLength);
  }
  const body = Buffer.alloc(total);
  let at = 0;
  for (const t of Object.values(tensors)) {
    body.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += pad8(t.data.byteLength);
  }
  return { header: JSON.stringify(described), body };
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
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of msg as AsyncIterable<Buffer>) {
    got += chunk.length;
    if (got > limit) throw new Error(`body over ${limit} bytes`);
    chunks.push(chunk);
  }
  if (Number.isFinite(declared) && declared !== got) throw new Error('body shorter than its length');
  const buf = new ArrayBuffer(got);
  const view = new Uint8Array(buf);
  let at = 0;
  for (const c of chunks) {
    view.set(c, at);
    at += c.length;
  }
  return buf;
}
