// Shared by the Playwright flows and bench/web: a real `nexus serve` on a free port with its
// own data dir, and Debian's Chromium driven by playwright-core (never a browser download).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

export { chromium }

export const REPO = resolve(import.meta.dirname, '..', '..')
export const CHROMIUM = process.env.NEXUS_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
]

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolvePort(port))
    })
  })
}

function serverEnv(dataDir, extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NEXUS_')))
  return { ...env, NEXUS_ENV: 'development', NEXUS_DATA_DIR: dataDir, NEXUS_GATEWAY__RATE_LIMIT_PER_MINUTE: '100000', ...extra }
}

/** Start `nexus serve` and wait for /healthz; returns { url, dataDir, stop, cli }. */
export async function startServer(extra = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'nexus-web-'))
  const port = await freePort()
  const env = serverEnv(dataDir, extra)
  const log = openSync(join(dataDir, 'server.log'), 'w')
  const proc = spawn('uv', ['run', '--frozen', 'nexus', 'serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: REPO, env, stdio: ['ignore', log, log],
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 120_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nexus serve exited: ${readFileSync(join(dataDir, 'server.log'), 'utf8')}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('nexus serve did not start in 120 s')
    await new Promise((r) => setTimeout(r, 250))
  }
  const cli = (args, input) => {
    const r = spawnSync('uv', ['run', '--frozen', 'nexus', ...args], { cwd: REPO, env, input, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`nexus ${args.join(' ')} failed: ${r.stderr}`)
    return r.stdout
  }
  const stop = async () => {
    proc.kill('SIGTERM')
    await new Promise((r) => {
      const timer = setTimeout(() => { proc.kill('SIGKILL'); r() }, 15_000)
      proc.once('exit', () => { clearTimeout(timer); r() })
    })
    if (!process.env.NEXUS_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true })
  }
  return { url, dataDir, stop, cli }
}

/** A fresh Chromium profile per call (a persistent context owns its --user-data-dir). */
export async function launchBrowser(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'nexus-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
    locale: 'en-US',
    ...options,
  })
  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
