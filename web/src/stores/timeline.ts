// The shots of a run with their media, edits (a revision run) and regeneration, and the
// nodes each action will run again (predicted from the run's graph before confirming).
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { api } from '@/api'
import { finalFiles, mediaByNode, toShotView, type MediaLink, type ShotView } from '@/api/mappers'
import type { Entity, ShotEdit } from '@/api/types'
import type { GraphEdge } from '@/lib/dag'
import { predictRerun, type KeyedNode, type RerunKind } from '@/lib/rerun'

export const useTimelineStore = defineStore('timeline', () => {
  const runId = ref<string | null>(null)
  const ready = ref(false)
  const shots = ref<ShotView[]>([])
  const media = shallowRef(new Map<string, MediaLink[]>())
  const nodes = shallowRef<KeyedNode[]>([])
  const edges = shallowRef<GraphEdge[]>([])
  const characters = ref<Entity[]>([])
  const places = ref<Entity[]>([])
  const props = ref<Entity[]>([])
  const files = computed(() => finalFiles(media.value))

  async function load(id: string): Promise<void> {
    const [page, mediaPage, graph, entities] = await Promise.all([
      api.listShots(id),
      api.listMedia(id),
      api.readGraph(id),
      api.readEntities(id),
    ])
    media.value = mediaByNode(mediaPage.items)
    ready.value = page.ready
    shots.value = page.items.map((s) => toShotView(s, media.value))
    nodes.value = graph.nodes.map((n) => ({ id: n.job_id, key: n.node_key }))
    edges.value = graph.edges.map((e) => ({ from: e.upstream_job_id, to: e.job_id }))
    characters.value = entities.pack?.characters ?? []
    places.value = entities.pack?.places ?? []
    props.value = entities.pack?.props ?? []
    runId.value = id // last: until now the pages show their loading state, not another run's shots
  }

  function predict(shotId: string, kind: RerunKind): string[] {
    return predictRerun(nodes.value, edges.value, shotId, kind)
  }

  function nameOf(entityId: string | null): string {
    if (!entityId) return ''
    return characters.value.find((c) => c.entity_id === entityId)?.name ?? entityId
  }

  /** Apply an edit: answers the revision run that renders it. */
  async function edit(shotId: string, change: ShotEdit): Promise<string> {
    if (!runId.value) throw new Error('no run is open')
    return (await api.patchShot(runId.value, shotId, change)).run_id
  }

  /** Another take of one shot, in this run: answers the node keys that run again. */
  async function regenerate(shotId: string): Promise<string[]> {
    if (!runId.value) throw new Error('no run is open')
    const result = await api.regenerateShot(runId.value, shotId)
    const keyOf = new Map(nodes.value.map((n) => [n.id, n.key]))
    return result.affected_job_ids.map((id) => keyOf.get(id) ?? id).sort()
  }

  return { runId, ready, shots, media, nodes, edges, characters, places, props, files, load, predict, nameOf, edit, regenerate }
})
