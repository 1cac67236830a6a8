import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts', 'examples/**/*.spec.ts'],
    // dist/ is built once here: CLI, package and example specs run the built code.
    globalSetup: ['spec/setup/buildDist.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
