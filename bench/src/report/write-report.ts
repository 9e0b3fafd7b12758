/** Writes bench/results/<timestamp>.json and .md, and bench/results/latest.md. */
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderMarkdown } from './render-markdown.js';
import type { Report } from './types.js';

export const RESULTS_DIR = fileURLToPath(new URL('../../results/', import.meta.url));

export async function writeReport(report: Report, dir = RESULTS_DIR): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const base = `${dir}${stamp}-${report.profile}`;
  const md = renderMarkdown(report);
  await fs.writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await fs.writeFile(`${base}.md`, md);
  await fs.writeFile(`${dir}latest.md`, md);
  return [`${base}.json`, `${base}.md`, `${dir}latest.md`];
}
