// @vitest-environment node
// The assistant's answer stream against a real `nexus serve` (offline command engine): the
// events fold into a turn with its tool chip and cost; a connection cut mid-answer is
// resumed with Last-Event-ID and ends with the same persisted events, none twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type Server } from '../../e2e/harness.mjs'
import { applyEvent, userTurn, type Turn } from '@/lib/assistant'
import { followAnswer, sendMessage } from './agentStream'
import { ApiClient, tokensOf, type TokenPairWire, type Tokens } from './client'
import { endpoints } from './endpoints'
import type { AgentEvent } from './types'

let server: Server
let c: ApiClient
let projectId: string

beforeAll(async () => {
  server = await startServer()
  const r = await fetch(`${server.url}/api/v1/setup`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'chat@studio.example', password: 'unit test passphrase' }),
  })
  let tokens: Tokens | null = tokensOf((await r.json()) as TokenPairWire)
  c = new ApiClient({ baseUrl: server.url, tokens: { read: () => tokens, write: (t) => (tokens = t) }, onSignedOut: () => undefined })
  projectId = (await endpoints(c).createProject({ name: 'chat' })).project_id
}, 150_000)

afterAll(async () => {
  await server?.stop()
})

describe('the answer stream', () => {
  it('folds into a turn with its tool call and cost', async () => {
    const session = await endpoints(c).createSession({ project_id: projectId }, 'k1')
    const turns: Turn[] = [userTurn('Tom is a grumpy old man', 'u')]
    const events: AgentEvent[] = []
    const id = await sendMessage(c, session.session_id, 'Tom is a grumpy old man', 'm1', {
      onEvent: (e) => { events.push(e); applyEvent(turns, e) },
    }, new AbortController().signal)
    expect(events.at(-1)?.kind).toBe('run_finished')
    expect(turns[1]).toMatchObject({ agentRunId: id, status: 'succeeded' })
    expect(turns[1]!.tools.map((t) => [t.name, t.status])).toEqual([['agent__remember', 'succeeded']])
    expect(turns[1]!.parts.join(' ')).not.toBe('')
  }, 120_000)

  it('resumes after a cut connection without repeating an event', async () => {
    const session = await endpoints(c).createSession({ project_id: projectId }, 'k2')
    let cut = false
    // the first connection ends right after its first persisted event, as a dropped network would
    const first = async () => {
      const response = await c.send('POST', `/api/v1/sessions/${session.session_id}/messages`, {
        json: { content: 'Anna is a brave girl' }, headers: { accept: 'text/event-stream' },
      })
      const reader = response.body!.getReader()
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await reader.read()
          const text = value ? new TextDecoder().decode(value) : ''
          if (done || (text.includes('event: run_started') && !cut)) {
            cut = true
            if (value) controller.enqueue(value)
            await reader.cancel()
            controller.close()
            return
          }
          controller.enqueue(value)
        },
      })
      return new Response(body, { headers: response.headers })
    }
    const seqs: number[] = []
    const kinds: string[] = []
    await followAnswer(c, first, { onEvent: (e) => { kinds.push(e.kind); if (e.seq !== null) seqs.push(e.seq) } }, new AbortController().signal)
    expect(cut).toBe(true)
    expect(kinds[0]).toBe('run_started')
    expect(kinds.at(-1)).toBe('run_finished')
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(kinds).toContain('tool_result')
  }, 120_000)
})
