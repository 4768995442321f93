// One run, live: its status, its job graph (views folded from SSE events, applied over
// animation frames within a time budget however many arrive), the event log, and cancel / retry.
import { defineStore } from 'pinia'
import { computed, nextTick, ref, shallowRef, triggerRef } from 'vue'
import { api, client } from '@/api'
import { toJobView, toRunView, type JobView, type RunView } from '@/api/mappers'
import { followRun } from '@/api/sse'
import type { EventEnvelope, JobDetail } from '@/api/types'
import type { GraphEdge } from '@/lib/dag'
import { foldEvents, stageProgress } from '@/lib/events'
import { createFrameQueue } from '@/lib/frameQueue'

export const LOG_LIMIT = 400

type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'ended'

export const useRunStore = defineStore('run', () => {
  const run = ref<RunView | null>(null)
  const jobs = shallowRef(new Map<string, JobView>())
  const edges = shallowRef<GraphEdge[]>([])
  const log = shallowRef<EventEnvelope[]>([])
  const eventCount = ref(0)
  const lastEventId = ref(0)
  const stream = ref<StreamState>('idle')
  const detail = ref<JobDetail | null>(null)
  let lastSeen = 0 // a plain number per event; the refs are written once per applied slice
  // A burst (a resumed or finished run replays hundreds of events at once) is spread over
  // frames: each frame folds slices until ~8 ms of script (fold + Vue's patch) is spent
  // (ADR 0284, after ADR 0274). The job views are plain objects in a shallowRef'd map: one
  // trigger per slice, never a deep-reactive write per event.
  const queue = createFrameQueue<EventEnvelope>({
    apply: (batch) => {
      applyBatch(batch)
      return nextTick()
    },
  })
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
    queue.clear()
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

  /** Fold one slice of events into the graph, the log and the counters. */
  function applyBatch(batch: EventEnvelope[]): void {
    if (!batch.length) return
    const result = foldEvents(jobs.value, batch)
    triggerRef(jobs)
    const merged = log.value.concat(batch)
    log.value = merged.length > LOG_LIMIT ? merged.slice(merged.length - LOG_LIMIT) : merged
    eventCount.value += batch.length
    lastEventId.value = Math.max(lastEventId.value, (batch.at(-1) as EventEnvelope).event_id)
    if (result.runStatus && run.value) {
      run.value = { ...run.value, status: result.runStatus, terminal: ['succeeded', 'failed', 'cancelled'].includes(result.runStatus) }
    }
    if (result.unknownJobs > 0) refetchGraph()
  }

  /** Apply every queued event now (tests; the frames apply them otherwise). */
  function flush(): Promise<void> {
    return queue.flushAll()
  }

  function receive(event: EventEnvelope): void {
    queue.push(event)
    lastSeen = Math.max(lastSeen, event.event_id)
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
    await queue.drained()
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
