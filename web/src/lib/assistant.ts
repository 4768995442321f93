// The assistant panel's conversation as pure data: the history's messages and tool calls
// folded into turns, then each streamed AgentEvent applied to the answer it belongs to
// (tokens as a live draft, tool calls as chips that change status, the final cost).
import type { AgentEvent, AgentRun, ChatMessage, ToolCall } from '@/api/types'

export interface ToolChip {
  id: string
  name: string
  input: Record<string, unknown>
  status: ToolCall['status']
  latencyMs: number | null
  errorCode: string | null
  errorMessage: string | null
  approvalId: string | null
  /** a run this call started or revised (the revision to open) */
  runId: string | null
  summary: string
}

export interface Turn {
  key: string
  role: 'user' | 'assistant'
  /** the persisted text parts (assistant messages of the answer) */
  parts: string[]
  /** tokens streamed since the last persisted message */
  draft: string
  tools: ToolChip[]
  agentRunId: string | null
  status: AgentRun['status'] | null
  costUsd: number
  tokens: number
  steps: number
  errorCode: string | null
  errorMessage: string | null
}

export const toolLabel = (name: string) => name.replace(/^agent__/, '').replace(/__/g, '.').replace(/_/g, ' ')

function outputRun(output: ToolCall['output']): string | null {
  if (!output) return null
  const details = (output.details ?? {}) as Record<string, unknown>
  const id = details.run_id ?? output.run_id
  return typeof id === 'string' ? id : null
}

export function chipOf(call: ToolCall): ToolChip {
  const output = call.output ?? null
  return {
    id: call.tool_call_id,
    name: call.tool_name,
    input: call.input ?? {},
    status: call.status ?? 'pending',
    latencyMs: call.latency_ms ?? null,
    errorCode: call.error_code ?? null,
    errorMessage: call.error_message ?? null,
    approvalId: call.approval_id ?? null,
    runId: outputRun(output),
    summary: typeof output?.summary === 'string' ? output.summary : '',
  }
}

function answer(agentRunId: string): Turn {
  return { key: agentRunId, role: 'assistant', parts: [], draft: '', tools: [], agentRunId, status: 'running', costUsd: 0, tokens: 0, steps: 0, errorCode: null, errorMessage: null }
}

export function userTurn(text: string, key: string, agentRunId: string | null = null): Turn {
  return { ...answer(key), role: 'user', parts: [text], agentRunId, status: null }
}

function answerFor(turns: Turn[], agentRunId: string): Turn {
  let turn = turns.find((t) => t.role === 'assistant' && t.agentRunId === agentRunId)
  if (!turn) {
    turn = answer(agentRunId)
    turns.push(turn)
  }
  return turn
}

function upsert(turn: Turn, chip: ToolChip): void {
  const i = turn.tools.findIndex((c) => c.id === chip.id)
  if (i >= 0) turn.tools.splice(i, 1, { ...chip, approvalId: chip.approvalId ?? turn.tools[i]!.approvalId })
  else turn.tools.push(chip)
}

function finish(turn: Turn, run: AgentRun): void {
  turn.status = run.status ?? null
  turn.costUsd = run.cost_usd ?? 0
  turn.tokens = run.tokens ?? 0
  turn.steps = run.steps ?? 0
  turn.errorCode = run.error_code ?? turn.errorCode
  turn.errorMessage = run.error_message ?? turn.errorMessage
  if (turn.draft.trim() && !turn.parts.length) turn.parts.push(turn.draft.trim())
  turn.draft = ''
}

/** Apply one streamed event to the conversation (in place). */
export function applyEvent(turns: Turn[], event: AgentEvent): void {
  const turn = answerFor(turns, event.agent_run_id)
  const data = event.data
  switch (event.kind) {
    case 'token':
      turn.draft += String(data.text ?? '')
      break
    case 'tool_call':
    case 'tool_result':
      upsert(turn, chipOf(data.tool_call as ToolCall))
      break
    case 'approval_needed': {
      const chip = chipOf(data.tool_call as ToolCall)
      upsert(turn, { ...chip, status: 'waiting_approval', approvalId: (data.approval_id as string | undefined) ?? chip.approvalId })
      turn.status = 'waiting_approval'
      break
    }
    case 'message': {
      const m = data.message as ChatMessage | undefined
      if (m?.role === 'assistant' && m.content) {
        turn.parts.push(m.content)
        turn.draft = ''
      }
      break
    }
    case 'error':
      turn.errorCode = String(data.error_code ?? 'internal')
      turn.errorMessage = String(data.message ?? '')
      break
    case 'run_finished':
      finish(turn, data.agent_run as AgentRun)
      break
    case 'run_started':
      break
  }
}

/** The conversation from its history, each answer's tool calls and agent runs. */
export function fromHistory(messages: ChatMessage[], calls: Map<string, ToolCall[]>, runs: Map<string, AgentRun>): Turn[] {
  const turns: Turn[] = []
  for (const m of messages) {
    if (m.role === 'user') turns.push(userTurn(m.content ?? '', m.message_id, m.agent_run_id ?? null))
    else if (m.role === 'assistant' && m.agent_run_id) {
      const turn = answerFor(turns, m.agent_run_id)
      if (m.content) turn.parts.push(m.content)
    }
  }
  for (const turn of turns) {
    if (turn.role !== 'assistant' || !turn.agentRunId) continue
    for (const call of calls.get(turn.agentRunId) ?? []) upsert(turn, chipOf(call))
    const run = runs.get(turn.agentRunId)
    if (run) finish(turn, run)
  }
  return turns
}

/** The runs the answer's tools started or revised, other than the one on screen. */
export function revisedRuns(turn: Turn, currentRunId: string): string[] {
  return [...new Set(turn.tools.map((c) => c.runId).filter((id): id is string => !!id && id !== currentRunId))]
}
