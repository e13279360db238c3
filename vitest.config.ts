import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Hosts are shared real sshd processes; files run in parallel on 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
