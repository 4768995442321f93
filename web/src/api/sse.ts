// Follows a run's Server-Sent Events over fetch (EventSource cannot send a bearer token),
// resuming after a dropped connection with Last-Event-ID, until the server ends the stream
// (it does once the run is terminal and every event was sent) or the caller aborts.
import { createParser } from 'eventsource-parser'
import type { ApiClient } from './client'
import type { EventEnvelope } from './types'

export interface StreamHandlers {
  onEvent: (event: EventEnvelope) => void
  onState?: (state: 'connecting' | 'live' | 'reconnecting' | 'ended') => void
}

export interface StreamOptions {
  /** resume after this event id (0: from the start) */
  after?: number
  signal: AbortSignal
  /** waits between reconnects, in ms; the last one repeats */
  backoffMs?: number[]
}

const DEFAULT_BACKOFF = [250, 500, 1000, 2000, 4000]

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Read one connection to its end; returns the last event id seen. Throws when it drops. */
async function readOnce(
  client: ApiClient,
  runId: string,
  after: number,
  handlers: StreamHandlers,
  signal: AbortSignal,
): Promise<number> {
  let last = after
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (after > 0) headers['Last-Event-ID'] = String(after)
  const response = await client.send('GET', `/api/v1/runs/${encodeURIComponent(runId)}/events`, { headers, signal })
  if (!response.body) throw new Error('the event stream has no body')
  handlers.onState?.('live')
  const parser = createParser({
    onEvent(message) {
      if (!message.data) return
      const envelope = JSON.parse(message.data) as EventEnvelope
      if (message.id) last = Number(message.id)
      handlers.onEvent(envelope)
    },
  })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return last
    parser.feed(value)
  }
}

/** Follow the run until its stream ends normally; returns the last event id. */
export async function followRun(
  client: ApiClient,
  runId: string,
  handlers: StreamHandlers,
  options: StreamOptions,
): Promise<number> {
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF
  let last = options.after ?? 0
  let failures = 0
  handlers.onState?.('connecting')
  while (!options.signal.aborted) {
    const before = last
    try {
      last = await readOnce(client, runId, last, { ...handlers, onEvent: (e) => {
        last = e.event_id
        handlers.onEvent(e)
      } }, options.signal)
      handlers.onState?.('ended')
      return last
    } catch (error) {
      if (options.signal.aborted) break
      // 4xx answers (gone, forbidden) will not heal by retrying
      if (error instanceof Error && 'status' in error && typeof error.status === 'number' && error.status < 500 && error.status !== 429) throw error
      failures = last > before ? 0 : failures + 1
      handlers.onState?.('reconnecting')
      await sleep(backoff[Math.min(failures, backoff.length - 1)] ?? 1000, options.signal)
    }
  }
  return last
}
