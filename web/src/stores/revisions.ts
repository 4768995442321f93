// Revisions beyond one shot: an entity (rename, aliases, voice, merge) or a subtitle cue.
// Each is previewed first (the server names the nodes that will run again), then started as
// a revision run. Also the run's waveform peaks per track, for the track view.
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { api } from '@/api'
import type { CueEdit, CueView, EntityEdit, Waveform, WaveTrack } from '@/api/types'

export type Pending =
  | { kind: 'entity'; target: string; label: string; edit: EntityEdit; rerun: string[] }
  | { kind: 'cue'; target: string; label: string; edit: CueEdit; rerun: string[] }

export const TRACKS: WaveTrack[] = ['narration', 'dialogue', 'music']

export const useRevisionsStore = defineStore('revisions', () => {
  const runId = ref<string | null>(null)
  const cues = ref<CueView[]>([])
  const cuesReady = ref(false)
  const waves = shallowRef<Partial<Record<WaveTrack, Waveform>>>({})
  const pending = ref<Pending | null>(null)

  async function loadCues(id: string): Promise<void> {
    const page = await api.listCues(id)
    cues.value = page.items
    cuesReady.value = page.ready
    runId.value = id
  }

  async function loadWaves(id: string, points = 600): Promise<void> {
    const all = await Promise.all(TRACKS.map((t) => api.readWaveform(id, t, points)))
    waves.value = Object.fromEntries(TRACKS.map((t, i) => [t, all[i]]))
  }

  async function previewEntity(id: string, entityId: string, label: string, edit: EntityEdit): Promise<void> {
    const { rerun } = await api.previewEntityRevision(id, entityId, edit)
    pending.value = { kind: 'entity', target: entityId, label, edit, rerun }
  }

  async function previewCue(id: string, cue: CueView, edit: CueEdit): Promise<void> {
    const { rerun } = await api.previewCueEdit(id, cue.cue_id, edit)
    pending.value = { kind: 'cue', target: cue.cue_id, label: cue.cue_id, edit, rerun }
  }

  /** Start the pending revision: answers the revision run's id. */
  async function confirm(id: string): Promise<string> {
    const p = pending.value
    if (!p) throw new Error('nothing to confirm')
    const result = p.kind === 'entity' ? await api.reviseEntity(id, p.target, p.edit) : await api.editCue(id, p.target, p.edit)
    pending.value = null
    return result.run_id
  }

  return { runId, cues, cuesReady, waves, pending, loadCues, loadWaves, previewEntity, previewCue, confirm }
})
