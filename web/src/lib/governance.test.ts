import { describe, expect, it } from 'vitest'
import type { Approval } from '@/api/types'
import { decideBlock, parseInput, POLICY_ACTIONS, remaining, sampleInput } from './governance'

const me = { user_id: 'usr_a', tenant_id: 'ten_1', role: 'approver' as const }
const approval = (over: Partial<Approval> = {}): Approval => ({
  approval_id: 'apr_1', tenant_id: 'ten_1', project_id: 'p', run_id: 'run_1', job_id: null, action: 'run.create',
  resource: 'pipeline:studio', requested_by: 'usr_b', reasons: ['too expensive'], policy_version: 2, input_digest: 'x',
  status: 'pending', decided_by: null, decided_at: null, note: '', expires_at: '2030-01-01T01:00:00Z',
  created_at: '2030-01-01T00:00:00Z', version: 1, ...over,
})
const now = Date.parse('2030-01-01T00:30:00Z')

describe('sampleInput', () => {
  it('gives every action the caller as principal and the resource kind the platform sends', () => {
    for (const action of POLICY_ACTIONS) {
      const input = sampleInput(action, me)
      expect(input.action).toBe(action)
      expect(input.principal.tenant_id).toBe('ten_1')
    }
    expect(sampleInput('run.create', me).resource.kind).toBe('pipeline')
    expect(sampleInput('tool.call', me).principal.via).toBe('agent')
    expect(sampleInput('job.dispatch', me).principal.via).toBe('system')
  })
})

describe('parseInput', () => {
  it('accepts an object with action, principal and resource', () => {
    const r = parseInput(JSON.stringify(sampleInput('run.create', me)))
    expect('input' in r && r.input.action).toBe('run.create')
  })
  it('says what is wrong otherwise', () => {
    expect(parseInput('{')).toHaveProperty('error')
    expect(parseInput('[1]')).toEqual({ error: 'the input must be a JSON object' })
    expect(parseInput('{"action": "run.create", "principal": {}}')).toEqual({ error: 'the input needs "resource"' })
  })
})

describe('decideBlock', () => {
  it('lets an approver or admin who did not ask decide a pending request before expiry', () => {
    expect(decideBlock(approval(), me, now)).toBeNull()
    expect(decideBlock(approval(), { user_id: 'usr_c', role: 'admin' }, now)).toBeNull()
  })
  it('refuses the requester, editors, decided and expired requests', () => {
    expect(decideBlock(approval({ requested_by: 'usr_a' }), me, now)).toBe('self')
    expect(decideBlock(approval(), { user_id: 'usr_c', role: 'editor' }, now)).toBe('role')
    expect(decideBlock(approval(), null, now)).toBe('role')
    expect(decideBlock(approval({ status: 'approved' }), me, now)).toBe('decided')
    expect(decideBlock(approval(), me, Date.parse('2030-01-01T01:00:00Z'))).toBe('expired')
  })
})

describe('remaining', () => {
  it('counts down in the largest sensible unit', () => {
    const at = '2030-01-01T00:00:00Z'
    const t = Date.parse(at)
    expect(remaining(at, t - 45_000)).toBe('45 s')
    expect(remaining(at, t - 10 * 60_000)).toBe('10 min')
    expect(remaining(at, t - (2 * 60 + 5) * 60_000)).toBe('2 h 05 min')
    expect(remaining(at, t - 50 * 3600_000)).toBe('2 d 2 h')
    expect(remaining(at, t)).toBeNull()
  })
})
