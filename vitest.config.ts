import { defineConfig } from 'vitest/config';

/**
 * Four projects, so a change can be checked at the right depth: `npx vitest --project unit`
 * (pure functions, seconds), `passes` (one pass at a time on small graphs), `models` (real
 * exported models against onnxruntime) and `cli` (the built command as a user runs it).
 * `npm test` runs them all.
 *
 * CIMC_VERIFY_EACH=1 makes every pipeline a test runs (runPasses, runModel, compile, and the CLI
 * the tests spawn, which inherits the environment) check each pass's contract: input left as it
 * was, output valid, `changed: false` true (compiler/pass-manager/verify-each.ts). A test that
 * must see the unchecked path passes `verifyEach: false`.
 */
const project = (name: string, timeoutMs: number) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], testTimeout: timeoutMs, hookTimeout: timeoutMs },
});

export default defineConfig({
  test: {
    pool: 'forks',
    env: { CIMC_VERIFY_EACH: '1' },
    projects: [project('unit', 30_000), project('passes', 30_000), project('models', 180_000), project('cli', 120_000)],
  },
});
