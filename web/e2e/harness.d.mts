// Types of harness.mjs for the TypeScript tests that start a real server.
export const REPO: string
export const CHROMIUM: string
export const CHROMIUM_FLAGS: string[]
export function freePort(): Promise<number>
export interface Server {
  url: string
  dataDir: string
  stop(): Promise<void>
  cli(args: string[], input?: string): string
}
export function startServer(extra?: Record<string, string>): Promise<Server>
export function launchBrowser(options?: Record<string, unknown>): Promise<{ context: import('playwright-core').BrowserContext; close(): Promise<void> }>
export const chromium: typeof import('playwright-core').chromium
