// The studio's flows in real Chromium against a real `nexus serve`: first-run admin, sign
// out / in, create a project, paste the Chinese sample, watch it complete live, edit shot 2,
// see only that shot's nodes re-run, play the video, download the SRT; change a voice and
// a subtitle cue (only what depends on them re-runs); costs, providers, budgets; tenant B sees
// nothing of tenant A. Screenshots of every page go to web/e2e/artifacts/.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { launchBrowser, REPO, startServer } from './harness.mjs'

const ARTIFACTS = join(REPO, 'web', 'e2e', 'artifacts')
const STORY = readFileSync(join(REPO, 'examples', 'zh', 'lighthouse-zh.md'), 'utf8')
const ADMIN = { email: 'admin@studio.example', password: 'a long first-run passphrase' }
const TENANT_B = { email: 'b@other.example', password: 'tenant b passphrase', tenant: 'tenant-b' }
const EDITED = '老人把灯擦得更亮了，海上的船都看见了它。'
const RUN_TIMEOUT = 540_000

let server
let browser
let page
const problems = []
const state = {}

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false })
}

function watchConsole(p) {
  p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  p.on('console', (m) => {
    // 4xx answers are provoked on purpose (wrong password, blank story, tenant B probing A);
    // any other console error (a CSP violation, an exception) is a defect.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`)
  })
}

async function apiAs(path, init = {}) {
  // the server's access tokens live 30 s here: sign in again when ours may have expired
  if (!state.token || Date.now() - state.tokenAt > 20_000) {
    state.tokenAt = Date.now()
    const r = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
    state.token = (await r.json()).access_token
  }
  const r = await fetch(`${server.url}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${state.token}`, ...init.headers } })
  assert.ok(r.ok, `${path}: ${r.status}`)
  return r.json()
}

async function executedKeys() {
  await page.waitForFunction(() => document.querySelector('[data-test="executed-summary"]')?.getAttribute('data-executed')?.includes('final'))
  return (await page.getAttribute('[data-test="executed-summary"]', 'data-executed')).split(' ').filter(Boolean).sort()
}

async function waitRun(status, timeout = RUN_TIMEOUT) {
  await page.locator(`[data-test="run-status"][data-status="${status}"]`).waitFor({ timeout })
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  // a short access token, so the flow also proves refreshing without losing the page
  server = await startServer({ NEXUS_GATEWAY__ACCESS_TOKEN_TTL_S: '30' })
  browser = await launchBrowser()
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  watchConsole(page)
  state.refreshes = 0
  page.on('response', (r) => {
    if (r.url().endsWith('/api/v1/auth/refresh') && r.status() === 200) state.refreshes++
  })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('a fresh server asks for its first admin, and only then', async () => {
  await page.goto(`${server.url}/`)
  await page.waitForURL(/\/setup$/)
  await page.fill('input[name=display_name]', 'Ada')
  await page.fill('input[name=email]', ADMIN.email)
  await page.fill('input[name=password]', 'short')
  await shot('01-setup')
  await page.fill('input[name=password]', ADMIN.password)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/projects$/)
  const setup = await (await fetch(`${server.url}/api/v1/setup`)).json()
  assert.equal(setup.needs_admin, false)
})

test('sign out, then sign in again', async () => {
  await page.click('[data-test="sign-out"]')
  await page.waitForURL(/\/sign-in/)
  await page.goto(`${server.url}/setup`)
  await page.waitForURL(/\/sign-in/) // setup is closed once an admin exists
  await page.fill('input[name=email]', ADMIN.email)
  await page.fill('input[name=password]', 'wrong password here')
  await page.click('button[type=submit]')
  await page.locator('[data-test="error"]').filter({ hasText: 'unauthenticated' }).waitFor()
  await shot('02-sign-in-error')
  await page.fill('input[name=password]', ADMIN.password)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/projects$/)
})

test('create a project and preview the Chinese sample', async () => {
  await page.fill('[data-test="new-project"] input[name=name]', '灯塔')
  await page.fill('[data-test="new-project"] input[name=description]', 'The Chinese sample')
  await page.click('[data-test="new-project"] button[type=submit]')
  await page.waitForURL(/\/projects\/prj_/)
  state.projectUrl = page.url()
  state.projectId = state.projectUrl.split('/').pop()
  await page.fill('[data-test="story-text"]', '   ')
  await page.click('[data-test="preview"]')
  await page.locator('[data-test="text-error"]', { hasText: 'validation_failed' }).waitFor()
  assert.equal(await page.getAttribute('[data-test="story-text"]', 'aria-invalid'), 'true')
  await page.fill('[data-test="story-text"]', STORY)
  await page.click('[data-test="preview"]')
  await page.locator('[data-test="story-preview"]').waitFor()
  assert.match(await page.textContent('[data-test="detected-language"]'), /Chinese/)
  assert.ok((await page.locator('[data-test="characters"] li').count()) >= 1)
  await shot('03-story-editor')
})

