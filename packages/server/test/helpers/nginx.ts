/**
 * Real nginx (Debian's `nginx-light`, /usr/sbin/nginx) running deploy/nginx/parley.conf for the
 * tests. The deploy file is used as written; only what must differ on a test machine is
 * rewritten: the upstream servers, the listen address, and every path nginx writes to (cache,
 * temp files, pid, logs), which all go into a fresh temporary directory. Whoever starts one
 * stops it (`stop()` also removes the directory).
 */
import { freePort } from '../../src/free-port.js';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const DEPLOY_NGINX = fileURLToPath(new URL('../../../../deploy/nginx/', import.meta.url));

export interface NginxConfig {
  dir: string;
  conf: string;
  port: number;
}

export interface RunningNginx extends NginxConfig {
  url: string;
  /** The nginx error log so far (for failure messages). */
  errorLog(): string;
  stop(): Promise<void>;
}

/** Writes nginx.conf + parley.conf + snippets into a temp dir, pointed at `upstreams`. */
export async function renderNginxConfig(upstreams: string[]): Promise<NginxConfig> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-nginx-'));
  const port = await freePort();
  for (const sub of ['snippets', 'cache', 'tmp', 'logs']) mkdirSync(path.join(dir, sub));
  cpSync(
    path.join(DEPLOY_NGINX, 'security-headers.conf'),
    path.join(dir, 'snippets/parley-security-headers.conf'),
  );

  let site = readFileSync(path.join(DEPLOY_NGINX, 'parley.conf'), 'utf8');
  const servers = upstreams.map((u) => `    server ${u} max_fails=3 fail_timeout=10s;`).join('\n');
  site = replaceOnce(site, /(?:^ {4}server parley-\d:8080[^\n]*\n)+/m, `${servers}\n`);
  site = replaceOnce(
    site,
    /^ {4}listen 80;\n {4}listen \[::\]:80;\n/m,
    `    listen 127.0.0.1:${port};\n`,
  );
  site = replaceOnce(site, /\/var\/cache\/nginx\/parley/, path.join(dir, 'cache'));
  writeFileSync(path.join(dir, 'parley.conf'), site);

  const tmp = (name: string) => path.join(dir, 'tmp', name);
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      // As root nginx would switch its workers to `nobody`, who cannot use this directory.
      process.getuid?.() === 0 ? 'user root root;' : '',
      'worker_processes 1;',
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(dir, 'logs/error.log')} warn;`,
      'events { worker_connections 512; }',
      'http {',
      `  access_log ${path.join(dir, 'logs/access.log')};`,
      `  client_body_temp_path ${tmp('body')};`,
      `  proxy_temp_path ${tmp('proxy')};`,
      `  fastcgi_temp_path ${tmp('fastcgi')};`,
      `  uwsgi_temp_path ${tmp('uwsgi')};`,
      `  scgi_temp_path ${tmp('scgi')};`,
      '  include parley.conf;',
      '}',
      '',
    ].join('\n'),
  );
  return { dir, conf, port };
}

/** `nginx -t` on a rendered configuration; returns nginx's verdict text, throws on failure. */
export function testNginxConfig(config: NginxConfig): string {
  const r = spawnSync(NGINX_BIN, ['-t', '-p', config.dir, '-c', config.conf], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`nginx -t failed (${r.status}):\n${r.stderr}`);
  return r.stderr;
}

export async function startNginx(upstreams: string[]): Promise<RunningNginx> {
  const config = await renderNginxConfig(upstreams);
  testNginxConfig(config);
  const proc = spawn(
    NGINX_BIN,
    ['-p', config.dir, '-c', config.conf, '-g', 'daemon off; master_process on;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return stderr + readFileSync(path.join(config.dir, 'logs/error.log'), 'utf8');
    } catch {
      return stderr;
    }
  };
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGQUIT');
    await exited;
    rmSync(config.dir, { recursive: true, force: true });
  };

  // Bounded wait for the listening socket: 200 tries, 25 ms apart.
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited:\n${errorLog()}`);
    if (await canConnect(config.port)) break;
    if (i === 200) {
      await stop();
      throw new Error(`nginx did not listen:\n${errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { ...config, url: `http://127.0.0.1:${config.port}`, errorLog, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`deploy/nginx/parley.conf no longer matches ${pattern}`);
  return text.replace(pattern, replacement);
}
