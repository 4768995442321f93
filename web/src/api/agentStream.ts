// An assistant's answer over Server-Sent Events: POST the message and read the answer's
// events; if the connection drops before `run_finished`, re-attach with
// GET /agent-runs/{id}/events and Last-Event-ID (the last persisted seq). Tokens are live
// only: a re-attached stream continues with the persisted events.
import { createParser } from 'eventsource-parser'
import type { ApiClient } from './client'
import type { AgentEvent } from './types'

export interface AnswerHandlers {
  onEvent: (event: AgentEvent) => void
}

async function read(response: Response, onEvent: (e: AgentEvent) => void): Promise<void> {
  if (!response.body) throw new Error('the answer stream has no body')
  const parser = createParser({
    onEvent(message) {
      if (message.data) onEvent(JSON.parse(message.data) as AgentEvent)
    },
  })
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    parser.feed(value)
  }
}

/** Follow an answer to `run_finished`, resuming after drops; returns its agent run id. */
export async function followAnswer(
  client: ApiClient,
  first: () => Promise<Response>,
  handlers: AnswerHandlers,
  signal: AbortSignal,
  backoffMs = [250, 500, 1000, 2000],
): Promise<string | null> {
  let runId: string | null = null
  let last = 0
  let finished = false
  let failures = 0
  const onEvent = (e: AgentEvent) => {
    runId = e.agent_run_id
    if (e.seq !== null) last = e.seq
    if (e.kind === 'run_finished') finished = true
    handlers.onEvent(e)
  }
  let open: () => Promise<Response> = first
  while (!finished && !signal.aborted) {
    try {
      await read(await open(), onEvent)
      failures = 0
    } catch (error) {
      if (signal.aborted) break
      if (error instanceof Error && 'status' in error && typeof error.status === 'number' && error.status < 500) throw error
      if (runId === null) throw error // nothing started that could be followed
      failures++
      await new Promise((r) => setTimeout(r, backoffMs[Math.min(failures, backoffMs.length) - 1]))
    }
    if (runId === null) break
    const id: string = runId
    open = () => client.send('GET', `/api/v1/agent-runs/${encodeURIComponent(id)}/events`, {
      headers: { accept: 'text/event-stream', 'Last-Event-ID': String(last) }, signal,
    })
  }
  return runId
}

/** Send a message to a session and follow its answer. */
export function sendMessage(client: ApiClient, sessionId: string, content: string, idempotencyKey: string, handlers: AnswerHandlers, signal: AbortSignal): Promise<string | null> {
  return followAnswer(client, () => client.send('POST', `/api/v1/sessions/${encodeURIComponent(sessionId)}/messages`, {
    json: { content }, headers: { accept: 'text/event-stream', 'Idempotency-Key': idempotencyKey }, signal,
  }), handlers, signal)
}
