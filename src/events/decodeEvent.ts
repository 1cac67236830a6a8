import { AuditDecodeError } from './AuditDecodeError.js';
import type { AuditEvent } from './Event.js';
import { decodeItem } from './decodeItem.js';
import { ProblemList } from './ProblemList.js';
import { DEFAULT_GROUP_VERSION } from './GroupVersion.js';

/**
 * Decodes one audit event of any supported version (`audit.k8s.io/v1`, `v1beta1`, `v1alpha1`; no
 * `apiVersion` means v1) into the `audit.k8s.io/v1` model. Older versions are converted as the apiserver
 * converts them; extra fields are kept; `kind`/`apiVersion` are dropped (the encoders add them back).
 * Only `level`, `auditID`, `stage`, `requestURI` and `verb` are required; types and the `level`/`stage`
 * enums are strict. The result shares nested objects with `input` (nothing is deep-copied).
 *
 * ## Example
 * ```ts
 * import { decodeEvent } from 'rx-audit';
 *
 * const event = decodeEvent(JSON.parse(line)); // one line of an apiserver audit log
 * console.log(event.auditID, event.verb, event.requestReceivedTimestamp);
 * ```
 *
 * @param input Parsed JSON (`JSON.parse` output) — anything.
 * @returns The event as `audit.k8s.io/v1`.
 * @throws {AuditDecodeError} listing the offending paths (the first `MAX_REPORTED_PROBLEMS`, then a count), e.g.
 * `stage: expected one of RequestReceived|ResponseStarted|ResponseComplete|Panic, got "Halfway"`.
 */
export function decodeEvent(input: unknown): AuditEvent {
  const errors = new ProblemList();
  const event = decodeItem(input, '', DEFAULT_GROUP_VERSION, errors);
  if (event === undefined) throw new AuditDecodeError('audit event', errors.lines, errors.omitted);
  return event;
}
