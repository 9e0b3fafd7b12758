import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { coalescedBytes, writeCoalesced } from '../src/http/coalesced-writes.js';

/** A stream that records each batch it is handed: one entry per syscall a socket would make. */
function recorder() {
  const batches: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      batches.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      batches.push(chunks.map((c) => String(c.chunk)));
      done();
    },
  });
  return { stream, batches };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('writeCoalesced', () => {
  it("writes a turn's first frame at once and hands the rest of the turn over as one batch", async () => {
    const a = recorder();
    const b = recorder();
    writeCoalesced(a.stream, 'a1');
    writeCoalesced(b.stream, 'b1');
    // Promise continuations of the same turn (how a committed batch publishes) join it.
    await Promise.resolve();
    writeCoalesced(a.stream, 'a2');
    writeCoalesced(a.stream, Buffer.from('a3'));
    expect(a.batches).toEqual([['a1']]);
    await turn();
    expect(a.batches).toEqual([['a1'], ['a2', 'a3']]);
    expect(b.batches).toEqual([['b1']]);

    writeCoalesced(a.stream, 'a4');
    writeCoalesced(a.stream, 'a5');
    await turn();
    expect(a.batches).toEqual([['a1'], ['a2', 'a3'], ['a4'], ['a5']]);
  });

  it("keeps a stream's own corked writes in order with its coalesced ones", async () => {
    const a = recorder();
    writeCoalesced(a.stream, 'event');
    // What `ws` does for each frame it sends itself (an ack, a pong).
    a.stream.cork();
    a.stream.write('ack-header');
    a.stream.write('ack-body');
    a.stream.uncork();
    writeCoalesced(a.stream, 'next event');
    await turn();
    expect(a.batches).toEqual([['event'], ['ack-header', 'ack-body'], ['next event']]);
  });

  it("counts a turn's corked bytes apart from the stream's backlog", async () => {
    const a = recorder();
    a.stream.cork(); // a client that is not reading: nothing leaves
    writeCoalesced(a.stream, 'first');
    writeCoalesced(a.stream, 'é1');
    writeCoalesced(a.stream, Buffer.alloc(10));
    expect(coalescedBytes(a.stream)).toBe(13);
    expect(a.stream.writableLength).toBe(18);
    await turn();
    expect(coalescedBytes(a.stream)).toBe(0);
  });
});
