// ESLint (flat config) for the extension's TypeScript, its tests and the JavaScript of the e2e suite and the build.
// `npm run lint`; scripts/test-all.sh runs it as a suite, so a lint error fails CI. Warnings are errors too (--max-warnings 0).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', '**/node_modules/**', '.artifacts/**', 'extension/bin/**', '**/bin/**', '**/obj/**',
      'tests/e2e/.cache/**', 'tests/e2e/artifacts/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: {
      // Unused parameters are part of an interface (callbacks, mocks); tsconfig's noUnusedLocals covers real leftovers.
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['tests/e2e/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node, ...globals.mocha } },
  },
  {
    // The JSON-RPC contract mirrors vscode-languageserver's style: one namespace per method (`XRequest.type`).
    files: ['extension/src/sidecar/protocol.ts'],
    rules: { '@typescript-eslint/no-namespace': 'off' },
  },
  {
    // The extension tests install a mock `vscode` module first and only then load the extension with require().
    files: ['tests/extension/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['tests/e2e/**/*.{js,mjs}', 'build/**/*.mjs', 'bench/**/*.mjs'],
    rules: {
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
      // Best-effort clean-up (killing a process group that may be gone) deliberately ignores its errors.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    // Functions passed to Playwright's page.evaluate run in the browser.
    files: ['tests/e2e/harness/ui.mjs', 'tests/e2e/harness/browser.mjs', 'tests/e2e/ui/**/*.mjs', 'tests/e2e/trust/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha, ...globals.browser } },
  },
);