test('run it and watch it complete live', async () => {
  await page.click('[data-test="start-run"]')
  await page.waitForURL(/\/runs\/run_/)
  state.runId = page.url().split('/').pop()
  // live: some node is seen running (or succeeding) while the run is not yet terminal
  await page.locator('[data-test="graph"] [data-status="running"]').first().waitFor({ timeout: 120_000 })
  assert.equal(await page.getAttribute('[data-test="run-status"]', 'data-status'), 'running')
  await page.locator('[data-test="graph"] [data-key="shot-001.frame"]').waitFor()
  await shot('04-run-live')
  await waitRun('succeeded')
  const events = Number((await page.textContent('[data-test="event-count"]')).match(/\d+/)[0])
  assert.ok(events > 50, `the log streamed ${events} events`)
  await page.locator('[data-test="graph"] [data-key="final"]').click()
  await page.locator('[data-test="job-details"] h3', { hasText: 'final' }).waitFor()
  await shot('05-run-done')
})

test('edit shot 2: the page names the nodes that re-run, and only those run', async () => {
  await page.click('nav.tabs >> text=Timeline')
  await page.waitForURL(/\/timeline$/)
  const shot2 = page.locator('li.shot[data-shot="2"]')
  await shot2.locator('img').waitFor()
  await shot('06-timeline')
  await shot2.locator('[data-test="shot-text"]').fill(EDITED)
  await shot2.locator('[data-test="apply-edit"]').click()
  const confirm = page.locator('[data-test="rerun-confirm"]')
  await confirm.waitFor()
  const predicted = (await confirm.locator('[data-test="rerun-list"] code').allTextContents()).sort()
  assert.ok(predicted.includes('shot-001.frame') && predicted.includes('final'), predicted.join(' '))
  assert.ok(predicted.every((k) => /^shot-00[12]\./.test(k) || k === 'mix' || k === 'final'), predicted.join(' '))
  await shot('07-rerun-confirm')
  await confirm.locator('[data-test="confirm"]').click()
  await page.waitForURL((u) => /\/runs\/run_[^/]+$/.test(u.pathname) && !u.pathname.endsWith(state.runId))
  state.revisionId = page.url().split('/').pop()
  await waitRun('succeeded')
  await page.waitForFunction(() => document.querySelector('[data-test="executed-summary"]')?.getAttribute('data-executed')?.includes('final'))
  const executed = (await page.getAttribute('[data-test="executed-summary"]', 'data-executed')).split(' ').filter(Boolean)
  const others = executed.filter((k) => !k.startsWith('shot-001.') && !predicted.includes(k))
  assert.deepEqual(others, [], `nodes outside shot 2's re-run: ${others.join(' ')}`)
  assert.ok(executed.some((k) => k.startsWith('shot-001.tts.')), executed.join(' '))
  const cachedOther = await page.locator('[data-test="graph"] [data-key="shot-005.segment"][data-cached="1"]').count()
  assert.equal(cachedOther, 1, 'another shot is a cache hit')
  await shot('08-revision-done')
  await page.click('nav.tabs >> text=Timeline')
  const revised = page.locator('li.shot[data-shot="2"] [data-test="shot-text"]')
  await revised.waitFor()
  assert.equal(await revised.inputValue(), EDITED, "the revision's timeline shows the edit")
  await page.click('nav.tabs >> text=Job graph')
})

test('the revision plays with subtitles, scrubs per shot, and its SRT downloads', async () => {
  await page.click('nav.tabs >> text=Preview')
  const video = page.locator('[data-test="video"]')
  await video.waitFor()
  await page.waitForFunction(() => document.querySelector('video')?.readyState >= 2, null, { timeout: 60_000 })
  const duration = await video.evaluate((v) => v.duration)
  assert.ok(duration > 10, `video duration ${duration}`)
  await page.locator('[data-test="scrub"] button').nth(2).click()
  await page.waitForFunction(() => !document.querySelector('video').paused && document.querySelector('video').currentTime > 0.1)
  const at = await video.evaluate((v) => v.currentTime)
  assert.ok(at > 1, `scrubbed to shot 3 at ${at} s`)
  const cues = await video.evaluate((v) => {
    const track = v.textTracks[0]
    track.mode = 'showing'
    return new Promise((r) => setTimeout(() => r(track.cues ? track.cues.length : 0), 500))
  })
  assert.ok(cues > 3, `${cues} subtitle cues`)
  await shot('09-player')
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-test="downloads"] a', { hasText: 'SRT' }).click(),
  ])
  const srt = readFileSync(await download.path(), 'utf8')
  assert.match(srt, /-->/)
  assert.ok(srt.includes('灯擦得更亮'), 'the SRT carries the edited text')
})

