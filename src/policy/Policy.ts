import * as t from 'io-ts';
import { describeCodec } from '../events/describeCodec.js';
import { Level, Stage } from '../events/Event.js';

/**
 * A list field of a policy. Like the apiserver's JSON decoding, `null` (an empty YAML key) reads as
 * an empty list, which matches everything.
 */
function list<C extends t.Mixed>(item: C): t.Type<Array<t.TypeOf<C>>, Array<t.OutputOf<C>>, unknown> {
  const array = t.array(item);
  const type = new t.Type(
    array.name,
    array.is,
    (input: unknown, context: t.Context) => (input === null ? t.success([]) : array.validate(input, context)),
    array.encode,
  );
  return Object.assign(type, { description: describeCodec(array) });
}

/**
 * A scalar field of a policy. Like the apiserver's JSON decoding into a Go string or `*bool`, `null` (an
 * empty YAML key) reads as unset.
 */
function scalar<C extends t.Mixed>(codec: C): t.Type<t.TypeOf<C> | undefined, t.OutputOf<C>, unknown> {
  const type = new t.Type<t.TypeOf<C> | undefined, t.OutputOf<C>, unknown>(
    codec.name,
    (input): input is t.TypeOf<C> | undefined => input === undefined || codec.is(input),
    (input: unknown, context: t.Context) =>
      input === null ? t.success(undefined) : (codec.validate(input, context) as t.Validation<t.TypeOf<C>>),
    (value) => codec.encode(value) as t.OutputOf<C>,
  );
  return Object.assign(type, { description: describeCodec(codec) });
}

/**
 * `audit.k8s.io/v1` `GroupResources`: resources of one API group a policy rule matches.
 * `group` `""` (the default) is the core group; `resources` entries are `resource`,
 * `resource/subresource`, `*`, `*\/subresource` or `resource/*`; `resourceNames` narrows to named objects.
 */
export const GroupResources = t.partial(
  {
    group: scalar(t.string),
    resources: list(t.string),
    resourceNames: list(t.string),
  },
  'GroupResources',
);
export type GroupResources = t.TypeOf<typeof GroupResources>;

/**
 * `audit.k8s.io/v1` `PolicyRule`: the level (and omitted stages) for the requests it matches.
 * Every list that is absent or empty matches everything.
 */
export const PolicyRule = t.intersection(
  [
    t.type({ level: Level }),
    t.partial({
      users: list(t.string),
      userGroups: list(t.string),
      verbs: list(t.string),
      resources: list(GroupResources),
      namespaces: list(t.string),
      nonResourceURLs: list(t.string),
      omitStages: list(Stage),
      omitManagedFields: scalar(t.boolean),
    }),
  ],
  'PolicyRule',
);
export type PolicyRule = t.TypeOf<typeof PolicyRule>;

/** The group versions an audit policy file may declare. */
export const PolicyApiVersion = t.keyof(
  { 'audit.k8s.io/v1': null, 'audit.k8s.io/v1beta1': null },
  'PolicyApiVersion',
);
export type PolicyApiVersion = t.TypeOf<typeof PolicyApiVersion>;

/**
 * `audit.k8s.io/v1` `Policy`: which requests are audited and how much of each is recorded.
 * Rules are checked in order and the first match wins; a request no rule matches is not audited.
 * `kind` and `apiVersion` may be left out of a policy built in code.
 *
 * Decode untrusted input with `decodePolicy` (or `loadPolicy` for a file): it also applies the
 * apiserver's validation and reports every offending path.
 *
 * ## Example
 * ```ts
 * import type { Policy } from 'rx-audit';
 *
 * const policy: Policy = {
 *   rules: [
 *     { level: 'None', nonResourceURLs: ['/healthz*'] },
 *     { level: 'RequestResponse', verbs: ['create', 'update', 'patch', 'delete'] },
 *     { level: 'Metadata' },
 *   ],
 * };
 * ```
 */
export const Policy = t.intersection(
  [
    t.type({ rules: list(PolicyRule) }),
    t.partial({
      kind: t.literal('Policy'),
      apiVersion: PolicyApiVersion,
      metadata: t.union([t.UnknownRecord, t.null]),
      omitStages: list(Stage),
      omitManagedFields: scalar(t.boolean),
    }),
  ],
  'Policy',
);
export type Policy = t.TypeOf<typeof Policy>;
