import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { toJobView, type ShotView } from '@/api/mappers'
import type { Job } from '@/api/types'
import ErrorNotice from '@/components/ErrorNotice.vue'
import RunGraph from '@/components/RunGraph.vue'
import ShotCard from '@/components/ShotCard.vue'
import StageBars from '@/components/StageBars.vue'
import { render } from '@/test/render'

function job(id: string, key: string, status: string, cache = false): Job {
  return {
    job_id: id, run_id: 'r', node_key: key, skill: 's', skill_version: '1', status, attempt: 1, max_attempts: 3,
    variant: 0, progress: status === 'running' ? 0.5 : 0, cache_hit: cache, error_code: null, error_message: null,
    created_at: '2026-01-01T00:00:00Z', started_at: null, finished_at: null,
  }
}

describe('RunGraph', () => {
  const jobs = [job('a', 'plan', 'succeeded', true), job('b', 'shot-000.frame', 'running'), job('c', 'final', 'pending')].map(toJobView)
  const edges = [{ from: 'a', to: 'b' }, { from: 'b', to: 'c' }]

  it('draws a node per job, coloured by state, cache hits marked and labelled', () => {
    const w = render(RunGraph, { props: { jobs, edges } })
    const nodes = w.findAll('g.node')
    expect(nodes).toHaveLength(3)
    expect(nodes[0]?.classes()).toContain('cached')
    expect(nodes[0]?.attributes('aria-label')).toBe('plan: succeeded, cache hit')
    expect(nodes[1]?.classes()).toContain('s-running')
    expect(w.find('g.node.s-running rect.bar').attributes('width')).toBe(String(132 * 0.5))
    expect(w.findAll('g.node:not(.s-running) rect.bar').every((r) => r.attributes('width') === '0')).toBe(true)
    expect(w.find('path.edges').attributes('d')?.match(/M/g)).toHaveLength(2)
  })

  it('selects a node by click and by keyboard', async () => {
    const w = render(RunGraph, { props: { jobs, edges } })
    await w.findAll('g.node')[1]?.trigger('click')
    await w.findAll('g.node')[2]?.trigger('keydown', { key: 'Enter' })
    await w.findAll('g.node')[2]?.trigger('keydown', { key: 'x' })
    expect(w.emitted('select')).toEqual([['b'], ['c']])
  })

  it('highlights the nodes predicted to re-run', () => {
    const w = render(RunGraph, { props: { jobs, edges, highlight: new Set(['final']) } })
    expect(w.findAll('g.node.hl').map((g) => g.attributes('data-key'))).toEqual(['final'])
  })
})

describe('ErrorNotice', () => {
  it('shows the message, the code and the trace id', () => {
    const error = new ApiError(404, 'not_found', 'project prj_1 does not exist', { traceId: 'abc123' })
    const w = render(ErrorNotice, { props: { error } })
    expect(w.attributes('role')).toBe('alert')
    expect(w.text()).toContain('project prj_1 does not exist')
    expect(w.find('.code code').text()).toBe('not_found')
    expect(w.find('.trace code').text()).toBe('abc123')
  })
  it('renders nothing without an error', () => {
    expect(render(ErrorNotice, { props: { error: null } }).find('[role=alert]').exists()).toBe(false)
  })
})

describe('ShotCard', () => {
  const shot: ShotView = {
    shotId: 'shot-001', index: 1, number: 2, text: 'old text', speakerId: null, voice: 'zh-narrator', durationS: 4,
    variant: 0, camera: 'static', lines: [{ text: 'old text', voice: 'zh-narrator', kind: 'narration', language: 'zh', speaker_id: null }],
    frameUrl: '/f.png', voiceTakes: [],
  }
  it('sends only the fields that changed', async () => {
    const w = render(ShotCard, { props: { shot, speaker: '', voices: ['zh-narrator'], disabled: false } })
    expect(w.find('[data-test="apply-edit"]').attributes('disabled')).toBeDefined()
    await w.find('[data-test="shot-text"]').setValue('new text')
    await w.find('[data-test="apply-edit"]').trigger('click')
    await w.find('[data-test="variant"]').trigger('click')
    await w.find('[data-test="regenerate"]').trigger('click')
    expect(w.emitted('edit')).toEqual([[{ text: 'new text' }], [{ variant: 'next' }]])
    expect(w.emitted('regenerate')).toHaveLength(1)
    expect(w.find('img').attributes('width')).toBe('192') // sized before it loads: no layout shift
  })
})

describe('StageBars', () => {
  it('shows done / total and cache hits per stage', () => {
    const w = render(StageBars, { props: { stages: [{ stage: 'tts', total: 4, done: 3, running: 1, failed: 0, cached: 2 }] } })
    expect(w.find('progress').attributes('value')).toBe('3')
    expect(w.find('.stage-count').text()).toBe('3/4 · ⟲2')
  })
})
