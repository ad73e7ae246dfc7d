// @ts-check
/**
 * typescript-eslint's recommended type-aware rules over everything we write in TypeScript.
 * Formatting is Prettier's (npm test runs both); the additions below are argued for in CONTRIBUTING.md.
 */
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'build/',
      'cdktf.out/',
      'coverage/',
      'flavors/',
      '**/*.js',
      '**/*.mjs',
      '**/*.d.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Prettier wraps code at 120 but leaves comments and strings alone: comments are wrapped by hand, and a
      // message stays on one line so that grep finds it.
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true },
      ],
      // Control characters are what our escaping and hostile-input checks look for (terminal output, headers, logs).
      'no-control-regex': 'off',
      // `const { dropped: _dropped, ...rest } = x` is how a key is left out; a leading underscore says "unused on
      // purpose".
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests read synthesized stacks and recorded requests as JSON (`any`) and let jest's matchers check
    // their shape; typing each of them would restate the assertions. Shipped code keeps every rule.
    files: ['__tests__/**/*.ts', 'consumer/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test doubles implement async interfaces with canned answers.
      '@typescript-eslint/require-await': 'off',
      // Plain-JS tools (tools/*.js) and modules loaded fresh inside a test are required where they are used.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
