import { test } from '@japa/runner'
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/*
| `npm start` is the install story (README quick start) and the Docker
| image's command. This boots it for real on an empty storage folder: the
| embedded PostgreSQL is initialised, migrations run, the first administrator
| comes from CHASQUI_ADMIN_*, /health answers, and SIGTERM stops the cluster.
*/
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited early with ${child.exitCode}`)
    try {
      const response = await fetch(url)
      if (response.ok) return (await response.json()) as { status: string }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error('npm start did not become healthy in time')
}

test.group('npm start', () => {
  test('boots on an empty storage folder with an embedded PostgreSQL and stops cleanly', async ({
    assert,
  }) => {
    const storage = mkdtempSync(join(tmpdir(), 'chasqui-start-'))
    chmodSync(storage, 0o755) // the embedded cluster runs as the postgres user when we are root
    const [port, pgPort] = [await freePort(), await freePort()]
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const key of [
      'DATABASE_URL',
      'TEST_DATABASE_URL',
      'EMBEDDED_PG_DIR',
      'EMBEDDED_PG_PASSWORD',
      'EMBEDDED_PG_EPHEMERAL',
      'APP_KEY',
      'NODE_ENV',
      'SESSION_DRIVER',
    ]) {
      delete env[key]
    }
    Object.assign(env, {
      CHASQUI_STORAGE_PATH: storage,
      PORT: String(port),
      HOST: '127.0.0.1',
      EMBEDDED_PG_PORT: String(pgPort),
      CHASQUI_ADMIN_EMAIL: 'root@example.com',
      CHASQUI_ADMIN_PASSWORD: 'docker-secret-1',
      LOG_LEVEL: 'warn',
    })

    const child = spawn('npm', ['start'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout!.on('data', (chunk) => (output += chunk))
    child.stderr!.on('data', (chunk) => (output += chunk))
    try {
      const health = await waitForHealth(`http://127.0.0.1:${port}/health`, child, 90_000)
      assert.equal(health.status, 'ok')
      assert.isTrue(
        existsSync(join(storage, 'postgres', 'PG_VERSION')),
        'cluster files in storage/postgres'
      )

      // The administrator from CHASQUI_ADMIN_* exists, so setup is closed.
      const home = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })
      assert.equal(home.headers.get('location'), '/login')

      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code))
      )
      process.kill(-child.pid!, 'SIGTERM')
      const code = await exited
      assert.isTrue(code === 0 || code === null, `exit code ${code}`)
      // Give the postmaster a moment to remove its pid file after a fast shutdown.
      for (let i = 0; i < 40 && existsSync(join(storage, 'postgres', 'postmaster.pid')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      assert.isFalse(
        existsSync(join(storage, 'postgres', 'postmaster.pid')),
        'embedded cluster stopped'
      )
    } catch (error) {
      console.error(output)
      throw error
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
      rmSync(storage, { recursive: true, force: true })
    }
  }).timeout(120_000)
})
