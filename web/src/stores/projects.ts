// Projects of the tenant: the list, the one open, its stories and runs.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'
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

  async function saveSettings(settings: ProjectSettings): Promise<void> {
    if (!current.value) return
    current.value = await api.updateProject(current.value.project_id, { settings })
  }

  return { items, loaded, current, stories, runs, load, create, open, saveSettings }
})
