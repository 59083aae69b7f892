import { defineConfig } from 'vitest/config';

// `npm run chaos`: the longer fault scripts (servers restarted, workers killed, Redis failed over at exam
// size). Each one prints and records its figures; docs/reliability.md carries them. Not part of `npm test`:
// they take minutes and want the machine to themselves.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
