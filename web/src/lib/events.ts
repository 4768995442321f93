// Applying run events to job views: a pure function per event, so the store (and the bench)
// can fold a burst of events into the graph in one pass and re-render once.
import type { JobStatus, JobView } from '@/api/mappers'
import type { EventEnvelope } from '@/api/types'

const STATUS_BY_VERB: Record<string, JobStatus> = {
  readied: 'ready',
  started: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
  held: 'awaiting_approval',
  reset: 'pending',
  cache_hit: 'succeeded',
  regenerated: 'pending',
}

export interface FoldResult {
  /** events naming jobs the graph does not have yet (a plan expanded): refetch the graph */
  unknownJobs: number
  runStatus: string | null
}

function verbOf(type: string): [string, string] {
  const [, object = '', verb = ''] = type.split('.')
  return [object, verb]
}

function applyJob(job: JobView, verb: string, e: EventEnvelope): void {
  const p = e.payload
  const at = Date.parse(e.occurred_at)
  if (verb === 'progressed') {
    if (typeof p.fraction === 'number') job.progress = p.fraction
    return
  }
  const status = STATUS_BY_VERB[verb]
  if (!status) return
  job.status = status
  if (typeof p.attempt === 'number') job.attempt = p.attempt
  if (verb === 'started') {
    job.startedAt = at
    job.finishedAt = null
  }
  if (verb === 'cache_hit') job.cacheHit = true
  if (verb === 'regenerated' || verb === 'reset') {
    job.cacheHit = false
    job.progress = 0
    if (typeof p.variant === 'number') job.variant = p.variant
  }
  if (status === 'succeeded') job.progress = 1
  if (status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped') {
    job.finishedAt = at
  }
  if (verb === 'failed') {
    job.errorCode = typeof p.error_code === 'string' ? p.error_code : job.errorCode
    job.errorMessage = typeof p.message === 'string' ? p.message : job.errorMessage
  }
}

/** Fold events into ``jobs`` (mutated in place); returns what the caller must refetch. */
export function foldEvents(jobs: Map<string, JobView>, events: EventEnvelope[]): FoldResult {
  const result: FoldResult = { unknownJobs: 0, runStatus: null }
  for (const e of events) {
    const [object, verb] = verbOf(e.type)
    if (object === 'run') {
      const status = { started: 'running', succeeded: 'succeeded', failed: 'failed', cancelled: 'cancelled', compensating: 'compensating' }[verb]
      if (status) result.runStatus = status
      continue
    }
    if (object !== 'job' || !e.job_id) continue
    const job = jobs.get(e.job_id)
    if (!job) {
      result.unknownJobs++
      continue
    }
    applyJob(job, verb, e)
  }
  return result
}

export interface StageProgress {
  stage: string
  total: number
  done: number
  running: number
  failed: number
  cached: number
}

const STAGE_ORDER = ['plan', 'tts', 'speech', 'frame', 'clip', 'segment', 'music', 'mix', 'final']

/** Per stage: how many jobs there are, done (succeeded/skipped), running, failed, cached. */
export function stageProgress(jobs: Iterable<JobView>): StageProgress[] {
  const by = new Map<string, StageProgress>()
  for (const j of jobs) {
    const s = by.get(j.stage) ?? { stage: j.stage, total: 0, done: 0, running: 0, failed: 0, cached: 0 }
    s.total++
    if (j.status === 'succeeded' || j.status === 'skipped') s.done++
    if (j.status === 'running') s.running++
    if (j.status === 'failed' || j.status === 'cancelled') s.failed++
    if (j.cacheHit) s.cached++
    by.set(j.stage, s)
  }
  const rank = (s: string) => {
    const i = STAGE_ORDER.indexOf(s)
    return i === -1 ? STAGE_ORDER.length : i
  }
  return [...by.values()].sort((a, b) => rank(a.stage) - rank(b.stage) || a.stage.localeCompare(b.stage))
}
