import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { toJobView } from '@/api/mappers'
import type { EventEnvelope, Job } from '@/api/types'
import { LOG_LIMIT, useRunStore } from './run'

const job = (id: string, key: string): Job => ({
  job_id: id, run_id: 'r', node_key: key, skill: 's', skill_version: '1', status: 'pending', attempt: 0, max_attempts: 3,
  variant: 0, progress: 0, cache_hit: false, error_code: null, error_message: null, created_at: '2026-01-01T00:00:00Z',
  started_at: null, finished_at: null,
})
const ev = (id: number, type: string, jobId: string): EventEnvelope => ({
  event_id: id, type, run_id: 'r', job_id: jobId, tenant_id: 't', project_id: 'p', trace_id: '', occurred_at: '2026-01-01T00:00:00Z', payload: {},
})

describe('run store', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })

  it('applies a burst of events once per frame and keeps the last id for resuming', async () => {
    const store = useRunStore()
    store.jobs = new Map([['a', toJobView(job('a', 'plan'))], ['b', toJobView(job('b', 'shot-000.frame'))]])
    store.receive(ev(1, 'nexus.job.started', 'a'))
    store.receive(ev(2, 'nexus.job.succeeded', 'a'))
    store.receive(ev(3, 'nexus.job.cache_hit', 'b'))
    expect(store.jobs.get('a')?.status).toBe('pending') // not yet: waits for the frame
    await vi.advanceTimersByTimeAsync(20)
    expect(store.lastEventId).toBe(3)
    expect(store.jobs.get('a')?.status).toBe('succeeded')
    expect(store.executed).toEqual(['plan'])
    expect(store.cached).toEqual(['shot-000.frame'])
    expect(store.eventCount).toBe(3)
  })

  it('keeps the log bounded however many events arrive', async () => {
    const store = useRunStore()
    store.jobs = new Map([['a', toJobView(job('a', 'plan'))]])
    for (let i = 1; i <= LOG_LIMIT + 250; i++) store.receive(ev(i, 'nexus.job.progressed', 'a'))
    await store.flush()
    expect(store.log).toHaveLength(LOG_LIMIT)
    expect(store.log.at(-1)?.event_id).toBe(LOG_LIMIT + 250)
    expect(store.eventCount).toBe(LOG_LIMIT + 250)
  })
})

describe('run store bursts', () => {
  beforeEach(() => {
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })

  it('spreads a burst over frames, in order, losing nothing', async () => {
    const store = useRunStore()
    store.jobs = new Map([['a', toJobView(job('a', 'plan'))]])
    const total = 1000
    for (let i = 1; i < total; i++) store.receive(ev(i, 'nexus.job.progressed', 'a'))
    store.receive(ev(total, 'nexus.job.succeeded', 'a'))
    await vi.advanceTimersByTimeAsync(17)
    // one frame applied part of the burst: the first slice, then as many as fit in 8 ms
    expect(store.eventCount).toBeGreaterThan(0)
    expect(store.eventCount).toBeLessThan(total)
    expect(store.jobs.get('a')?.status).toBe('pending')
    expect(store.log.at(-1)?.event_id).toBe(store.eventCount) // in order, no gap
    await vi.advanceTimersByTimeAsync(17 * 20)
    expect(store.eventCount).toBe(total)
    expect(store.lastEventId).toBe(total)
    expect(store.jobs.get('a')?.status).toBe('succeeded')
  })
})
