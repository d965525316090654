import { describe, expect, it } from 'vitest';
import { decodeTensors, encodeTensors } from './wire.js';

describe('tensors on the wire', () => {
  it('round-trips named tensors of several types, each an aligned view of one body', () => {
    const a = Float32Array.from([1.5, -2, 3.25]);
    const b = Int32Array.from([7, 8, 9, 10, 11, 12]);
    const c = BigInt64Array.from([1n, -2n]);
    const { header, chunks, length } = encodeTensors({
      a: { type: 'float32', dims: [1, 3], data: a },
      b: { type: 'int32', dims: [2, 3], data: b },
      c: { type: 'int64', dims: [2], data: c },
    });
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(length);
    a[0] = 99; // the chunks are views of the caller's arrays, sent as they are
    expect(chunks[0]?.buffer).toBe(a.buffer);
    const fresh = new ArrayBuffer(body.length);
    new Uint8Array(fresh).set(body);
    const out = decodeTensors(header, fresh);
    expect(Object.keys(out)).toEqual(['a', 'b', 'c']);
    expect(Array.from(out.a?.data as Float32Array)).toEqual([1.5, -2, 3.25]);
    expect(out.b).toMatchObject({ type: 'int32', dims: [2, 3] });
    expect(Array.from(out.b?.data as Int32Array)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(Array.from(out.c?.data as BigInt64Array)).toEqual([1n, -2n]);
    expect(out.b?.data.buffer).toBe(fresh);
  });

  it('rejects a description that does not match the body', () => {
    const { header, chunks } = encodeTensors({
      x: { type: 'float32', dims: [4], data: new Float32Array(4) },
    });
    const buf = new Uint8Array(Buffer.concat(chunks)).buffer;
    expect(() => decodeTensors(header.replace('[4]', '[5]'), buf)).toThrow(/do not fit its shape/);
    expect(() => decodeTensors(header, buf.slice(0, 8))).toThrow(/too short/);
    expect(() => decodeTensors(header, new ArrayBuffer(32))).toThrow(/longer/);
    expect(() => decodeTensors(header.replace('float32', 'string'), buf)).toThrow(/malformed/);
    expect(() => decodeTensors('{"x":1}', buf)).toThrow(/not a list/);
  });
});
