import { describe, expect, it } from 'vitest'
import type { AgentEvent, AgentRun, ChatMessage, ToolCall } from '@/api/types'
import { applyEvent, fromHistory, revisedRuns, toolLabel, userTurn, type Turn } from './assistant'

const call = (over: Partial<ToolCall> = {}): ToolCall => ({
  tool_call_id: 'tc_1', agent_run_id: 'arun_1', session_id: 'ses_1', tool_name: 'agent__edit_shot', tool_version: '1',
  input: { shot: 2, text: 'The storm is coming' }, output: null, status: 'pending', error_code: null, error_message: null,
  latency_ms: null, job_id: null, approval_id: null, created_at: null, finished_at: null, ...over,
})
const run = (over: Partial<AgentRun> = {}): AgentRun => ({
  agent_run_id: 'arun_1', session_id: 'ses_1', run_id: 'run_loop', status: 'succeeded', steps: 2, cost_usd: 0.0012,
  tokens: 321, trace_id: 't', error_code: null, error_message: null, created_at: null, finished_at: null, ...over,
})
const ev = (kind: AgentEvent['kind'], data: Record<string, unknown>, seq: number | null = 1): AgentEvent => ({ kind, seq, agent_run_id: 'arun_1', data })
const msg = (over: Partial<ChatMessage>): ChatMessage => ({ message_id: 'm', session_id: 'ses_1', seq: 1, role: 'user', content: '', tool_calls: [], tokens: 0, ...over })

describe('applyEvent', () => {
  it('streams tokens as a draft, keeps tool chips by id and ends with the cost', () => {
    const turns: Turn[] = [userTurn('make shot 2 say it', 'u1')]
    applyEvent(turns, ev('run_started', { agent_run_id: 'arun_1', run_id: 'run_loop' }))
    applyEvent(turns, ev('tool_call', { tool_call: call() }, 2))
    applyEvent(turns, ev('tool_result', { tool_call: call({ status: 'succeeded', latency_ms: 812, output: { summary: 'shot 2 revised', details: { run_id: 'run_rev' } } }) }, 3))
    applyEvent(turns, ev('token', { text: 'Done: ' }, null))
    applyEvent(turns, ev('token', { text: 'shot 2 revised.' }, null))
    const answer = turns[1]!
    expect(answer.draft).toBe('Done: shot 2 revised.')
    expect(answer.tools).toHaveLength(1)
    expect(answer.tools[0]).toMatchObject({ status: 'succeeded', latencyMs: 812, runId: 'run_rev', summary: 'shot 2 revised' })
    applyEvent(turns, ev('message', { message: msg({ role: 'assistant', content: 'Done: shot 2 revised.' }) }, 4))
    expect(answer.parts).toEqual(['Done: shot 2 revised.'])
    expect(answer.draft).toBe('')
    applyEvent(turns, ev('run_finished', { agent_run: run() }, 5))
    expect(answer).toMatchObject({ status: 'succeeded', costUsd: 0.0012, tokens: 321, steps: 2 })
    expect(revisedRuns(answer, 'run_orig')).toEqual(['run_rev'])
    expect(revisedRuns(answer, 'run_rev')).toEqual([])
  })

  it('marks a call waiting for approval with its approval id, and keeps the run error', () => {
    const turns: Turn[] = []
    applyEvent(turns, ev('tool_call', { tool_call: call({ tool_name: 'agent__start_production' }) }))
    applyEvent(turns, ev('approval_needed', { tool_call: call({ tool_name: 'agent__start_production' }), approval_id: 'apr_9' }))
    expect(turns[0]!.status).toBe('waiting_approval')
    expect(turns[0]!.tools[0]).toMatchObject({ status: 'waiting_approval', approvalId: 'apr_9' })
    applyEvent(turns, ev('tool_result', { tool_call: call({ tool_name: 'agent__start_production', status: 'cancelled' }) }))
    expect(turns[0]!.tools[0]!.approvalId).toBe('apr_9')
    applyEvent(turns, ev('error', { error_code: 'approval_rejected', message: 'rejected' }))
    applyEvent(turns, ev('run_finished', { agent_run: run({ status: 'failed', error_code: 'approval_rejected' }) }))
    expect(turns[0]).toMatchObject({ status: 'failed', errorCode: 'approval_rejected', errorMessage: 'rejected' })
  })

  it('keeps a streamed answer that never got a persisted message', () => {
    const turns: Turn[] = []
    applyEvent(turns, ev('token', { text: 'partial answer' }, null))
    applyEvent(turns, ev('run_finished', { agent_run: run({ status: 'failed', error_code: 'budget_exceeded' }) }))
    expect(turns[0]!.parts).toEqual(['partial answer'])
  })
})

describe('fromHistory', () => {
  it('pairs each question with its answer, tool calls and run', () => {
    const turns = fromHistory([
      msg({ message_id: 'm1', seq: 1, role: 'user', content: 'Tom is grumpy', agent_run_id: 'arun_1' }),
      msg({ message_id: 'm2', seq: 2, role: 'assistant', content: '', agent_run_id: 'arun_1', tool_calls: [{ id: 'tc_1' }] }),
      msg({ message_id: 'm3', seq: 3, role: 'tool', content: 'remembered', agent_run_id: 'arun_1', tool_call_id: 'tc_1' }),
      msg({ message_id: 'm4', seq: 4, role: 'assistant', content: 'Noted.', agent_run_id: 'arun_1' }),
    ], new Map([['arun_1', [call({ tool_name: 'agent__remember', status: 'succeeded' })]]]), new Map([['arun_1', run()]]))
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant'])
    expect(turns[1]).toMatchObject({ parts: ['Noted.'], status: 'succeeded', costUsd: 0.0012 })
    expect(turns[1]!.tools.map((c) => c.name)).toEqual(['agent__remember'])
  })
  it('names tools for people', () => {
    expect(toolLabel('agent__regenerate_shot')).toBe('regenerate shot')
  })
})
