import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share 2 cores with PostgreSQL, MariaDB, Redis and Podman.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'libs', include: ['{apps,libs,scripts}/**/*.test.ts'], sequence: { groupOrder: 0 } },
      },
      {
        // The end-to-end suites start fleets of processes: run after the rest, so the timing checks of
        // the engine suites ("stops within a second of the limit") do not share the cores with them.
        extends: true,
        // The chaos scripts (test/chaos) take minutes and want the machine alone: `npm run chaos`.
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/chaos/**'],
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
