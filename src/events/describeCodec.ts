// Not public: the one way a message says what a codec expects.
import type * as t from 'io-ts';

/** A codec that says in words what it expects (`an RFC 3339 timestamp`); {@link describeCodec} prefers it. */
export interface Described {
  readonly description: string;
}

type Tagged = t.Decoder<unknown, unknown> & {
  _tag?: string;
  keys?: Record<string, unknown>;
  value?: unknown;
  types?: readonly t.Decoder<unknown, unknown>[];
};

/**
 * What a codec expects, in words, for error messages: `a string`, `an object`, `an array`,
 * `one of RequestReceived|ResponseStarted|…`, `"Policy"`, `a string or null`. A codec with a
 * {@link Described} `description` says its own; an unknown one falls back to its io-ts name.
 *
 * @param codec The codec that rejected a value.
 * @returns The words after `expected`.
 */
export function describeCodec(codec: t.Decoder<unknown, unknown>): string {
  const described = (codec as Partial<Described>).description;
  if (typeof described === 'string') return described;
  const tagged = codec as Tagged;
  switch (tagged._tag) {
    case 'KeyofType':
      return `one of ${Object.keys(tagged.keys ?? {}).join('|')}`;
    case 'LiteralType':
      return JSON.stringify(tagged.value);
    case 'StringType':
      return 'a string';
    case 'NumberType':
      return 'a number';
    case 'BooleanType':
      return 'a boolean';
    case 'NullType':
      return 'null';
    case 'UndefinedType':
    case 'VoidType':
      return 'nothing';
    case 'ArrayType':
    case 'ReadonlyArrayType':
    case 'UnknownArrayType':
    case 'AnyArrayType':
      return 'an array';
    case 'InterfaceType':
    case 'PartialType':
    case 'StrictType':
    case 'ExactType':
    case 'IntersectionType':
    case 'UnknownRecordType':
    case 'DictionaryType':
    case 'AnyDictionaryType':
      return 'an object';
    case 'UnionType':
      return [...new Set((tagged.types ?? []).map(describeCodec))].join(' or ');
    default:
      return codec.name;
  }
}
