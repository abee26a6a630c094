import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Packages point at their compiled dist/ (what npm users get); tests run the sources, mapped through
// the same tsconfig paths Nx and swc use in this repository.
const { compilerOptions } = JSON.parse(readFileSync(resolve(__dirname, 'tsconfig.base.json'), 'utf8')) as {
  compilerOptions: { paths: Record<string, string[]> };
};
const alias = Object.entries(compilerOptions.paths).map(([name, [target]]) => ({
  find: new RegExp(`^${name.replace(/[/]/g, '\\/')}$`),
  replacement: resolve(__dirname, target),
}));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['libs/**/*.spec.ts', 'tools/**/*.spec.ts', 'apps/**/*.spec.ts', 'e2e/**/*.spec.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', 'tmp/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['tools/dev/test-tmpdir.ts'],
  },
});
