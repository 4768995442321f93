// The studio's API instance: one client (tokens in localStorage, so a reload or a second tab
// stays signed in) and its typed endpoints. Stores import `api` from here.
import { ApiClient, type TokenStore, type Tokens } from './client'
import { endpoints } from './endpoints'

const KEY = 'nexus.tokens'

export const browserTokens: TokenStore = {
  read() {
    try {
      const raw = localStorage.getItem(KEY)
      return raw ? (JSON.parse(raw) as Tokens) : null
    } catch {
      return null
    }
  },
  write(tokens) {
    if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens))
    else localStorage.removeItem(KEY)
  },
}

const signedOutListeners = new Set<() => void>()

export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener)
  return () => signedOutListeners.delete(listener)
}

export const client = new ApiClient({
  tokens: browserTokens,
  onSignedOut: () => signedOutListeners.forEach((l) => l()),
})

export const api = endpoints(client)
