import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BURST_MEMORY_MS, coalescedBytes, writeCoalesced } from '../src/http/coalesced-writes.js';

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

    // b had one frame: its next turn's first frame is written at once again.
    writeCoalesced(b.stream, 'b2');
    expect(b.batches).toEqual([['b1'], ['b2']]);
    await turn();
  });

  it('gives a socket that just had a burst one batch per turn, first frame included', async () => {
    const a = recorder();
    writeCoalesced(a.stream, 'a1');
    writeCoalesced(a.stream, 'a2'); // a burst
    await turn();
    expect(a.batches).toEqual([['a1'], ['a2']]);

    // The next turn, right after: the first frame waits for the turn's end with the rest.
    writeCoalesced(a.stream, 'a3');
    expect(a.batches).toHaveLength(2);
    expect(coalescedBytes(a.stream)).toBe(2); // corked: not a backlog
    writeCoalesced(a.stream, 'a4');
    await turn();
    expect(a.batches).toEqual([['a1'], ['a2'], ['a3', 'a4']]);

    // A turn with a single frame ends the run of bursts: the next first frame leaves at once.
    writeCoalesced(a.stream, 'a5');
    await turn();
    writeCoalesced(a.stream, 'a6');
    expect(a.batches.at(-1)).toEqual(['a6']);
    await turn();
  });

  it('writes at once again once a burst is BURST_MEMORY_MS old', async () => {
    const a = recorder();
    writeCoalesced(a.stream, 'a1');
    writeCoalesced(a.stream, 'a2');
    await turn();
    await new Promise((resolve) => setTimeout(resolve, BURST_MEMORY_MS + 10));
    writeCoalesced(a.stream, 'a3');
    expect(a.batches).toEqual([['a1'], ['a2'], ['a3']]);
    await turn();
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
