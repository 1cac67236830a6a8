// Loads the built library (dist/esm) and says whether the parts a benchmark needs are there yet.
export async function loadLibrary() {
  try {
    return await import('../../dist/esm/index.js');
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
