// @vitest-environment node
// The API client against a real `nexus serve`: problem+json errors, one refresh for many
// concurrent requests, retry after a 401, and signing out when the session is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type Server } from '../../e2e/harness.mjs'
import { ApiClient, ApiError, tokensOf, type TokenPairWire, type Tokens } from './client'
import { endpoints } from './endpoints'

let server: Server
let pair: TokenPairWire

function memoryTokens(initial: Tokens | null) {
  let value = initial
  return { read: () => value, write: (t: Tokens | null) => (value = t) }
}

function client(tokens: ReturnType<typeof memoryTokens>) {
  const calls = { refresh: 0, signedOut: 0 }
  const c = new ApiClient({
    baseUrl: server.url,
    tokens,
    onSignedOut: () => calls.signedOut++,
    fetch: (input, init) => {
      if (String(input).endsWith('/auth/refresh')) calls.refresh++
      return fetch(input, init)
    },
  })
  return { c, api: endpoints(c), calls }
}

beforeAll(async () => {
  server = await startServer()
  const r = await fetch(`${server.url}/api/v1/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'unit@studio.example', password: 'unit test passphrase' }),
  })
  pair = (await r.json()) as TokenPairWire
}, 150_000)

afterAll(async () => {
  await server?.stop()
})

describe('ApiClient against nexus serve', () => {
  it('turns problem+json into ApiError with the code and the fields', async () => {
    const { api } = client(memoryTokens(tokensOf(pair)))
    const error = await api.createProject({ name: 'x', settings: { resolution: '4k' as '720p' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('validation_failed')
    expect((error as ApiError).status).toBe(422)
    expect((error as ApiError).fieldMessage('resolution')).toMatch(/480p/)
    expect((error as ApiError).traceId).toMatch(/^[0-9a-f]{32}$/)
  })

  it('refreshes an expiring token once for many concurrent requests', async () => {
    const login = (await (await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'unit@studio.example', password: 'unit test passphrase' }),
    })).json()) as TokenPairWire
    const tokens = memoryTokens({ ...tokensOf(login), expiresAt: Date.now() })
    const { api, calls } = client(tokens)
    const answers = await Promise.all([api.readMe(), api.listProjects(), api.readMe(), api.listKeys(), api.readMe()])
    expect(answers[0].email).toBe('unit@studio.example')
    expect(calls.refresh).toBe(1)
    expect(tokens.read()?.refresh).not.toBe(login.refresh_token)
    expect(calls.signedOut).toBe(0)
  })

  it('retries once with a fresh token when the server answers 401', async () => {
    const login = (await (await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'unit@studio.example', password: 'unit test passphrase' }),
    })).json()) as TokenPairWire
    const tokens = memoryTokens({ ...tokensOf(login), access: 'not-a-valid-token' })
    const { api, calls } = client(tokens)
    expect((await api.readMe()).role).toBe('admin')
    expect(calls.refresh).toBe(1)
  })

  it('signs out when the session was revoked', async () => {
    const login = (await (await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'unit@studio.example', password: 'unit test passphrase' }),
    })).json()) as TokenPairWire
    const tokens = memoryTokens({ ...tokensOf(login), access: 'not-a-valid-token' })
    const { api, calls } = client(tokens)
    await api.logout(login.refresh_token)
    const error = await api.readMe().catch((e: unknown) => e)
    expect((error as ApiError).code).toBe('unauthenticated')
    expect(tokens.read()).toBeNull()
    expect(calls.signedOut).toBe(1)
  })
})
