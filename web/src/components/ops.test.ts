// The operations and revision components: field errors where they belong, budget bars,
// project voices, cue edits that send only what changed, the virtualised event log.
import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { ApiError } from '@/api/client'
import type { Budget, CueView, EventEnvelope, ProjectSettings } from '@/api/types'
import BudgetBars from '@/components/BudgetBars.vue'
import CueList from '@/components/CueList.vue'
import EventLog from '@/components/EventLog.vue'
import ProjectSettingsForm from '@/components/ProjectSettingsForm.vue'
import ProviderForm from '@/components/ProviderForm.vue'
import TrackView from '@/components/TrackView.vue'
import { render } from '@/test/render'

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('ProviderForm', () => {
  it('shows each validation error under its own field, the rest in a list', async () => {
    const submit = () => Promise.reject(new ApiError(422, 'validation_failed', 'invalid body', {
      fields: [
        { field: 'name', message: 'string does not match' },
        { field: 'models.0.prices.per_image', message: 'must be >= 0' },
        { field: 'job_timeout_s', message: 'too small' },
      ],
    }))
    const w = render(ProviderForm, { props: { submit } })
    await w.find('input[name=name]').setValue('Bad Name')
    await w.find('form').trigger('submit')
    await flush()
    expect(w.find('[data-field="name"]').text()).toBe('string does not match')
    expect(w.find('[data-field="models.0.prices.per_image"]').text()).toBe('must be >= 0')
    expect(w.find('[data-field="base_url"]').text()).toBe('')
    expect(w.find('[data-test="other-errors"]').text()).toContain('job_timeout_s')
    expect(w.find('input[name=name]').attributes('aria-invalid')).toBe('true')
  })

  it('sends where the key is read from and only the prices set', async () => {
    const sent: unknown[] = []
    const w = render(ProviderForm, { props: { submit: (b: unknown) => { sent.push(b); return Promise.resolve() } } })
    await w.find('input[name=name]').setValue('local')
    await w.find('input[name=api_key_env]').setValue('LOCAL_KEY')
    await w.find('input[name="models.0.name"]').setValue('m')
    await w.find('input[name="models.0.prices.per_image"]').setValue('0.02')
    await w.find('form').trigger('submit')
    await flush()
    expect(sent[0]).toMatchObject({ name: 'local', kind: 'openai', api_key_env: 'LOCAL_KEY', models: [{ name: 'm', capabilities: ['chat'], prices: { per_image: 0.02 } }] })
    expect(w.emitted('added')).toEqual([['local']])
  })
})

describe('BudgetBars', () => {
  const dim = (limit: number | null, spent: number, held: number) => ({ limit, spent, held, remaining: limit === null ? null : limit - spent - held, utilisation: null })
  it('draws a meter per limited dimension and says unlimited otherwise', () => {
    const budget: Budget = { scope: 'project', scope_id: 'p', usd: dim(10, 4, 1), tokens: dim(null, 5, 0), compute_s: dim(100, 90, 5) }
    const w = render(BudgetBars, { props: { budget } })
    const usd = w.find('[data-dim="usd"] [role="meter"]')
    expect(usd.attributes('aria-valuenow')).toBe('50')
    expect(w.find('[data-dim="usd"] .spent').attributes('style')).toContain('width: 40%')
    expect(w.find('[data-dim="usd"] [data-test="remaining"]').text()).toBe('$5.00')
    expect(w.find('[data-dim="tokens"] [role="meter"]').exists()).toBe(false)
    expect(w.find('[data-dim="tokens"]').text()).toContain('unlimited')
    expect(w.find('[data-dim="compute_s"]').attributes('data-tone')).toBe('warn')
  })
})

