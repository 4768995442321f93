// Operations pages: what provider calls cost (per run, project, provider, model, capability,
// day), the model providers (list, add, test, enable/disable) and the budgets (set, read).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'
import type {
  Budget, BudgetScope, BudgetSet, CostBy, CostReport, Provider, ProviderProbe, ProviderSettings,
} from '@/api/types'

export const useOpsStore = defineStore('ops', () => {
  const costs = ref<CostReport | null>(null)
  const providers = ref<Provider[]>([])
  const probes = ref<Record<string, ProviderProbe>>({})
  const budgets = ref<Budget[]>([])

  async function loadCosts(by: CostBy, filter: { runId?: string; projectId?: string } = {}): Promise<CostReport> {
    const report = await api.readCosts({ by, ...filter })
    costs.value = report
    return report
  }

  async function loadProviders(): Promise<void> {
    providers.value = (await api.listProviders()).items
  }
  function replace(view: Provider): void {
    const i = providers.value.findIndex((p) => p.name === view.name)
    if (i >= 0) providers.value.splice(i, 1, view)
    else providers.value.push(view)
  }
  async function addProvider(body: ProviderSettings): Promise<Provider> {
    const view = await api.addProvider(body)
    replace(view)
    return view
  }
  async function setEnabled(name: string, enabled: boolean): Promise<void> {
    replace(await api.setProviderEnabled(name, enabled))
  }
  async function testProvider(name: string): Promise<ProviderProbe> {
    const probe = await api.testProvider(name)
    probes.value = { ...probes.value, [name]: probe }
    return probe
  }

  async function loadBudgets(scope?: BudgetScope): Promise<void> {
    budgets.value = (await api.listBudgets(scope)).items
  }
  async function setBudget(body: BudgetSet): Promise<Budget> {
    const view = await api.setBudget(body)
    const i = budgets.value.findIndex((b) => b.scope === view.scope && b.scope_id === view.scope_id)
    if (i >= 0) budgets.value.splice(i, 1, view)
    else budgets.value.push(view)
    return view
  }

  return {
    costs, providers, probes, budgets,
    loadCosts, loadProviders, addProvider, setEnabled, testProvider, loadBudgets, setBudget,
  }
})
