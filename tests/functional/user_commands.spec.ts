import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import type { Kernel } from '@adonisjs/core/ace'
import User from '#models/user'
import Organization from '#models/organization'
import { createUser, resetDatabase } from '#tests/helpers/fixtures'
import { auditEntries } from '#tests/helpers/roles'

/** Runs an ace command in-process and returns its exit code and what it printed. */
async function runAce(name: string, argv: string[]) {
  const ace: Kernel = await app.container.make('ace')
  ace.ui.switchMode('raw')
  const command = await ace.exec(name, argv)
  const output = command.logger
    .getLogs()
    .map((log) => log.message)
    .join('\n')
  command.logger.flushLogs()
  return { exitCode: command.exitCode, output }
}

async function userCount() {
  return Number((await db.from('users').count('* as total'))[0].total)
}

test.group('ace user:create', (group) => {
  group.each.setup(() => resetDatabase())

  test('creates a user with a role; audited with no actor; the organization is created if missing', async ({
    assert,
  }) => {
    const { exitCode, output } = await runAce('user:create', [
      '--email=Ana@Example.com',
      '--name=Ana Torres',
      '--role=admin',
      '--password=secret-pass',
    ])
    assert.equal(exitCode, 0)
    assert.include(output, 'Usuario Ana Torres creado.')
    const user = await User.query().where('email', 'ana@example.com').preload('role').firstOrFail()
    assert.equal(user.role.key, 'admin')
    assert.equal(user.locale, 'es')
    await User.verifyCredentials('ana@example.com', 'secret-pass')
    assert.exists(await Organization.current())
    const [audit] = await auditEntries('user.created')
    assert.isNull(audit.actor_id)
    assert.equal(audit.after.password, '[redacted]')
  })

  test('refuses a duplicate email in any case with a clear message and exit code 1', async ({
    assert,
  }) => {
    await createUser('agent', { email: 'ana@example.com' })
    const { exitCode, output } = await runAce('user:create', [
      '--email=ANA@example.com',
      '--name=Ana Torres',
      '--role=agent',
      '--password=secret-pass',
    ])
    assert.equal(exitCode, 1)
    assert.include(output, 'Ya existe un usuario con ese correo.')
    assert.equal(await userCount(), 1)
  })

  test('bad input is refused field by field, translated, and nothing is saved', async ({
    assert,
  }) => {
    const { exitCode, output } = await runAce('user:create', [
      '--email=not-an-email',
      '--name=A',
      '--role=agent',
      '--password=short',
    ])
    assert.equal(exitCode, 1)
    assert.include(output, '--email: Escribe un correo electrónico válido.')
    assert.include(output, '--name: El campo nombre completo debe tener al menos 2 caracteres.')
    assert.include(output, '--password: El campo contraseña debe tener al menos 8 caracteres.')
    assert.equal(await userCount(), 0)
  })

  test('an unknown role fails with exit code 1; a missing flag is refused', async ({ assert }) => {
    const unknown = await runAce('user:create', [
      '--email=ana@example.com',
      '--name=Ana Torres',
      '--role=jefe',
      '--password=secret-pass',
    ])
    assert.equal(unknown.exitCode, 1)
    assert.include(unknown.output, 'El rol elegido no existe.')

    // In-process the kernel throws; on the command line it prints this and exits with 1.
    await assert.rejects(
      () => runAce('user:create', ['--email=ana@example.com', '--name=Ana Torres']),
      /Missing required option "role"/
    )
    assert.equal(await userCount(), 0)
  })
})

test.group('ace user:reset-password', (group) => {
  group.each.setup(() => resetDatabase())

  test('sets a new password found by email (any case) and audits it', async ({ assert }) => {
    const admin = await createUser('admin', { email: 'ana@example.com' })
    const { exitCode, output } = await runAce('user:reset-password', [
      '--email=ANA@example.com',
      '--password=brand-new-9',
    ])
    assert.equal(exitCode, 0)
    assert.include(output, 'fue restablecida')
    await User.verifyCredentials(admin.email, 'brand-new-9')
    const [audit] = await auditEntries('user.password_reset')
    assert.equal(audit.subject_id, String(admin.id))
    assert.isNull(audit.actor_id)
  })

  test('an unknown email or a short password fails with exit code 1 and changes nothing', async ({
    assert,
  }) => {
    const admin = await createUser('admin', { email: 'ana@example.com' })
    const unknown = await runAce('user:reset-password', [
      '--email=nadie@example.com',
      '--password=brand-new-9',
    ])
    assert.equal(unknown.exitCode, 1)
    assert.include(unknown.output, 'El usuario no existe.')

    const short = await runAce('user:reset-password', [
      '--email=ana@example.com',
      '--password=short',
    ])
    assert.equal(short.exitCode, 1)
    assert.include(
      short.output,
      '--password: El campo contraseña debe tener al menos 8 caracteres.'
    )
    await User.verifyCredentials(admin.email, 'secret-pass')
  })
})
