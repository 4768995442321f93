// One run, live: its status, its job graph (views folded from SSE events, applied once per
// animation frame however many arrive), the event log, and cancel / retry.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import { api, client } from '@/api'
import { toJobView, toRunView, type JobView, type RunView } from '@/api/mappers'
import { followRun } from '@/api/sse'
import type { EventEnvelope, JobDetail } from '@/api/types'
import type { GraphEdge } from '@/lib/dag'
import { foldEvents, stageProgress } from '@/lib/events'

export const LOG_LIMIT = 400
// A burst (a resumed or finished run replays hundreds of events at once) is spread over
// frames: each frame folds at most `budget` events, so no frame re-renders the whole graph
// twice. The budget adapts to the machine (ADR 0274): it halves when the previous frame took
// longer than SLOW_FRAME_MS and grows again by a few events per fast frame.
export const EVENTS_PER_FRAME = 75
export const MIN_EVENTS_PER_FRAME = 8
const SLOW_FRAME_MS = 50
const FAST_FRAME_MS = 24

/** The next batch size from the last one and how long the last frame took (AIMD). */
export function nextBudget(budget: number, frameMs: number): number {
  if (frameMs > SLOW_FRAME_MS) return Math.max(MIN_EVENTS_PER_FRAME, Math.floor(budget / 2))
  if (frameMs < FAST_FRAME_MS) return Math.min(EVENTS_PER_FRAME, budget + 8)
  return budget
}

type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended'

function nextFrame(cb: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(cb)
  else setTimeout(cb, 16)
}

export const useRunStore = defineStore('run', () => {
  const run = ref<RunView | null>(null)
  const jobs = shallowRef(new Map<string, JobView>())
  const edges = shallowRef<GraphEdge[]>([])
  const log = shallowRef<EventEnvelope[]>([])
  const eventCount = ref(0)
  const lastEventId = ref(0)
  const stream = ref<StreamState>('idle')
  const detail = ref<JobDetail | null>(null)
  let pending: EventEnvelope[] = []
  let lastSeen = 0 // a plain number per event; the ref is written once per frame
  let scheduled = false
  let budget = EVENTS_PER_FRAME
  let lastFrameAt = 0
  let abort: AbortController | null = null
  let refetching: Promise<void> | null = null

  const jobList = computed(() => [...jobs.value.values()])
  const stages = computed(() => stageProgress(jobs.value.values()))
  const executed = computed(() => jobList.value.filter((j) => j.status === 'succeeded' && !j.cacheHit).map((j) => j.key))
  const cached = computed(() => jobList.value.filter((j) => j.cacheHit).map((j) => j.key))

  async function loadGraph(runId: string): Promise<void> {
    const graph = await api.readGraph(runId)
    const map = new Map<string, JobView>()
    for (const job of graph.nodes) map.set(job.job_id, toJobView(job))
    jobs.value = map
    edges.value = graph.edges.map((e) => ({ from: e.upstream_job_id, to: e.job_id }))
  }

  async function load(runId: string): Promise<void> {
    stop()
    run.value = toRunView(await api.readRun(runId))
    log.value = []
    eventCount.value = 0
    lastEventId.value = 0
    lastSeen = 0
    pending = []
    detail.value = null
    await loadGraph(runId)
  }

  function refetchGraph(): void {
    const runId = run.value?.runId
    if (!runId || refetching) return
    refetching = loadGraph(runId).finally(() => {
      refetching = null
    })
  }

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    nextFrame(() => {
      const now = typeof performance === 'object' ? performance.now() : Date.now()
      if (lastFrameAt) budget = nextBudget(budget, now - lastFrameAt)
      lastFrameAt = pending.length > budget ? now : 0 // measure only frames inside a burst
      flush(budget)
    })
  }

  /** Apply queued events now, at most ``limit`` (the rest in the next frame). */
  function flush(limit = Number.POSITIVE_INFINITY): void {
    scheduled = false
    const batch = pending.length > limit ? pending.splice(0, limit) : pending
    if (batch === pending) pending = []
    if (pending.length) schedule()
    if (!batch.length) return
    const result = foldEvents(jobs.value, batch)
    triggerRef(jobs)
    const merged = log.value.concat(batch)
    log.value = merged.length > LOG_LIMIT ? merged.slice(merged.length - LOG_LIMIT) : merged
    eventCount.value += batch.length
    lastEventId.value = lastSeen
    if (result.runStatus && run.value) {
      run.value = { ...run.value, status: result.runStatus, terminal: ['succeeded', 'failed', 'cancelled'].includes(result.runStatus) }
    }
    if (result.unknownJobs > 0) refetchGraph()
  }

  function drained(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (pending.length ? nextFrame(check) : resolve())
      check()
    })
  }

  function receive(event: EventEnvelope): void {
    pending.push(event)
    lastSeen = Math.max(lastSeen, event.event_id)
    schedule()
  }

  /** Follow the run's events (resuming after the last one seen) until the run ends. */
  async function follow(): Promise<void> {
    const runId = run.value?.runId
    if (!runId) return
    stop()
    const controller = new AbortController()
    abort = controller
    try {
      await followRun(client, runId, { onEvent: receive, onState: (s) => (stream.value = s) }, {
        after: lastSeen,
        signal: controller.signal,
      })
    } finally {
      if (abort === controller) abort = null
    }
    if (controller.signal.aborted) return
    // Let the frames drain what the stream delivered faster than they apply it: flushing the
    // rest at once here was the burst's one long frame (ADR 0274).
    await drained()
    // the events carried every job's final state; the run row adds its error, if any
    run.value = toRunView(await api.readRun(runId))
  }

  function stop(): void {
    abort?.abort()
    abort = null
    stream.value = 'idle'
  }

  async function select(jobId: string | null): Promise<void> {
    if (!jobId || !run.value) {
      detail.value = null
      return
    }
    detail.value = await api.readJob(run.value.runId, jobId)
  }

  async function cancel(): Promise<void> {
    if (!run.value) return
    run.value = toRunView(await api.cancelRun(run.value.runId))
  }

  async function retry(): Promise<void> {
    if (!run.value) return
    run.value = toRunView(await api.retryRun(run.value.runId))
    await loadGraph(run.value.runId)
    void follow()
  }

  return {
    run, jobs, edges, log, eventCount, lastEventId, stream, detail, jobList, stages, executed, cached,
    load, loadGraph, follow, stop, receive, flush, select, cancel, retry,
  }
})
