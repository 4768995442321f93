import { describe, expect, it } from 'vitest'
import { toJobView, type JobView } from '@/api/mappers'
import type { EventEnvelope, Job } from '@/api/types'
import { foldEvents, stageProgress } from './events'

function job(id: string, key: string): Job {
  return {
    job_id: id, run_id: 'r', node_key: key, skill: 'studio.x', skill_version: '1', status: 'pending', attempt: 0,
    max_attempts: 3, variant: 0, progress: 0, cache_hit: false, error_code: null, error_message: null,
    created_at: '2026-01-01T00:00:00Z', started_at: null, finished_at: null,
  }
}
let n = 0
function ev(type: string, jobId: string | null, payload: Record<string, unknown> = {}): EventEnvelope {
  n += 1
  return { event_id: n, type, run_id: 'r', job_id: jobId, tenant_id: 't', project_id: 'p', trace_id: '', occurred_at: '2026-01-01T00:00:01Z', payload }
}
const jobsOf = (...pairs: [string, string][]) => new Map<string, JobView>(pairs.map(([id, key]) => [id, toJobView(job(id, key))]))

describe('foldEvents', () => {
  it('moves jobs through their states, with progress and attempts', () => {
    const jobs = jobsOf(['a', 'shot-000.frame'])
    foldEvents(jobs, [ev('nexus.job.readied', 'a'), ev('nexus.job.started', 'a', { attempt: 1 }), ev('nexus.job.progressed', 'a', { fraction: 0.5 })])
    expect(jobs.get('a')).toMatchObject({ status: 'running', attempt: 1, progress: 0.5 })
    foldEvents(jobs, [ev('nexus.job.succeeded', 'a', { attempt: 1 })])
    expect(jobs.get('a')).toMatchObject({ status: 'succeeded', progress: 1 })
    expect(jobs.get('a')?.finishedAt).not.toBeNull()
  })
  it('marks cache hits and records failures with their code', () => {
    const jobs = jobsOf(['a', 'plan'], ['b', 'mix'])
    foldEvents(jobs, [ev('nexus.job.cache_hit', 'a'), ev('nexus.job.failed', 'b', { error_code: 'worker_crashed', message: 'boom' })])
    expect(jobs.get('a')).toMatchObject({ status: 'succeeded', cacheHit: true })
    expect(jobs.get('b')).toMatchObject({ status: 'failed', errorCode: 'worker_crashed', errorMessage: 'boom' })
  })
  it('reports jobs it does not know (the plan expanded) and the run status', () => {
    const result = foldEvents(jobsOf(['a', 'plan']), [ev('nexus.job.readied', 'zzz'), ev('nexus.run.succeeded', null)])
    expect(result).toEqual({ unknownJobs: 1, runStatus: 'succeeded' })
  })
  it('a regeneration resets the cache mark and takes the new variant', () => {
    const jobs = jobsOf(['a', 'shot-001.frame'])
    foldEvents(jobs, [ev('nexus.job.cache_hit', 'a'), ev('nexus.job.regenerated', 'a', { variant: 2 })])
    expect(jobs.get('a')).toMatchObject({ status: 'pending', cacheHit: false, variant: 2, progress: 0 })
  })
})

describe('stageProgress', () => {
  it('counts per stage in pipeline order', () => {
    const jobs = jobsOf(['1', 'final'], ['2', 'shot-000.tts.0'], ['3', 'shot-001.tts.0'], ['4', 'plan'])
    foldEvents(jobs, [ev('nexus.job.cache_hit', '2'), ev('nexus.job.started', '3'), ev('nexus.job.succeeded', '4')])
    expect(stageProgress(jobs.values())).toEqual([
      { stage: 'plan', total: 1, done: 1, running: 0, failed: 0, cached: 0 },
      { stage: 'tts', total: 2, done: 1, running: 1, failed: 0, cached: 1 },
      { stage: 'final', total: 1, done: 0, running: 0, failed: 0, cached: 0 },
    ])
  })
})
