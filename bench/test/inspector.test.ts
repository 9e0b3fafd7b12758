/**
 * The idle scenario's garbage collections: the inspector address is found in what Node prints,
 * and a real child process started with INSPECT_ARG collects on demand (its heap shrinks).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { collectGarbage, INSPECT_ARG, inspectorUrl } from '../src/sut/inspector.js';

describe('inspector', () => {
  it('finds the address in what Node prints on stderr', () => {
    const printed =
      'Debugger listening on ws://127.0.0.1:40123/0f3c2a8e-1111-4c3d-8e9f-1a2b3c4d5e6f\n' +
      'For help, see: https://nodejs.org/en/docs/inspector\n';
    expect(inspectorUrl(printed)).toBe('ws://127.0.0.1:40123/0f3c2a8e-1111-4c3d-8e9f-1a2b3c4d5e6f');
    expect(inspectorUrl('nothing here')).toBeUndefined();
  });

  it('collects a child process’s garbage on demand', async () => {
    // Allocates ~50 MB of garbage once, then reports its heap whenever asked on stdin.
    const program = `
      let junk = Array.from({ length: 500 }, () => new Array(12_500).fill(Math.random()));
      junk = undefined;
      process.stdin.on('data', () => console.log(process.memoryUsage().heapUsed));
      console.log('ready');`;
    const child = spawn(process.execPath, [INSPECT_ARG, '-e', program], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const lines: string[] = [];
      child.stdout.on('data', (c: Buffer) => lines.push(...c.toString().trim().split('\n')));
      const next = async () => {
        const seen = lines.length;
        while (lines.length === seen) await new Promise((r) => setTimeout(r, 10));
        return lines[lines.length - 1]!;
      };
      expect(await next()).toBe('ready');
      const url = inspectorUrl(stderr);
      expect(url).toBeDefined();
      child.stdin.write('?\n');
      const before = Number(await next());
      await collectGarbage(url!);
      child.stdin.write('?\n');
      const after = Number(await next());
      expect(after).toBeLessThan(before - 20_000_000);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
  });
});
