import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real containers as root; run files one at a time so that
    // host-wide leak checks (mounts, cgroups) see only their own objects.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts'],
    // In every test file's worker: Node's require() of src/'s .ts files (src/ loads modules at
    // their first use, with require() inside functions; vitest transforms only imports).
    setupFiles: ['test/helpers/ts-require.ts'],
  },
});