describe('ProjectSettingsForm', () => {
  const settings: ProjectSettings = { language: 'zh', resolution: '720p', narrator_voice: null, voices: { 老人: 'zh-male-1' }, budget_usd: null }
  it('edits the voice per character and refuses a character twice', async () => {
    const saved: ProjectSettings[] = []
    const w = render(ProjectSettingsForm, { props: { settings, save: (s: ProjectSettings) => { saved.push(s); return Promise.resolve() }, disabled: false, projectId: 'p', canSetBudget: false } })
    expect(w.find('input[name=budget_usd]').attributes('disabled')).toBeDefined()
    await w.find('[data-test="add-voice"]').trigger('click')
    await w.find('input[name=voice-character-1]').setValue('老人')
    await w.find('input[name=voice-id-1]').setValue('zh-male-2')
    await w.find('form').trigger('submit')
    await flush()
    expect(saved).toHaveLength(0)
    expect(w.text()).toContain('老人 has two voices')
    await w.find('input[name=voice-character-1]').setValue('女孩')
    await w.find('form').trigger('submit')
    await flush()
    expect(saved[0]?.voices).toEqual({ 老人: 'zh-male-1', 女孩: 'zh-male-2' })
  })
})

describe('CueList', () => {
  const cue: CueView = { cue_id: 'shot-000.0', shot_id: 'shot-000', index: 0, text: 'Hello', start_s: 0, end_s: 1.5, film_start_s: 0, film_end_s: 1.5, shot_duration_s: 3, edited: false }
  it('sends the text, and a timing only when it changed', async () => {
    const w = render(CueList, { props: { cues: [cue], disabled: false } })
    const apply = w.find('[data-test="cue-apply"]')
    expect(apply.attributes('disabled')).toBeDefined()
    await w.find('textarea').setValue('Hi there')
    await apply.trigger('click')
    await w.findAll('input[type=number]')[1]!.setValue('2.25')
    await apply.trigger('click')
    expect(w.emitted('apply')?.map((e) => e[1])).toEqual([{ text: 'Hi there' }, { text: 'Hi there', end_s: 2.25 }])
  })
})

describe('TrackView', () => {
  it('draws the waveform of a track once its peaks arrive, with the shot boundaries', () => {
    const shots = [{ shotId: 'shot-000', number: 1, durationS: 2, lines: [{ kind: 'narration' }] }, { shotId: 'shot-001', number: 2, durationS: 2, lines: [{ kind: 'dialogue' }] }]
    const wave = { run_id: 'r', track: 'narration' as const, duration_s: 4, points: 4, min: [-0.5, 0, 0, 0], max: [0.5, 0, 0, 0], shots: [{ shot_id: 'shot-000', start_s: 0, duration_s: 2 }, { shot_id: 'shot-001', start_s: 2, duration_s: 2 }] }
    const w = render(TrackView, { props: { shots: shots as never, waves: { narration: wave } } })
    expect(w.find('[data-track="narration"]').attributes('data-drawn')).toBe('1')
    expect(w.find('[data-track="narration"] path').attributes('d')).toMatch(/^M0 25\.00/)
    expect(w.findAll('[data-track="narration"] line.shot-line').map((l) => l.attributes('x1'))).toEqual(['0', '2'])
    expect(w.find('[data-track="narration"] svg').attributes('aria-label')).toContain('25 %')
    expect(w.find('[data-track="dialogue"]').attributes('data-drawn')).toBe('0')
    expect(w.findAll('.shot-mark')).toHaveLength(2)
  })
})

describe('EventLog', () => {
  it('keeps only the rows in view in the DOM', async () => {
    const events = Array.from({ length: 400 }, (_, i): EventEnvelope => ({
      event_id: i + 1, type: 'nexus.job.succeeded', run_id: 'r', job_id: null, tenant_id: 't', project_id: 'p', trace_id: 'x', occurred_at: '', payload: { node_key: `n${i}` },
    }))
    const w = render(EventLog, { props: { events, total: 1503, lastId: 1503 } })
    await nextTick()
    const rows = w.findAll('[data-test="event-log"] li')
    expect(rows.length).toBeLessThan(25)
    expect(w.find('[data-test="event-log"]').attributes('style')).toContain(`height: ${400 * 18}px`)
    expect(w.find('[data-test="event-count"]').text()).toContain('1503')
  })
})
