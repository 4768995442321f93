// Pure logic of the policy and approval pages: the dry-run input templates, parsing the
// input an admin typed, who may decide an approval request, and how long one still waits.
import type { Approval, Me, PolicyInput } from '@/api/types'

export type PolicyAction = PolicyInput['action']
export const POLICY_ACTIONS: PolicyAction[] = ['run.create', 'job.dispatch', 'tool.call', 'provider.call', 'skill.upload']

/** A realistic input document for each action, as the platform sends it (docs/policy.md). */
export function sampleInput(action: PolicyAction, me: Pick<Me, 'user_id' | 'tenant_id' | 'role'> | null): PolicyInput {
  const principal = { user_id: me?.user_id ?? null, tenant_id: me?.tenant_id ?? '', roles: [me?.role ?? 'editor'], via: 'user' as const }
  switch (action) {
    case 'run.create':
      return { action, principal, resource: { kind: 'pipeline', name: 'studio', origin: 'builtin' }, context: { project_id: 'default', estimated_cost_usd: 0.8 } }
    case 'job.dispatch':
      return { action, principal: { ...principal, user_id: null, roles: [], via: 'system' }, resource: { kind: 'skill', name: 'tts.synthesize', version: '1.0.0', category: 'audio', origin: 'builtin' }, context: { project_id: 'default', node_key: 'tts:1' } }
    case 'tool.call':
      return { action, principal: { ...principal, via: 'agent' }, resource: { kind: 'skill', name: 'studio.regenerate_shot', version: '1.0.0', origin: 'builtin' }, context: { project_id: 'default' } }
    case 'provider.call':
      return { action, principal: { ...principal, via: 'system' }, resource: { kind: 'provider', name: 'openai' }, context: { project_id: 'default', model: 'gpt-4o-mini', estimated_cost_usd: 0.01 } }
    case 'skill.upload':
      return { action, principal, resource: { kind: 'skill', name: 'my.transform', version: '0.1.0', origin: 'user', tenant_id: me?.tenant_id ?? null }, context: {} }
  }
}

/** The typed input as a PolicyInput, or the reason it is not one. */
export function parseInput(text: string): { input: PolicyInput } | { error: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'the input must be a JSON object' }
  const v = value as Record<string, unknown>
  for (const key of ['action', 'principal', 'resource'] as const) {
    if (!(key in v)) return { error: `the input needs "${key}"` }
  }
  return { input: v as unknown as PolicyInput }
}

export type DecideBlock = 'role' | 'self' | 'decided' | 'expired' | null

/** Why this person may not decide this request (null: they may). The server checks the same. */
export function decideBlock(a: Approval, me: Pick<Me, 'user_id' | 'role'> | null, now: number): DecideBlock {
  if (a.status !== 'pending') return 'decided'
  if (Date.parse(a.expires_at) <= now) return 'expired'
  if (!me || (me.role !== 'approver' && me.role !== 'admin')) return 'role'
  if (a.requested_by === me.user_id) return 'self'
  return null
}

/** "2 h 05 min", "45 s", or null once expired. */
export function remaining(expiresAt: string, now: number): string | null {
  const s = Math.floor((Date.parse(expiresAt) - now) / 1000)
  if (s <= 0) return null
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}
