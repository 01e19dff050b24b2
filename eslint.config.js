// ESLint flat config: typescript-eslint's recommended rules for all TypeScript, Vue's
// recommended rules for the renderer; formatting is Prettier's job (npm run format:check).
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'native/usocket/build/**', 'test-results/**', '.cache/**', 'screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] }, globals: globals.browser }
  },
  {
    files: ['src/main/**', 'src/backend/**', 'src/cli/**', 'src/web/**', 'src/root-helper/**', 'scripts/**', 'test/**', 'bin/**', 'native/**', '*.js', '*.mjs', '*.ts'],
    languageOptions: { globals: { ...globals.node } }
  },
  {
    files: ['src/renderer/**', 'src/preload/**'],
    languageOptions: { globals: { ...globals.browser } }
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
