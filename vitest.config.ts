// Three test projects: server (unit + API, node), miniprogram (jsdom, miniprogram-simulate), e2e (browser + full flows).
// Vitest's default is one worker on a 2-core machine. The unit and API files spend most of their time waiting on
// sockets (a server, the sandbox) or starting a worker, so two at a time there took 230 s instead of 364 s;
// the e2e files start several processes and a browser each, and some measure timing (the refund rate, the
// crash tests), so they keep one at a time. Projects with different worker counts run as separate groups, in
// this order.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: ['test/unit/**/*.test.ts', 'test/api/**/*.test.ts'],
          environment: 'node',
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'miniprogram',
          include: ['test/miniprogram/**/*.test.ts'],
          environment: 'jsdom',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
