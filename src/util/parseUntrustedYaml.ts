// Not public: YAML (or JSON) from a configuration file — a kubeconfig, an audit policy — parsed with limits,
// every failure described by position and field only: such files hold tokens, passwords and keys, so no
// text of the file may reach a message.
import { isAlias, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Node as YamlNode } from 'yaml';

/** Aliases a document may expand at most (the `yaml` package's own default; stops alias bombs). */
export const MAX_YAML_ALIASES = 100;

/** The tags a configuration file may carry explicitly: YAML 1.2's core schema, nothing custom. */
const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((tag) => `tag:yaml.org,2002:${tag}`),
);

/** One segment of a field path: a map key or a list index. */
export type YamlPathSegment = string | number;

/** A problem found while parsing: what, and where (a field path when known, else a position). */
export interface YamlProblem {
  /** The field, e.g. `['users', 0, 'user', 'password']`; empty when the problem is not in one field. */
  readonly path: readonly YamlPathSegment[];
  /**
   * What is wrong, without any text of the file (`alias to an undefined anchor`). For a syntax error
   * (`syntax: true`) it says where and why, to follow a caller's "cannot parse YAML/JSON".
   */
  readonly reason: string;
  /** The text is not YAML at all (a syntax error, or nesting the parser cannot follow). */
  readonly syntax: boolean;
}

/** The parsed document, or what stopped it. */
export type YamlResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

/** The field path of a node from its ancestors (as `visit` gives them) and the key or index it sits at. */
function fieldPath(ancestors: readonly unknown[], node: unknown): YamlPathSegment[] {
  const out: YamlPathSegment[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length; i++) {
    const here = chain[i];
    if (isPair(here)) {
      const key = here.key;
      // A scalar key is a field name; a complex key (a map as a key) has none that reads well.
      out.push(isScalar(key) ? String(key.value) : '?');
    } else if (isSeq(here)) {
      const child = chain[i + 1];
      out.push(here.items.indexOf(child as never));
    }
  }
  return out;
}

/**
 * The error's reason without the source: the parser's text before its position and before any `: detail`
 * (details quote the file: a tag, an anchor name), plus its code.
 */
function parserReason(message: string, code: string): string {
  const head = message.split(/ at line \d+/)[0] ?? '';
  const reason = (head.split(': ')[0] ?? '').trim();
  return reason === '' ? code : `${reason} (${code})`;
}

/**
 * Parses a configuration file's text as YAML 1.2 (JSON is YAML): one document, unique keys, no custom tags
 * (`!secret`), aliases only to anchors that exist and at most {@link MAX_YAML_ALIASES} expansions. Never
 * throws: any failure, a parser crash included, becomes a {@link YamlProblem} naming a field or a position.
 *
 * @param text The file's contents.
 * @returns The parsed value, or the problems.
 */
export function parseUntrustedYaml(text: string): YamlResult {
  try {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: false });
    const errors = doc.errors;
    if (errors.length > 0) {
      return {
        ok: false,
        problems: errors.slice(0, 1).map((error) => {
          const at = error.linePos?.[0];
          const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`;
          return {
            path: [],
            reason: `${where.trim()}: ${parserReason(error.message, error.code)}`,
            syntax: true,
          };
        }),
      };
    }
    const problems: YamlProblem[] = [];
    visit(doc, {
      Node(_key, node, ancestors) {
        const at = (): YamlPathSegment[] => fieldPath(ancestors, node);
        if (isAlias(node)) {
          if (node.resolve(doc) === undefined)
            problems.push({ path: at(), reason: 'alias to an undefined anchor', syntax: false });
          return undefined;
        }
        const tag = (node as YamlNode).tag;
        if (tag !== undefined && !CORE_TAGS.has(tag)) {
          problems.push({ path: at(), reason: 'custom YAML tags are not allowed', syntax: false });
        }
        return undefined;
      },
    });
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (error) {
    // The yaml package throws a ReferenceError for an alias bomb, and deep nesting can overflow the stack;
    // neither message is printed (one may quote an anchor name).
    if (error instanceof Error && /alias/i.test(error.message)) {
      const reason = `too many YAML aliases (more than ${MAX_YAML_ALIASES} expansions)`;
      return { ok: false, problems: [{ path: [], reason, syntax: false }] };
    }
    const reason = error instanceof RangeError ? 'nested too deeply' : 'the parser failed';
    return { ok: false, problems: [{ path: [], reason, syntax: true }] };
  }
}
