// Wire shapes -> view models: dates parsed, node keys split into shot group and stage,
// shots joined with their media (frame thumbnail, voice takes).
import type { Job, Media, Project, Run, ShotPlan } from './types'

export type JobStatus =
  | 'pending'
  | 'ready'
  | 'awaiting_approval'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'skipped'

export const TERMINAL_RUN = new Set(['succeeded', 'failed', 'cancelled'])
const SHOT_KEY = /^(shot-\d+)\.([a-z_]+)/

export interface JobView {
  jobId: string
  key: string
  skill: string
  status: JobStatus
  cacheHit: boolean
  progress: number
  attempt: number
  maxAttempts: number
  variant: number
  errorCode: string | null
  errorMessage: string | null
  startedAt: number | null
  finishedAt: number | null
  /** the shot a node belongs to ("shot-002"), or "" for run-wide nodes */
  group: string
  /** the pipeline stage: plan, tts, speech, frame, clip, segment, music, mix, final, ... */
  stage: string
}

const time = (value: string | null | undefined): number | null => (value ? Date.parse(value) : null)

export function groupOf(key: string): string {
  const m = SHOT_KEY.exec(key)
  return m?.[1] ?? ''
}

export function stageOf(key: string, skill: string): string {
  const m = SHOT_KEY.exec(key)
  if (m?.[2]) return m[2]
  if (!key.includes('.')) return key.replace(/[-_]?\d+$/, '') || skill
  return skill.split('.').pop() ?? skill
}

export function toJobView(job: Job): JobView {
  return {
    jobId: job.job_id,
    key: job.node_key,
    skill: job.skill,
    status: job.status as JobStatus,
    cacheHit: job.cache_hit,
    progress: job.progress,
    attempt: job.attempt,
    maxAttempts: job.max_attempts,
    variant: job.variant,
    errorCode: job.error_code,
    errorMessage: job.error_message,
    startedAt: time(job.started_at),
    finishedAt: time(job.finished_at),
    group: groupOf(job.node_key),
    stage: stageOf(job.node_key, job.skill),
  }
}

export interface RunView {
  runId: string
  projectId: string
  status: string
  parentRunId: string | null
  errorCode: string | null
  errorMessage: string | null
  createdAt: number
  finishedAt: number | null
  edits: Record<string, unknown>
  terminal: boolean
}

export function toRunView(run: Run): RunView {
  return {
    runId: run.run_id,
    projectId: run.project_id,
    status: run.status,
    parentRunId: run.parent_run_id,
    errorCode: run.error_code,
    errorMessage: run.error_message,
    createdAt: Date.parse(run.created_at),
    finishedAt: time(run.finished_at),
    edits: (run.params.edits as Record<string, unknown> | undefined) ?? {},
    terminal: TERMINAL_RUN.has(run.status),
  }
}

export interface ProjectView {
  projectId: string
  name: string
  description: string
  language: string
  resolution: string
  updatedAt: number
}

export function toProjectView(p: Project): ProjectView {
  return {
    projectId: p.project_id,
    name: p.name,
    description: p.description,
    language: p.settings.language ?? 'auto',
    resolution: p.settings.resolution ?? '720p',
    updatedAt: Date.parse(p.updated_at),
  }
}

export interface MediaLink {
  name: string
  mediaType: string
  url: string
  sizeBytes: number
}

export interface ShotView {
  shotId: string
  index: number
  /** 1-based, as people count shots */
  number: number
  text: string
  speakerId: string | null
  voice: string
  durationS: number
  variant: number
  camera: string
  lines: ShotPlan['lines']
  frameUrl: string | null
  voiceTakes: MediaLink[]
}

function linkOf(m: Media): MediaLink {
  return { name: m.name, mediaType: m.media_type, url: m.url, sizeBytes: m.size_bytes }
}

/** node key -> its media, for joining shots and entities with their files */
export function mediaByNode(media: Media[]): Map<string, MediaLink[]> {
  const out = new Map<string, MediaLink[]>()
  for (const m of media) {
    const list = out.get(m.node_key) ?? []
    list.push(linkOf(m))
    out.set(m.node_key, list)
  }
  return out
}

export function toShotView(shot: ShotPlan, media: Map<string, MediaLink[]>): ShotView {
  const speaking = shot.lines.find((l) => l.speaker_id === shot.speaker_id) ?? shot.lines[0]
  const frame = (media.get(`${shot.shot_id}.frame`) ?? []).find((m) => m.mediaType.startsWith('image/'))
  const takes = shot.lines.flatMap((_, j) => media.get(`${shot.shot_id}.tts.${j}`) ?? [])
  return {
    shotId: shot.shot_id,
    index: shot.index,
    number: shot.index + 1,
    text: shot.text,
    speakerId: shot.speaker_id ?? null,
    voice: speaking?.voice ?? '',
    durationS: shot.duration_target_s,
    variant: shot.variant ?? 0,
    camera: shot.camera ?? 'static',
    lines: shot.lines,
    frameUrl: frame?.url ?? null,
    voiceTakes: takes,
  }
}

export interface FinalFiles {
  video: MediaLink | null
  srt: MediaLink | null
  vtt: MediaLink | null
  poster: MediaLink | null
  timeline: MediaLink | null
  others: MediaLink[]
}

export function finalFiles(media: Map<string, MediaLink[]>): FinalFiles {
  const files = media.get('final') ?? []
  const pick = (test: (m: MediaLink) => boolean) => files.find(test) ?? null
  const picked = {
    video: pick((m) => m.mediaType === 'video/mp4'),
    srt: pick((m) => m.name.endsWith('.srt')),
    vtt: pick((m) => m.name.endsWith('.vtt')),
    poster: pick((m) => m.mediaType.startsWith('image/')),
    timeline: pick((m) => m.name === 'timeline.json'),
  }
  const used = new Set(Object.values(picked))
  return { ...picked, others: files.filter((m) => !used.has(m)) }
}
