// The assistant in real Chromium against a real `nexus serve` (offline engines): produce
// a short English story, open the run, type the done-when sentence, watch the answer stream
// with its tool calls, open the revised video's run and see it succeed with only the second
// shot's nodes re-run; the conversation is recorded (history, agent run, tool calls, cost).
// Screenshots go to web/e2e/artifacts/.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { launchBrowser, REPO, startServer } from './harness.mjs'

const ARTIFACTS = join(REPO, 'web', 'e2e', 'artifacts')
const ADMIN = { email: 'admin@chat.example', password: 'a long first-run passphrase' }
const SENTENCE = "make the second shot say 'The storm is coming' in Tom's voice and regenerate it"
const STORY = `# The Lighthouse Keeper

Old Tom had kept the lighthouse on Greyhaven Point for forty years. Every evening he climbed the iron stairs and lit the great lamp.

Mara Quinn came running up the cliff path with a letter. "Tom, the harbour master sent this," she called. "A storm is coming tonight."

Tom read the letter twice. "Then the lamp must burn until dawn," he said.
`
const RUN_TIMEOUT = 540_000

let server
let browser
let page
const problems = []
const state = {}
const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

async function api(path, init = {}) {
  if (!state.token || Date.now() - state.at > 20_000) {
    const r = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
    state.token = (await r.json()).access_token
    state.at = Date.now()
  }
  const r = await fetch(`${server.url}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${state.token}`, ...init.headers } })
  assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`)
  return r.json()
}

async function waitFor(check, timeout) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 1000))
  }
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  server = await startServer()
  const setup = await fetch(`${server.url}/api/v1/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ADMIN, display_name: 'Ada' }) })
  assert.ok(setup.ok)
  const project = await api('/api/v1/projects', { method: 'POST', body: JSON.stringify({ name: 'Greyhaven', settings: { language: 'en' } }) })
  const story = await api(`/api/v1/projects/${project.project_id}/stories`, { method: 'POST', body: JSON.stringify({ title: 'Keeper', text: STORY, format: 'md' }) })
  const run = await api('/api/v1/runs', { method: 'POST', headers: { 'Idempotency-Key': 'chat-run' }, body: JSON.stringify({ project_id: project.project_id, pipeline: 'studio', story_id: story.story_id }) })
  state.runId = run.run_id
  browser = await launchBrowser()
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`)
  })
  await page.goto(`${server.url}/sign-in`)
  await page.fill('input[name=email]', ADMIN.email)
  await page.fill('input[name=password]', ADMIN.password)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/projects$/)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('the done-when sentence revises the second shot and links the revised video', async () => {
  const done = await waitFor(async () => {
    const run = await api(`/api/v1/runs/${state.runId}`)
    return ['succeeded', 'failed', 'cancelled'].includes(run.status) ? run : null
  }, RUN_TIMEOUT)
  assert.equal(done.status, 'succeeded', JSON.stringify(done))
  const shots = (await api(`/api/v1/runs/${state.runId}/shots`)).items
  assert.ok(shots.length >= 2, 'the story has a second shot')

  await page.goto(`${server.url}/runs/${state.runId}`)
  const panel = page.locator('[data-test="assistant"]')
  await panel.locator('[data-test="assistant-session"]').waitFor()
  await panel.locator('textarea[name=message]').fill(SENTENCE)
  await shot('chat-01-typed')
  await panel.locator('[data-test="chat-send"]').click()
  await panel.locator('[data-test="tool-chip"]').first().waitFor()
  await shot('chat-02-working')
  const revised = panel.locator('[data-test="revised-run"]').first()
  await revised.waitFor({ timeout: RUN_TIMEOUT })
  await panel.locator('[data-test="answer-cost"]').waitFor({ timeout: RUN_TIMEOUT })
  const chips = await panel.locator('[data-test="tool-chip"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-tool'), e.getAttribute('data-status')]))
  assert.ok(chips.length >= 1 && chips.every(([, s]) => s === 'succeeded'), JSON.stringify(chips))
  await shot('chat-03-answered')

  const revisionId = await revised.getAttribute('data-run')
  const revision = await api(`/api/v1/runs/${revisionId}`)
  assert.equal(revision.status, 'succeeded')
  assert.equal(revision.parent_run_id, state.runId)
  const second = (await api(`/api/v1/runs/${revisionId}/shots`)).items[1]
  assert.match(second.text, /The storm is coming/)

  // what re-ran: of the per-shot nodes, only the second shot's (shot-001.*); whole-video
  // nodes that include it re-run too, every other shot is a cache hit
  const graph = await api(`/api/v1/runs/${revisionId}/graph`)
  const executed = graph.nodes.filter((j) => j.status === 'succeeded' && !j.cache_hit).map((j) => j.node_key)
  const perShot = executed.filter((k) => /^shot-\d{3}\./.test(k))
  assert.ok(perShot.length > 0, `no shot node re-ran: ${executed}`)
  assert.deepEqual([...new Set(perShot.map((k) => k.slice(0, 8)))], ['shot-001'], `re-ran: ${executed}`)
  state.executed = executed

  await revised.click()
  await page.waitForURL(new RegExp(`/runs/${revisionId}$`))
  await page.locator('[data-test="run-status"][data-status="succeeded"]').waitFor({ timeout: 60_000 })
  await shot('chat-04-revision')

  // recorded: the session moved to the revision, its history, the agent run and tool calls
  const sessions = (await api(`/api/v1/sessions?project_id=${done.project_id}`)).items
  const session = sessions.find((s) => s.run_id === revisionId)
  assert.ok(session, 'the session follows the revised run')
  const history = (await api(`/api/v1/sessions/${session.session_id}/messages`)).items
  assert.equal(history[0].content, SENTENCE)
  const agentRunId = history[0].agent_run_id
  const agentRun = await api(`/api/v1/agent-runs/${agentRunId}`)
  assert.equal(agentRun.status, 'succeeded')
  assert.match(agentRun.trace_id, /^[0-9a-f]{32}$/)
  const calls = (await api(`/api/v1/agent-runs/${agentRunId}/tool-calls`)).items
  assert.ok(calls.some((c) => c.tool_name === 'agent__edit_shot' && c.input.shot === 2), JSON.stringify(calls.map((c) => [c.tool_name, c.input])))

  // the conversation is still there after a reload
  await page.goto(`${server.url}/runs/${revisionId}`)
  await page.locator('[data-test="assistant"] [data-role="user"]', { hasText: 'The storm is coming' }).waitFor()
})

test('no console errors on the way', () => {
  assert.deepEqual(problems, [])
})
