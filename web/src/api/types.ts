// Wire types, all generated from docs/openapi.json (`npm run gen:api` writes schema.d.ts).
import type { components } from './schema'

type S = components['schemas']
export type TokenPair = S['TokenPair']
export type Me = S['Me']
export type SetupState = S['SetupState']
export type SetupCreate = S['SetupCreate']
export type Project = S['Project']
export type ProjectCreate = S['ProjectCreate']
export type ProjectUpdate = S['ProjectUpdate']
export type ProjectSettings = S['ProjectSettings']
export type Story = S['Story']
export type StorySummary = S['StorySummary']
export type StoryPreview = S['StoryPreview']
export type Run = S['Run']
export type Job = S['Job']
export type JobDetail = S['JobDetail']
export type RunGraph = S['RunGraph']
export type Media = S['Media']
export type ShotPlan = S['ShotPlan']
export type ShotEdit = S['ShotEdit']
export type ShotPage = S['ShotPage']
export type ShotRevision = S['ShotRevision']
export type Regenerated = S['Regenerated']
export type Entity = S['Entity']
export type RunEntities = S['RunEntities']
export type Member = S['Member']
export type MemberCreate = S['MemberCreate']
export type ApiKey = S['ApiKey']
export type ApiKeyCreate = S['ApiKeyCreate']
export type ApiKeyCreated = S['ApiKeyCreated']
export type AuditEntry = S['AuditEntry']
export type AuditPage = S['AuditPage']
export type CostGroup = S['CostGroup']
export type CostReport = S['CostReport']
export type CostBy = 'provider' | 'model' | 'run' | 'project' | 'capability' | 'day'
export type Provider = S['Provider']
export type ProviderPage = S['ProviderPage']
export type ProviderProbe = S['ProviderProbe']
export type ProviderSettings = S['ProviderSettings']
export type ModelProfileSettings = S['ModelProfileSettings']
export type Budget = S['Budget']
export type BudgetDimension = S['BudgetDimension']
export type BudgetSet = S['TenantBudgetSet'] | S['ScopedBudgetSet']
export type BudgetScope = 'tenant' | 'project' | 'run'
export type EntityEdit = S['EntityEdit']
export type EntityRevision = S['EntityRevision']
export type RevisionPreview = S['RevisionPreview']
export type CueEdit = S['CueEdit']
export type CueView = S['CueView']
export type CuePage = S['CuePage']
export type CueRevision = S['CueRevision']
export type Waveform = S['Waveform']
export type WaveTrack = Waveform['track']
export type Policy = S['Policy']
export type PolicyHistory = S['PolicyHistory']
export type PolicySet = S['PolicySet']
export type PolicyInput = S['PolicyInput']
export type PolicyDecision = S['PolicyDecision']
export type PolicyEvaluate = S['PolicyEvaluate']
export type PolicyEvaluation = S['PolicyEvaluation']
export type Approval = S['Approval']
export type ApprovalPage = S['ApprovalPage']
export type ApprovalStatus = Approval['status']

export type AgentSession = S['SessionRecord']
export type SessionCreate = S['SessionCreate']
export type SessionPage = S['SessionPage']
export type ChatMessage = S['MessageRecord']
export type MessagePage = S['MessagePage']
export type ToolCall = S['ToolCallRecord']
export type ToolCallPage = S['ToolCallPage']
export type AgentRun = S['AgentRunRecord']

/** One SSE message of /sessions/{id}/messages and /agent-runs/{id}/events (AgentEvent). */
export interface AgentEvent {
  kind: 'run_started' | 'token' | 'tool_call' | 'approval_needed' | 'tool_result' | 'message' | 'run_finished' | 'error'
  seq: number | null
  agent_run_id: string
  data: Record<string, unknown>
}

/** One SSE message of /runs/{run_id}/events (EventEnvelope; not in the document's schemas). */
export interface EventEnvelope {
  event_id: number
  type: string
  run_id: string
  job_id: string | null
  tenant_id: string
  project_id: string
  trace_id: string
  occurred_at: string
  payload: Record<string, unknown>
}
