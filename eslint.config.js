import { configApp } from '@adonisjs/eslint-config'

export default configApp(
  { ignores: ['build/**', 'storage/**', '.adonisjs/**', 'node_modules/**', 'public/**'] },
  {
    rules: {
      // `(await query).rows` is idiomatic with Lucid/pg and reads clearly.
      '@unicorn/no-await-expression-member': 'off',
    },
  }
)
