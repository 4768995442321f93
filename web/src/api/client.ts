// The one HTTP client of the studio: bearer tokens, a single-flight token refresh (one per
// browser, via the Web Locks API, because a refresh token is spent once and a reused one
// revokes the session), and problem+json answers turned into ApiError with the error code.

export interface Tokens {
  access: string
  refresh: string
  /** epoch milliseconds */
  expiresAt: number
}

export interface TokenStore {
  read(): Tokens | null
  write(tokens: Tokens | null): void
}

export interface FieldProblem {
  field: string
  message: string
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly retryable: boolean
  readonly fields: FieldProblem[]
  readonly traceId: string | null

  constructor(status: number, code: string, detail: string, extra: Partial<ApiError> = {}) {
    super(detail)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.retryable = extra.retryable ?? false
    this.fields = extra.fields ?? []
    this.traceId = extra.traceId ?? null
  }

  /** The message for one input field (e.g. "text"), matched on the last path segment. */
  fieldMessage(field: string): string | null {
    const hit = this.fields.find((f) => f.field === field || f.field.endsWith(`.${field}`))
    return hit ? hit.message : null
  }
}

export interface RequestOptions {
  json?: unknown
  form?: FormData
  headers?: Record<string, string>
  signal?: AbortSignal
  /** false for the auth endpoints themselves */
  auth?: boolean
}

export interface TokenPairWire {
  access_token: string
  refresh_token: string
  expires_in: number
}

export function tokensOf(pair: TokenPairWire, now = Date.now()): Tokens {
  return { access: pair.access_token, refresh: pair.refresh_token, expiresAt: now + pair.expires_in * 1000 }
}

export async function problemOf(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {}
  try {
    body = (await response.json()) as Record<string, unknown>
  } catch {
    // not JSON (a proxy's HTML page, a dropped body): keep the status
  }
  const code = typeof body.code === 'string' ? body.code : `http_${response.status}`
  const detail = typeof body.detail === 'string' ? body.detail : response.statusText || 'request failed'
  return new ApiError(response.status, code, detail, {
    retryable: body.retryable === true,
    fields: Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : [],
    traceId: typeof body.trace_id === 'string' ? body.trace_id : response.headers.get('x-trace-id'),
  })
}

export interface ClientOptions {
  tokens: TokenStore
  onSignedOut: () => void
  baseUrl?: string
  fetch?: typeof fetch
}

const REFRESH_LOCK = 'nexus-token-refresh'
// Refresh this long before expiry, so a request never leaves with a token about to lapse.
const EARLY_MS = 30_000

export class ApiClient {
  private readonly opts: ClientOptions
  private refreshing: Promise<Tokens | null> | null = null

  constructor(opts: ClientOptions) {
    this.opts = opts
  }

  get baseUrl(): string {
    return this.opts.baseUrl ?? ''
  }

  private get fetcher(): typeof fetch {
    return this.opts.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** A valid access token, refreshed first when it is about to expire (null: signed out). */
  async accessToken(): Promise<string | null> {
    const tokens = this.opts.tokens.read()
    if (!tokens) return null
    if (tokens.expiresAt - Date.now() > EARLY_MS) return tokens.access
    const fresh = await this.refresh(tokens.refresh)
    return fresh ? fresh.access : null
  }

  /** Rotate the refresh token once, however many requests (and tabs) ask at the same time. */
  refresh(spent: string): Promise<Tokens | null> {
    this.refreshing ??= this.withLock(() => this.rotate(spent)).finally(() => {
      this.refreshing = null
    })
    return this.refreshing
  }

  private async withLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
    return locks ? locks.request(REFRESH_LOCK, work) : work()
  }

  private async rotate(spent: string): Promise<Tokens | null> {
    const current = this.opts.tokens.read()
    // Another tab rotated while this one waited for the lock: use its tokens.
    if (current && current.refresh !== spent) return current
    if (!current) return null
    const response = await this.fetcher(`${this.baseUrl}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: current.refresh }),
    })
    if (!response.ok) {
      this.opts.tokens.write(null)
      this.opts.onSignedOut()
      return null
    }
    const tokens = tokensOf((await response.json()) as TokenPairWire)
    this.opts.tokens.write(tokens)
    return tokens
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options)
    if (response.status === 204) return undefined as T
    return (await response.json()) as T
  }

  /** The raw response of an authenticated request (streams use it); throws ApiError. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const useAuth = options.auth !== false
    let response = await this.once(method, path, options, useAuth ? await this.accessToken() : null)
    if (response.status === 401 && useAuth) {
      const tokens = this.opts.tokens.read()
      const fresh = tokens ? await this.refresh(tokens.refresh) : null
      // a failed refresh has already cleared the tokens and told the listeners
      if (fresh) response = await this.once(method, path, options, fresh.access)
    }
    if (!response.ok) throw await problemOf(response)
    return response
  }

  private once(method: string, path: string, options: RequestOptions, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
    if (token) headers.authorization = `Bearer ${token}`
    let body: BodyInit | undefined
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    } else if (options.form) {
      body = options.form
    }
    const init: RequestInit = { method, headers }
    if (body !== undefined) init.body = body
    if (options.signal) init.signal = options.signal
    return this.fetcher(`${this.baseUrl}${path}`, init)
  }
}