test("change a character's voice: only its speech, the mix and the film re-run", async () => {
  const shots = (await apiAs(`/api/v1/runs/${state.runId}/shots`)).items
  const pack = (await apiAs(`/api/v1/runs/${state.runId}/entities`)).pack
  const speaker = pack.characters.find((c) => shots.some((s) => s.lines.some((l) => l.speaker_id === c.entity_id)))
  assert.ok(speaker, 'the sample has a speaking character')
  const voice = speaker.voice === 'zh-male-3' ? 'zh-male-2' : 'zh-male-3'
  await page.goto(`${server.url}/runs/${state.runId}/entities`)
  const card = page.locator(`li[data-entity="${speaker.entity_id}"]`)
  await card.locator('[data-test="entity-edit"]').click()
  await card.locator('[data-test="entity-voice"]').fill(voice)
  await card.locator('[data-test="entity-preview"]').click()
  const confirm = page.locator('[data-test="rerun-confirm"]')
  await confirm.waitFor()
  const predicted = (await confirm.locator('[data-test="rerun-list"] code').allTextContents()).sort()
  assert.ok(predicted.includes('mix') && predicted.includes('final'), predicted.join(' '))
  assert.ok(predicted.some((k) => /\.tts\.\d+$/.test(k)), predicted.join(' '))
  assert.ok(!predicted.some((k) => k.endsWith('.frame')), `a voice is not a picture: ${predicted.join(' ')}`)
  await shot('16-entity-revise-confirm')
  await confirm.locator('[data-test="confirm"]').click()
  await page.waitForURL((u) => /\/runs\/run_[^/]+$/.test(u.pathname) && !u.pathname.endsWith(state.runId))
  state.voiceRunId = page.url().split('/').pop()
  await waitRun('succeeded')
  assert.deepEqual(await executedKeys(), predicted, 'the revision ran exactly the predicted nodes')
  await shot('17-entity-revision-done')
})

test('edit one subtitle cue: only its segment and the film re-run', async () => {
  await page.goto(`${server.url}/runs/${state.voiceRunId}/timeline`)
  await page.locator('[data-test="tracks"] [data-track="narration"][data-drawn="1"]').waitFor({ timeout: 60_000 })
  const cue = page.locator('[data-test="cues"] li').nth(1)
  await cue.waitFor()
  const cueId = await cue.getAttribute('data-cue')
  await cue.locator('[data-test="cue-text"]').fill('灯塔的光照亮了整片海。')
  await cue.locator('[data-test="cue-apply"]').click()
  const confirm = page.locator('[data-test="rerun-confirm"]')
  await confirm.waitFor()
  const predicted = (await confirm.locator('[data-test="rerun-list"] code').allTextContents()).sort()
  assert.deepEqual(predicted, [`${cueId.split('.')[0]}.segment`, 'final'].sort())
  await page.locator('[data-test="tracks"]').scrollIntoViewIfNeeded()
  await shot('18-timeline-waveforms')
  await confirm.locator('[data-test="confirm"]').click()
  await page.waitForURL((u) => /\/runs\/run_[^/]+$/.test(u.pathname) && !u.pathname.endsWith(state.voiceRunId))
  await waitRun('succeeded')
  assert.deepEqual(await executedKeys(), predicted)
  await page.click('nav.tabs >> text=Timeline')
  await page.locator(`[data-test="cues"] li[data-cue="${cueId}"].edited`).waitFor()
  await page.locator(`[data-test="cues"] li[data-cue="${cueId}"]`).scrollIntoViewIfNeeded()
  await shot('19-cue-edited')
})

