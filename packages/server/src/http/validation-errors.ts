/**
 * Ajv's errors, made readable for API clients. Ajv reports every branch of a union (`anyOf`) that
 * failed, which for `content` means "text must have required property text, type must be equal to
 * constant, url must match pattern…" all at once. Clients need the one that applies:
 * - when every branch failed on the same constant (a discriminator such as `type`, or a union of
 *   literals such as `scope`), say which values are allowed;
 * - otherwise report only the branch that came closest (fewest errors): for an image with a
 *   `javascript:` URL, the image branch's complaint about `url`.
 * Patterns are described by what they accept where we know it, not by the regex.
 */
import type { ErrorObject } from 'ajv';

export interface FieldProblem {
  field: string;
  message: string;
}

const HTTP_URL_PATTERN = '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$';

export function describeValidation(errors: readonly ErrorObject[], where: string): FieldProblem[] {
  return narrowUnions(errors).map((e) => ({ field: fieldOf(e, where), message: messageOf(e) }));
}

function narrowUnions(errors: readonly ErrorObject[]): ErrorObject[] {
  let result = [...errors];
  for (const union of errors.filter((e) => e.keyword === 'anyOf')) {
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of result) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    if (branches.size === 0) continue;
    const inBranches = new Set([...branches.values()].flat());
    const rest = result.filter((e) => e !== union && !inBranches.has(e));
    const consts = [...branches.values()].map((list) => list.find((e) => e.keyword === 'const'));
    const sameConstPath = consts.every((c) => c && c.instancePath === consts[0]?.instancePath);
    if (sameConstPath && consts[0]) {
      const allowed = consts.map((c) => JSON.stringify(c?.params.allowedValue)).join(', ');
      result = [...rest, { ...consts[0], message: `must be one of ${allowed}` }];
      continue;
    }
    const closest = [...branches.values()].sort((a, b) => a.length - b.length)[0] ?? [];
    result = [...rest, ...closest];
  }
  return result;
}

function fieldOf(e: ErrorObject, where: string): string {
  const missing = (e.params as { missingProperty?: unknown }).missingProperty;
  return [
    where,
    ...e.instancePath.split('/').filter(Boolean),
    ...(typeof missing === 'string' ? [missing] : []),
  ].join('.');
}

function messageOf(e: ErrorObject): string {
  if (e.keyword === 'pattern' && (e.params as { pattern?: unknown }).pattern === HTTP_URL_PATTERN) {
    return 'must be an http or https URL';
  }
  return e.message ?? 'is invalid';
}
