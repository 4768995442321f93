// Governance pages: the tenant's policy (current, versions, dry-run of a draft, save) and
// the approval requests (list by status, approve / reject, refreshed while a page shows them).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'
import type { Approval, ApprovalStatus, Policy, PolicyEvaluation, PolicyInput } from '@/api/types'

export const useGovernanceStore = defineStore('governance', () => {
  const policy = ref<Policy | null>(null)
  const history = ref<Policy[]>([])
  const evaluation = ref<PolicyEvaluation | null>(null)
  const approvals = ref<Approval[]>([])
  const filter = ref<ApprovalStatus>('pending')
  const refreshedAt = ref<number | null>(null)
  let timer: ReturnType<typeof setInterval> | null = null

  async function loadPolicy(): Promise<Policy> {
    const [current, versions] = await Promise.all([api.readPolicy(), api.policyHistory()])
    policy.value = current
    history.value = versions.items
    return current
  }
  async function evaluate(input: PolicyInput, source: string | null): Promise<PolicyEvaluation> {
    evaluation.value = null
    evaluation.value = await api.evaluatePolicy(source === null ? { input } : { input, source })
    return evaluation.value
  }
  async function savePolicy(source: string, comment: string): Promise<Policy> {
    const saved = await api.setPolicy({ source, comment, tests: [] })
    policy.value = saved
    history.value = [saved, ...history.value.filter((p) => p.version !== saved.version)]
    return saved
  }

  async function loadApprovals(status: ApprovalStatus = filter.value): Promise<void> {
    filter.value = status
    const page = await api.listApprovals(status)
    if (filter.value === status) approvals.value = page.items
    refreshedAt.value = Date.now()
  }
  async function decide(approvalId: string, approve: boolean, reason: string): Promise<Approval> {
    const record = await api.decideApproval(approvalId, approve, reason)
    const i = approvals.value.findIndex((a) => a.approval_id === approvalId)
    if (i >= 0) {
      if (filter.value === record.status) approvals.value.splice(i, 1, record)
      else approvals.value.splice(i, 1)
    }
    return record
  }
  /** Refresh the list every `ms` (skipped while the tab is hidden) until `stopLive`. */
  function startLive(ms = 3000, onError?: (e: unknown) => void): void {
    stopLive()
    timer = setInterval(() => {
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
      loadApprovals().catch((e: unknown) => onError?.(e))
    }, ms)
  }
  function stopLive(): void {
    if (timer) clearInterval(timer)
    timer = null
  }

  return {
    policy, history, evaluation, approvals, filter, refreshedAt,
    loadPolicy, evaluate, savePolicy, loadApprovals, decide, startLive, stopLive,
  }
})
