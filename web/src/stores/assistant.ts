// The assistant panel of a run's page: the session bound to the run (found among the
// project's sessions, else created), its conversation from the history, and sending a
// message whose answer streams in (lib/assistant folds the events).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api, client } from '@/api'
import { sendMessage } from '@/api/agentStream'
import type { AgentRun, AgentSession, ChatMessage, ToolCall } from '@/api/types'
import { applyEvent, fromHistory, userTurn, type Turn } from '@/lib/assistant'

const key = () => `assistant-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`

export const useAssistantStore = defineStore('assistant', () => {
  const session = ref<AgentSession | null>(null)
  const turns = ref<Turn[]>([])
  const sending = ref(false)
  let abort: AbortController | null = null

  async function history(sessionId: string): Promise<Turn[]> {
    const messages: ChatMessage[] = []
    let cursor: string | null = null
    do {
      const page = await api.readHistory(sessionId, cursor)
      messages.push(...page.items)
      cursor = page.next ?? null
    } while (cursor)
    const ids = [...new Set(messages.map((m) => m.agent_run_id).filter((id): id is string => !!id))]
    const [runs, calls] = await Promise.all([
      Promise.all(ids.map((id) => api.readAgentRun(id))),
      Promise.all(ids.map(async (id) => [id, (await api.listToolCalls(id)).items] as [string, ToolCall[]])),
    ])
    return fromHistory(messages, new Map(calls), new Map(runs.map((r: AgentRun) => [r.agent_run_id, r])))
  }

  /** The session working on this run (newest), or a new one bound to it. */
  async function open(runId: string, projectId: string): Promise<void> {
    stop()
    session.value = null
    turns.value = []
    const found = (await api.listSessions(projectId)).items.find((s) => s.run_id === runId)
    const chosen = found ?? (await api.createSession({ project_id: projectId, run_id: runId, title: `Run ${runId}` }, key()))
    turns.value = found ? await history(chosen.session_id) : []
    session.value = chosen
  }

  async function send(text: string): Promise<void> {
    if (!session.value || sending.value) return
    const sessionId = session.value.session_id
    sending.value = true
    abort = new AbortController()
    turns.value.push(userTurn(text, key()))
    try {
      await sendMessage(client, sessionId, text, key(), { onEvent: (e) => applyEvent(turns.value, e) }, abort.signal)
      session.value = await api.readSession(sessionId)
    } finally {
      sending.value = false
      abort = null
    }
  }

  function stop(): void {
    abort?.abort()
    abort = null
  }

  return { session, turns, sending, open, send, stop }
})