test('costs, providers and budgets pages, seeded through the API', async () => {
  await apiAs('/api/v1/budgets', { method: 'PUT', body: JSON.stringify({ scope: 'tenant', usd: 25, tokens: 2000000 }) })
  await page.goto(`${server.url}/runs/${state.runId}/costs`)
  await page.locator('[data-test="costs-total"]').waitFor()
  await shot('20-run-costs')
  await page.goto(`${server.url}/admin/costs`)
  await page.locator('[data-test="costs-total"]').waitFor()
  await page.selectOption('[data-test="cost-by"]', 'provider')
  await shot('21-costs')
  await page.goto(`${server.url}/admin/providers`)
  const form = page.locator('[data-test="provider-form"]')
  await form.locator('input[name=name]').fill('local-offline')
  await form.locator('select[name=kind]').selectOption('offline')
  await form.locator('input[name="models.0.name"]').fill('offline-chat')
  await form.locator('input[name="models.0.prices.per_image"]').fill('-1')
  await form.locator('[data-test="add-provider"]').click()
  const fieldError = form.locator('[data-field="models.0.prices.per_image"]')
  await page.waitForFunction((el) => el.textContent.trim().length > 0, await fieldError.elementHandle())
  await shot('22-provider-field-error')
  await form.locator('input[name="models.0.prices.per_image"]').fill('0.01')
  await form.locator('[data-test="add-provider"]').click()
  const card = page.locator('[data-provider="local-offline"]')
  await card.waitFor()
  await card.locator('[data-test="test-provider"]').click()
  await card.locator('[data-test="probe"]').waitFor()
  await shot('23-providers')
  await page.goto(`${server.url}/admin/budgets?scope=project&id=${state.projectId}`)
  await page.locator('[data-test="budgets"] [data-scope="tenant"]').waitFor()
  const budget = page.locator('[data-test="budget-form"]')
  await budget.locator('input[name=usd]').fill('-3')
  await budget.locator('[data-test="save-budget"]').click()
  await budget.locator('[data-field="usd"]').filter({ hasText: /\S/ }).waitFor()
  await budget.locator('input[name=usd]').fill('5')
  await budget.locator('[data-test="save-budget"]').click()
  await page.locator('[data-test="budget-saved"]').waitFor()
  await page.locator(`[data-test="budgets"] [data-scope="project"][data-scope-id="${state.projectId}"]`).waitFor()
  await shot('24-budgets')
  await page.goto(state.projectUrl)
  await page.locator('[data-test="project-budget"] [data-dim="usd"] [data-test="remaining"]').waitFor()
  await shot('25-project-budget')
})

test('entities, members, API keys and audit pages render', async () => {
  await page.goto(`${server.url}/runs/${state.revisionId}/entities`)
  await page.locator('[data-test="story.characters"] li').first().waitFor()
  await shot('10-entities')
  await page.goto(`${server.url}/admin/members`)
  await page.locator('[data-test="members"] td', { hasText: ADMIN.email }).waitFor()
  await shot('11-members')
  await page.goto(`${server.url}/admin/api-keys`)
  await page.fill('[data-test="new-key"] input[required]', 'ci')
  await page.click('[data-test="new-key"] button[type=submit]')
  assert.match(await page.locator('[data-test="new-key-value"]').textContent(), /^nxk_/)
  await shot('12-api-keys')
  await page.goto(`${server.url}/admin/audit`)
  await page.fill('form input[placeholder="auth.login"]', 'setup.admin_created')  // policy decisions fill the first page
  await page.click('form button[type=submit]')
  await page.locator('[data-test="audit"] code', { hasText: 'setup.admin_created' }).first().waitFor()
  await shot('13-audit')
  await page.goto(`${server.url}/projects`)
  await page.selectOption('[data-test="locale"]', 'zh')
  await page.locator('h1', { hasText: '项目' }).waitFor()
  await shot('14-projects-zh')
  await page.selectOption('[data-test="locale"]', 'en')
})

test("tenant B cannot see tenant A's project", async () => {
  server.cli(['admin', 'create-user', '--email', TENANT_B.email, '--tenant', TENANT_B.tenant, '--role', 'admin', '--password-stdin'], `${TENANT_B.password}\n`)
  await page.click('[data-test="sign-out"]')
  await page.waitForURL(/\/sign-in/)
  await page.fill('input[name=email]', TENANT_B.email)
  await page.fill('input[name=password]', TENANT_B.password)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/projects$/)
  await page.locator('.state.empty').waitFor()
  assert.equal(await page.locator('[data-test="project-list"] li').count(), 0)
  await page.goto(state.projectUrl)
  await page.locator('[data-test="error"]', { hasText: 'not_found' }).waitFor()
  assert.equal(await page.locator('[data-test="project-name"]').count(), 0)
  await page.goto(`${server.url}/runs/${state.runId}`)
  await page.locator('[data-test="error"]', { hasText: 'not_found' }).waitFor()
  await shot('15-tenant-b-not-found')
})

test('the session was refreshed along the way, never lost', () => {
  const refreshes = state.refreshes
  // The flow lasts well over one token lifetime (30 s, the shortest the server allows).
  assert.ok(refreshes >= 1, `the 30 s access token was refreshed ${refreshes} times`)
})

test('no page error and no CSP violation along the way', () => {
  assert.deepEqual(problems, [])
})
