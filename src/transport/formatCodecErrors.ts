import type * as t from 'io-ts';

/**
 * Turns io-ts validation errors into one line per offending path, e.g.
 * `clusters[0].cluster.insecure-skip-tls-verify: expected boolean, got string`.
 * Only the *kind* of the bad value is reported, never the value: kubeconfig fields hold secrets.
 *
 * @param errors The `Left` of a codec's `decode`.
 * @param root A prefix for every path (`target`), or `''`.
 * @returns Unique messages, in the order io-ts found them.
 */
export function formatCodecErrors(errors: t.Errors, root = ''): string[] {
  const lines = new Set<string>();
  for (const error of errors) {
    let path = root;
    const entries = error.context;
    for (let i = 1; i < entries.length; i++) {
      const parent = entries[i - 1]?.type as { _tag?: string } | undefined;
      const key = entries[i]?.key ?? '';
      // Intersection and union members are addressed by branch number, not by a data key.
      if (parent?._tag === 'IntersectionType' || parent?._tag === 'UnionType') continue;
      if (parent?._tag === 'ArrayType') path += `[${key}]`;
      else path += path === '' ? key : `.${key}`;
    }
    const expected = entries[entries.length - 1]?.type.name ?? 'a valid value';
    lines.add(`${path || '(root)'}: expected ${expected}, got ${kindOf(error.value)}`);
  }
  return [...lines];
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'array';
  if (Buffer.isBuffer(value)) return 'Buffer';
  return typeof value;
}
