import { describe, expect, it } from 'vitest';
import { GROUP_VERSIONS, assertGroupVersion, isGroupVersion } from '../../src/events/GroupVersion.js';

describe('GROUP_VERSIONS', () => {
  it('lists the three audit.k8s.io versions, newest first', () => {
    expect(GROUP_VERSIONS).toEqual(['audit.k8s.io/v1', 'audit.k8s.io/v1beta1', 'audit.k8s.io/v1alpha1']);
  });

  it('isGroupVersion accepts exactly those', () => {
    expect(GROUP_VERSIONS.every((gv) => isGroupVersion(gv))).toBe(true);
    for (const other of ['v1', 'audit.k8s.io/v2', 'AUDIT.K8S.IO/V1', '', null, undefined, 1]) {
      expect(isGroupVersion(other)).toBe(false);
    }
  });

  it('assertGroupVersion names the versions, the field and the bad value', () => {
    expect(() => assertGroupVersion('audit.k8s.io/v1beta1')).not.toThrow();
    expect(() => assertGroupVersion('x')).toThrow(
      new TypeError(
        'groupVersion must be one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got "x"',
      ),
    );
    expect(() => assertGroupVersion(undefined, 'options.groupVersion')).toThrow(
      'options.groupVersion must be one of audit.k8s.io/v1|audit.k8s.io/v1beta1|audit.k8s.io/v1alpha1, got nothing',
    );
    expect(() => assertGroupVersion({ v: 1 })).toThrow(/, got an object$/);
  });
});
