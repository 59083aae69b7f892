import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{apps,libs,test,scripts}/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share 2 cores with PostgreSQL, MariaDB and Redis.
    maxWorkers: 2,
  },
});
