import { describe, expect, it } from 'vitest';
import { parseRequestInfo } from '../../src/express/parseRequestInfo.js';

describe('parseRequestInfo', () => {
  it.each([
    ['GET', '/api/v1/namespaces/default/pods/busybox', 'get', '', 'v1', 'default', 'pods', '', 'busybox'],
    [
      'GET',
      '/api/v1/namespaces/default/pods/busybox/log',
      'get',
      '',
      'v1',
      'default',
      'pods',
      'log',
      'busybox',
    ],
    ['GET', '/api/v1/pods', 'list', '', 'v1', '', 'pods', '', ''],
    ['GET', '/api/v1/namespaces', 'list', '', 'v1', '', 'namespaces', '', ''],
    [
      'GET',
      '/api/v1/namespaces/kube-system',
      'get',
      '',
      'v1',
      'kube-system',
      'namespaces',
      '',
      'kube-system',
    ],
    ['PUT', '/api/v1/namespaces/ns/status', 'update', '', 'v1', 'ns', 'namespaces', 'status', 'ns'],
    ['GET', '/api/v1/watch/namespaces/ns/pods', 'watch', '', 'v1', 'ns', 'pods', '', ''],
    [
      'GET',
      '/apis/apps/v1/namespaces/web/deployments?watch=1',
      'watch',
      'apps',
      'v1',
      'web',
      'deployments',
      '',
      '',
    ],
    [
      'GET',
      '/apis/apps/v1/namespaces/web/deployments?watch=false',
      'list',
      'apps',
      'v1',
      'web',
      'deployments',
      '',
      '',
    ],
    [
      'GET',
      '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb-0',
      'list',
      '',
      'v1',
      'ns',
      'pods',
      '',
      'web-0',
    ],
    [
      'POST',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      'create',
      'rbac.authorization.k8s.io',
      'v1',
      '',
      'clusterroles',
      '',
      '',
    ],
    ['DELETE', '/apis/batch/v1/namespaces/ns/jobs', 'deletecollection', 'batch', 'v1', 'ns', 'jobs', '', ''],
    [
      'DELETE',
      '/apis/batch/v1/namespaces/ns/jobs/nightly',
      'delete',
      'batch',
      'v1',
      'ns',
      'jobs',
      '',
      'nightly',
    ],
    [
      'GET',
      '/api/v1/namespaces/ns/pods/web-0/proxy/metrics',
      'get',
      '',
      'v1',
      'ns',
      'pods',
      'proxy',
      'web-0',
    ],
    ['GET', '/api/v1/proxy/namespaces/ns/pods/web-0/metrics', 'proxy', '', 'v1', 'ns', 'pods', '', 'web-0'],
  ])('%s %s is %s', (method, url, verb, apiGroup, apiVersion, namespace, resource, subresource, name) => {
    expect(parseRequestInfo(method, url)).toMatchObject({
      resourceRequest: true,
      verb,
      apiGroup,
      apiVersion,
      namespace,
      resource,
      subresource,
      name,
    });
  });

  it.each([
    ['GET', '/healthz', 'get'],
    ['GET', '/api', 'get'],
    ['GET', '/api/v1', 'get'],
    ['GET', '/apis/apps/v1', 'get'],
    ['POST', '/orders/7?x=1', 'post'],
    ['DELETE', '/', 'delete'],
  ])('%s %s is a non-resource request with verb %s', (method, url, verb) => {
    expect(parseRequestInfo(method, url)).toMatchObject({
      resourceRequest: false,
      verb,
      path: url.split('?')[0],
      resource: '',
    });
  });
  it('reads the path as the apiserver does: percent-decoded, dot segments kept; never throws', () => {
    expect(parseRequestInfo('GET', '/admin/../healthz').path).toBe('/admin/../healthz');
    expect(parseRequestInfo('GET', '/admin/%2e%2e/healthz?x=1').path).toBe('/admin/../healthz');
    expect(parseRequestInfo('GET', '/a%20b\\c').path).toBe('/a b\\c');
    expect(parseRequestInfo('GET', '/bad%zz').path).toBe('/bad%zz'); // a malformed escape: as sent
    for (const target of ['//[', '//a@/x', '/%', '']) {
      expect(() => parseRequestInfo('GET', target)).not.toThrow();
    }
    expect(parseRequestInfo('GET', '//[')).toMatchObject({
      resourceRequest: false,
      verb: 'get',
      path: '//[',
    });
    // The absolute form names the path after the authority.
    expect(parseRequestInfo('GET', 'http://example.com/api/v1/pods?watch=1')).toMatchObject({
      resourceRequest: true,
      verb: 'watch',
      resource: 'pods',
      path: '/api/v1/pods',
    });
  });
});
