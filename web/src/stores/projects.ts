// Projects of the tenant: the list, the one open, its stories and runs.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'
import { ApiError } from '@/api/client'
import { toProjectView, toRunView, type ProjectView, type RunView } from '@/api/mappers'
import type { Project, ProjectCreate, ProjectSettings, StorySummary } from '@/api/types'

export const useProjectsStore = defineStore('projects', () => {
  const items = ref<ProjectView[]>([])
  const loaded = ref(false)
  const current = ref<Project | null>(null)
  const stories = ref<StorySummary[]>([])
  const runs = ref<RunView[]>([])

  async function load(): Promise<void> {
    items.value = (await api.listProjects()).items.map(toProjectView)
    loaded.value = true
  }

  async function create(body: ProjectCreate): Promise<ProjectView> {
    const view = toProjectView(await api.createProject(body))
    items.value = [view, ...items.value]
    return view
  }

  async function open(projectId: string): Promise<void> {
    const [project, storyPage, runPage] = await Promise.all([
      api.readProject(projectId),
      api.listStories(projectId),
      api.listRuns(projectId),
    ])
    current.value = project
    stories.value = storyPage.items
    runs.value = runPage.items.map(toRunView)
  }

  /** Save the settings; a changed USD budget is also set as the project's budget (the one
   * runs are held to), keeping its token and compute limits. */
  async function saveSettings(settings: ProjectSettings, setBudget = false): Promise<void> {
    if (!current.value) return
    const projectId = current.value.project_id
    const before = current.value.settings.budget_usd ?? null
    current.value = await api.updateProject(projectId, { settings })
    const usd = settings.budget_usd ?? null
    if (setBudget && usd !== before) {
      // no budget yet (not_found) means no other limits to keep
      const budget = await api.readBudget('project', projectId).catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'not_found') return null
        throw e
      })
      await api.setBudget({ scope: 'project', scope_id: projectId, usd, tokens: budget?.tokens.limit ?? null, compute_s: budget?.compute_s.limit ?? null })
    }
  }

  return { items, loaded, current, stories, runs, load, create, open, saveSettings }
})
