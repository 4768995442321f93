// The approval card: what is asked and by whom, who may decide (never the requester), and
// the decision it emits with its reason.
import { describe, expect, it } from 'vitest'
import type { Approval } from '@/api/types'
import ApprovalCard from '@/components/ApprovalCard.vue'
import { render } from '@/test/render'

const approval = (over: Partial<Approval> = {}): Approval => ({
  approval_id: 'apr_1', tenant_id: 'ten_1', project_id: 'p', run_id: 'run_1', job_id: null, action: 'run.create',
  resource: 'pipeline:studio', requested_by: 'usr_b', reasons: ['estimated cost 0.8 USD is over the 0.50 USD threshold'],
  policy_version: 2, input_digest: 'x', status: 'pending', decided_by: null, decided_at: null, note: '',
  expires_at: '2030-01-01T01:00:00Z', created_at: '2030-01-01T00:00:00Z', version: 1, ...over,
})
const now = Date.parse('2030-01-01T00:30:00Z')

describe('ApprovalCard', () => {
  it('shows the reasons, the requester and the time left, and emits the decision with its reason', async () => {
    const w = render(ApprovalCard, { props: { approval: approval(), me: { user_id: 'usr_a', role: 'approver' }, now } })
    expect(w.find('[data-test="reasons"]').text()).toContain('over the 0.50 USD threshold')
    expect(w.find('[data-test="requested-by"]').text()).toBe('usr_b')
    expect(w.find('[data-test="expires"]').text()).toBe('expires in 30 min')
    await w.find('input[name=reason]').setValue('fine this once')
    await w.find('[data-test="reject"]').trigger('click')
    await w.find('[data-test="approve"]').trigger('click')
    expect(w.emitted('decide')).toEqual([[false, 'fine this once'], [true, 'fine this once']])
  })

  it('tells the requester another approver must decide, and editors that they cannot', () => {
    const mine = render(ApprovalCard, { props: { approval: approval({ requested_by: 'usr_a' }), me: { user_id: 'usr_a', role: 'admin' }, now } })
    expect(mine.find('[data-test="decide"]').exists()).toBe(false)
    expect(mine.find('[data-test="cannot-decide"]').attributes('data-why')).toBe('self')
    expect(mine.find('[data-test="requested-by"]').text()).toContain('(you)')
    const editor = render(ApprovalCard, { props: { approval: approval(), me: { user_id: 'usr_c', role: 'editor' }, now } })
    expect(editor.find('[data-test="cannot-decide"]').attributes('data-why')).toBe('role')
  })

  it('shows who decided a decided request and offers nothing to do', () => {
    const w = render(ApprovalCard, { props: { approval: approval({ status: 'approved', decided_by: 'usr_a', decided_at: '2030-01-01T00:10:00Z', note: 'ok' }), me: { user_id: 'usr_a', role: 'approver' }, now } })
    expect(w.attributes('data-status')).toBe('approved')
    expect(w.find('[data-test="decided-by"]').text()).toContain('ok')
    expect(w.find('[data-test="decide"]').exists()).toBe(false)
    expect(w.find('[data-test="expires"]').exists()).toBe(false)
  })
})
