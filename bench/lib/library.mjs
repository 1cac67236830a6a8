// Loads the built library (dist/esm) and says whether the parts a benchmark needs are there yet.
// RX_AUDIT_BENCH_LIB=/path/to/other/dist/esm/index.js benchmarks another build (say, a candidate fix).
import { pathToFileURL } from 'node:url';

export async function loadLibrary() {
  try {
    const other = process.env.RX_AUDIT_BENCH_LIB;
    return await import(other ? pathToFileURL(other).href : '../../dist/esm/index.js');
  } catch (error) {
    return { loadError: error instanceof Error ? error.message : String(error) };
  }
}

/** Why rx-audit cannot be benchmarked yet, or `null` when it can. */
export function missingLibrary(lib) {
  if (lib.loadError) return `dist/esm/index.js did not load: ${lib.loadError}`;
  if (typeof lib.createWebhookBackend !== 'function') return 'createWebhookBackend is not exported yet';
  return null;
}
