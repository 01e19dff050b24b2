// ESLint flat config: typescript-eslint's recommended rules for all TypeScript, Vue's
// recommended rules for the renderer; formatting is Prettier's job (npm run format:check).
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      '*.config.ts.*.mjs',
      'screenshots/**',
      'docs/screenshots/**',
      'node_modules/**',
      'native/usocket/build/**',
      'test-results/**',
      '.cache/**',
      'screenshots/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] }, globals: globals.browser }
  },
  {
    files: [
      'src/main/**',
      'src/backend/**',
      'src/cli/**',
      'src/web/**',
      'src/root-helper/**',
      'scripts/**',
      'test/**',
      'bin/**',
      'native/**',
      '*.js',
      '*.mjs',
      '*.ts'
    ],
    languageOptions: { globals: { ...globals.node } }
  },
  {
    files: ['src/renderer/**', 'src/preload/**'],
    languageOptions: { globals: { ...globals.browser } }
  },
  {
    // The renderer's first chunk must stay free of zod: values come from the zod-free modules
    // (contract/errors, contract/verification, ...), only types from the contract barrel.
    files: ['src/renderer/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)shared/contract$',
              allowTypeImports: true,
              message: 'Import values from a zod-free module (shared/contract/errors, /verification, ...); only types from the barrel.'
            }
          ]
        }
      ]
    }
  },
  {
    // vite's own convention for ambient types.
    files: ['src/renderer/src/env.d.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': 'off' }
  },
  {
    // CommonJS on purpose: dbus-next require()s the usocket interface, and a CommonJS entry (bin/) starts without Node's ES module loader.
    files: ['native/**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    rules: {
      // Validators reject control characters on purpose (names, values from hostile input).
      'no-control-regex': 'off',
      // Unused bindings are errors, except deliberate `_`-prefixed ones.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Formatting rules that would fight Prettier.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off'
    }
  }
)
