// The public /api/v1 operations the studio uses, one typed function each.
import type { ApiClient } from './client'
import type * as T from './types'

const enc = encodeURIComponent

export function endpoints(c: ApiClient) {
  return {
    readSetup: () => c.request<T.SetupState>('GET', '/api/v1/setup', { auth: false }),
    createAdmin: (body: T.SetupCreate) =>
      c.request<T.TokenPair>('POST', '/api/v1/setup', { json: body, auth: false }),
    login: (email: string, password: string, tenant?: string) =>
      c.request<T.TokenPair>('POST', '/api/v1/auth/login', {
        json: tenant ? { email, password, tenant } : { email, password },
        auth: false,
      }),
    logout: (refreshToken: string) =>
      c.request<void>('POST', '/api/v1/auth/logout', { json: { refresh_token: refreshToken }, auth: false }),
    readMe: () => c.request<T.Me>('GET', '/api/v1/auth/me'),

    listProjects: () => c.request<{ items: T.Project[] }>('GET', '/api/v1/projects?limit=200'),
    createProject: (body: T.ProjectCreate) => c.request<T.Project>('POST', '/api/v1/projects', { json: body }),
    readProject: (id: string) => c.request<T.Project>('GET', `/api/v1/projects/${enc(id)}`),
    updateProject: (id: string, body: T.ProjectUpdate) =>
      c.request<T.Project>('PATCH', `/api/v1/projects/${enc(id)}`, { json: body }),

    previewStory: (text: string, language: 'auto' | 'zh' | 'en') =>
      c.request<T.StoryPreview>('POST', '/api/v1/stories/preview', { json: { text, language } }),
    createStory: (projectId: string, title: string, text: string) =>
      c.request<T.Story>('POST', `/api/v1/projects/${enc(projectId)}/stories`, {
        json: { title, text, format: 'md' },
      }),
    listStories: (projectId: string) =>
      c.request<{ items: T.StorySummary[] }>('GET', `/api/v1/projects/${enc(projectId)}/stories`),
    readStory: (storyId: string) => c.request<T.Story>('GET', `/api/v1/stories/${enc(storyId)}`),

    createRun: (projectId: string, storyId: string, idempotencyKey: string) =>
      c.request<T.Run>('POST', '/api/v1/runs', {
        json: { project_id: projectId, pipeline: 'studio', story_id: storyId },
        headers: { 'Idempotency-Key': idempotencyKey },
      }),
    listRuns: (projectId: string) =>
      c.request<{ items: T.Run[] }>('GET', `/api/v1/runs?project_id=${enc(projectId)}&limit=50`),
    readRun: (runId: string) => c.request<T.Run>('GET', `/api/v1/runs/${enc(runId)}`),
    cancelRun: (runId: string) => c.request<T.Run>('POST', `/api/v1/runs/${enc(runId)}/cancel`),
    retryRun: (runId: string) => c.request<T.Run>('POST', `/api/v1/runs/${enc(runId)}/retry`),
    readGraph: (runId: string) => c.request<T.RunGraph>('GET', `/api/v1/runs/${enc(runId)}/graph`),
    readJob: (runId: string, jobId: string) =>
      c.request<T.JobDetail>('GET', `/api/v1/runs/${enc(runId)}/jobs/${enc(jobId)}`),
    listMedia: (runId: string) =>
      c.request<{ items: T.Media[] }>('GET', `/api/v1/runs/${enc(runId)}/media`),
    listShots: (runId: string) => c.request<T.ShotPage>('GET', `/api/v1/runs/${enc(runId)}/shots`),
    patchShot: (runId: string, shotId: string, edit: T.ShotEdit) =>
      c.request<T.ShotRevision>('PATCH', `/api/v1/runs/${enc(runId)}/shots/${enc(shotId)}`, { json: edit }),
    regenerateShot: (runId: string, shotId: string) =>
      c.request<T.Regenerated>('POST', `/api/v1/runs/${enc(runId)}/shots/${enc(shotId)}/regenerate`, {
        json: {},
      }),
    readEntities: (runId: string) =>
      c.request<T.RunEntities>('GET', `/api/v1/runs/${enc(runId)}/entities`),
    previewEntityRevision: (runId: string, entityId: string, edit: T.EntityEdit) =>
      c.request<T.RevisionPreview>('POST', `/api/v1/runs/${enc(runId)}/entities/${enc(entityId)}/revise/preview`, { json: edit }),
    reviseEntity: (runId: string, entityId: string, edit: T.EntityEdit) =>
      c.request<T.EntityRevision>('POST', `/api/v1/runs/${enc(runId)}/entities/${enc(entityId)}/revise`, { json: edit }),
    listCues: (runId: string) => c.request<T.CuePage>('GET', `/api/v1/runs/${enc(runId)}/subtitles`),
    previewCueEdit: (runId: string, cueId: string, edit: T.CueEdit) =>
      c.request<T.RevisionPreview>('POST', `/api/v1/runs/${enc(runId)}/subtitles/${enc(cueId)}/preview`, { json: edit }),
    editCue: (runId: string, cueId: string, edit: T.CueEdit) =>
      c.request<T.CueRevision>('PATCH', `/api/v1/runs/${enc(runId)}/subtitles/${enc(cueId)}`, { json: edit }),
    readWaveform: (runId: string, track: T.WaveTrack, points: number) =>
      c.request<T.Waveform>('GET', `/api/v1/runs/${enc(runId)}/waveform?track=${track}&points=${points}`),

    listMembers: () => c.request<{ items: T.Member[] }>('GET', '/api/v1/members'),
    addMember: (body: T.MemberCreate) => c.request<T.Member>('POST', '/api/v1/members', { json: body }),
    changeRole: (userId: string, role: T.Member['role']) =>
      c.request<T.Member>('PATCH', `/api/v1/members/${enc(userId)}`, { json: { role } }),
    listKeys: () => c.request<{ items: T.ApiKey[] }>('GET', '/api/v1/api-keys'),
    createKey: (body: T.ApiKeyCreate) => c.request<T.ApiKeyCreated>('POST', '/api/v1/api-keys', { json: body }),
    revokeKey: (keyId: string) => c.request<void>('DELETE', `/api/v1/api-keys/${enc(keyId)}`),
    readAudit: (action: string, cursor: string | null) => {
      const q = new URLSearchParams({ limit: '50' })
      if (action) q.set('action', action)
      if (cursor) q.set('cursor', cursor)
      return c.request<T.AuditPage>('GET', `/api/v1/audit?${q.toString()}`)
    },

    readCosts: (filter: { by?: T.CostBy; runId?: string; projectId?: string } = {}) => {
      const q = new URLSearchParams()
      if (filter.by) q.set('by', filter.by)
      if (filter.runId) q.set('run_id', filter.runId)
      if (filter.projectId) q.set('project_id', filter.projectId)
      return c.request<T.CostReport>('GET', `/api/v1/costs?${q.toString()}`)
    },
    listProviders: () => c.request<T.ProviderPage>('GET', '/api/v1/providers'),
    addProvider: (body: T.ProviderSettings) => c.request<T.Provider>('POST', '/api/v1/providers', { json: body }),
    setProviderEnabled: (name: string, enabled: boolean) =>
      c.request<T.Provider>('POST', `/api/v1/providers/${enc(name)}/${enabled ? 'enable' : 'disable'}`),
    testProvider: (name: string) => c.request<T.ProviderProbe>('POST', `/api/v1/providers/${enc(name)}/test`),
    listBudgets: (scope?: T.BudgetScope) =>
      c.request<{ items: T.Budget[] }>('GET', `/api/v1/budgets${scope ? `?scope=${scope}` : ''}`),
    readBudget: (scope: T.BudgetScope, scopeId: string) =>
      c.request<T.Budget>('GET', `/api/v1/budgets/${scope}/${enc(scopeId)}`),
    setBudget: (body: T.BudgetSet) => c.request<T.Budget>('PUT', '/api/v1/budgets', { json: body }),

    createSession: (body: T.SessionCreate, idempotencyKey: string) =>
      c.request<T.AgentSession>('POST', '/api/v1/sessions', { json: body, headers: { 'Idempotency-Key': idempotencyKey } }),
    listSessions: (projectId: string, cursor: string | null = null) => {
      const q = new URLSearchParams({ project_id: projectId, limit: '200' })
      if (cursor) q.set('cursor', cursor)
      return c.request<T.SessionPage>('GET', `/api/v1/sessions?${q.toString()}`)
    },
    readSession: (sessionId: string) => c.request<T.AgentSession>('GET', `/api/v1/sessions/${enc(sessionId)}`),
    readHistory: (sessionId: string, cursor: string | null) =>
      c.request<T.MessagePage>('GET', `/api/v1/sessions/${enc(sessionId)}/messages?limit=200${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    readAgentRun: (agentRunId: string) => c.request<T.AgentRun>('GET', `/api/v1/agent-runs/${enc(agentRunId)}`),
    listToolCalls: (agentRunId: string) =>
      c.request<T.ToolCallPage>('GET', `/api/v1/agent-runs/${enc(agentRunId)}/tool-calls`),

    readPolicy: () => c.request<T.Policy>('GET', '/api/v1/policies'),
    policyHistory: () => c.request<T.PolicyHistory>('GET', '/api/v1/policies/history'),
    setPolicy: (body: T.PolicySet) => c.request<T.Policy>('PUT', '/api/v1/policies', { json: body }),
    evaluatePolicy: (body: T.PolicyEvaluate) =>
      c.request<T.PolicyEvaluation>('POST', '/api/v1/policies/evaluate', { json: body }),
    listApprovals: (status: T.ApprovalStatus) =>
      c.request<T.ApprovalPage>('GET', `/api/v1/approvals?status=${status}`),
    decideApproval: (approvalId: string, approve: boolean, reason: string) =>
      c.request<T.Approval>('POST', `/api/v1/approvals/${enc(approvalId)}/${approve ? 'approve' : 'reject'}`, {
        json: { reason },
      }),
  }
}

export type Endpoints = ReturnType<typeof endpoints>
