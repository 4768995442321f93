// The governance pages in real Chromium against a real `nexus serve`: an admin tries a
// broken draft (policy_invalid), then a policy that holds every run for approval (the
// preview says needs_approval), saves it as version 1; a run the admin starts waits; the
// admin sees they cannot approve their own request; an approver signs in, sees a second
// request arrive without reloading (live refresh), approves one and rejects the other.
// Screenshots go to web/e2e/artifacts/.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { launchBrowser, REPO, startServer } from './harness.mjs'

const ARTIFACTS = join(REPO, 'web', 'e2e', 'artifacts')
const ADMIN = { email: 'admin@gov.example', password: 'a long first-run passphrase' }
const APPROVER = { email: 'approver@gov.example', password: 'approver passphrase', role: 'approver', display_name: 'Grace' }
const POLICY = `package nexus.policy
import rego.v1
default allow := false
allow if {
	input.action == "run.create"
	some role in input.principal.roles
	role in {"editor", "admin"}
}
allow if input.action in {"job.dispatch", "provider.call", "tool.call"}
needs_approval contains "every studio run is reviewed" if input.action == "run.create"
approval_ttl_s := 7200
`

let server
let browser
let page
const problems = []
const state = {}

const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

const tokens = new Map()
async function api(path, init = {}, who = ADMIN) {
  // one sign-in per user every 20 s (logins are rate limited; access tokens expire)
  let t = tokens.get(who.email)
  if (!t || Date.now() - t.at > 20_000) {
    const login = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: who.email, password: who.password }) })
    assert.ok(login.ok, `login ${who.email}: ${login.status}`)
    t = { token: (await login.json()).access_token, at: Date.now() }
    tokens.set(who.email, t)
  }
  const token = t.token
  const r = await fetch(`${server.url}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...init.headers } })
  assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`)
  return r.json()
}

async function startRun(title) {
  const story = await api(`/api/v1/projects/${state.projectId}/stories`, { method: 'POST', body: JSON.stringify({ title, text: '# 灯塔\n\n老人每天晚上点亮灯塔。', format: 'md' }) })
  const run = await api('/api/v1/runs', { method: 'POST', headers: { 'Idempotency-Key': `gov-${title}` }, body: JSON.stringify({ project_id: state.projectId, pipeline: 'studio', story_id: story.story_id }) })
  const pending = await api(`/api/v1/approvals?run_id=${run.run_id}`)
  assert.equal(pending.items.length, 1, 'the run waits for one approval')
  return { runId: run.run_id, approvalId: pending.items[0].approval_id }
}

async function signIn(who) {
  await page.goto(`${server.url}/sign-in`)
  await page.fill('input[name=email]', who.email)
  await page.fill('input[name=password]', who.password)
  await page.click('button[type=submit]')
  await page.waitForURL(/\/projects$/)
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true })
  server = await startServer()
  const setup = await fetch(`${server.url}/api/v1/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...ADMIN, display_name: 'Ada' }) })
  assert.ok(setup.ok)
  await api('/api/v1/members', { method: 'POST', body: JSON.stringify(APPROVER) })
  state.projectId = (await api('/api/v1/projects', { method: 'POST', body: JSON.stringify({ name: 'Governed' }) })).project_id
  browser = await launchBrowser()
  page = browser.context.pages()[0] ?? (await browser.context.newPage())
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`)
  })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

test('an admin tries drafts on the policies page and saves version 1', async () => {
  await signIn(ADMIN)
  await page.click('nav >> text=Policies')
  await page.waitForURL(/\/admin\/policies$/)
  await page.locator('[data-test="policy-current"][data-version="0"]').waitFor()
  assert.match(await page.inputValue('[data-test="policy-source"]'), /package nexus\.policy/)
  await page.click('[data-test="eval-current"]')
  await page.locator('[data-test="decision"][data-verdict="allow"]').waitFor()
  await shot('gov-01-policy-default')

  await page.fill('[data-test="policy-source"]', 'package nexus.policy\nallow if {')
  await page.click('[data-test="eval-draft"]')
  await page.locator('[data-test="error"]', { hasText: 'policy_invalid' }).waitFor()
  await page.fill('[data-test="eval-input"]', '{"action": "run.create"}')
  await page.click('[data-test="eval-draft"]')
  await page.locator('[data-test="input-error"]', { hasText: 'principal' }).waitFor()

  await page.fill('[data-test="policy-source"]', POLICY)
  await page.selectOption('[data-test="eval-action"]', 'run.create')
  await page.click('[data-test="eval-draft"]')
  const decision = page.locator('[data-test="decision"][data-verdict="needs_approval"]')
  await decision.waitFor()
  assert.match(await decision.textContent(), /every studio run is reviewed/)
  await page.locator('[data-test="dirty"]').waitFor()
  await page.fill('[data-test="policy-save"] input[name=comment]', 'review every run')
  await shot('gov-02-policy-draft')
  await page.click('[data-test="policy-save"] button[type=submit]')
  await page.locator('[data-test="policy-saved"]', { hasText: 'version 1' }).waitFor()
  await page.locator('[data-test="policy-current"][data-version="1"]').waitFor()
  await page.locator('[data-test="policy-history"] tr[data-version="1"]', { hasText: 'review every run' }).waitFor()
  const current = await api('/api/v1/policies')
  assert.equal(current.version, 1)
  assert.equal(current.source, POLICY)
  await shot('gov-03-policy-saved')
})

test('the requester cannot approve their own run', async () => {
  state.first = await startRun('first')
  await page.click('nav >> text=Approvals')
  await page.waitForURL(/\/admin\/approvals$/)
  const card = page.locator(`[data-approval="${state.first.approvalId}"]`)
  await card.waitFor()
  assert.match(await card.textContent(), /every studio run is reviewed/)
  assert.match(await card.locator('[data-test="expires"]').textContent(), /expires in 1 h 59 min|expires in 2 h 00 min/)
  await card.locator('[data-test="cannot-decide"][data-why="self"]').waitFor()
  assert.equal(await card.locator('[data-test="approve"]').count(), 0)
  await shot('gov-04-approvals-requester')
})

test('an approver sees a new request arrive live, approves one and rejects the other', async () => {
  await page.click('[data-test="sign-out"]')
  await page.waitForURL(/\/sign-in/)
  await signIn(APPROVER)
  assert.equal(await page.locator('nav >> text=Policies').count(), 0, 'policies are for admins')
  await page.click('nav >> text=Approvals')
  const first = page.locator(`[data-approval="${state.first.approvalId}"]`)
  await first.waitFor()
  state.second = await startRun('second') // the page is not reloaded: the list refreshes itself
  const second = page.locator(`[data-approval="${state.second.approvalId}"]`)
  await second.waitFor({ timeout: 15_000 })
  await shot('gov-05-approvals-approver')

  await first.locator('input[name=reason]').fill('looks fine')
  await first.locator('[data-test="approve"]').click()
  await first.waitFor({ state: 'detached' })
  await second.locator('input[name=reason]').fill('not this one')
  await second.locator('[data-test="reject"]').click()
  await second.waitFor({ state: 'detached' })
  const approved = await api(`/api/v1/approvals/${state.first.approvalId}`)
  assert.equal(approved.status, 'approved')
  assert.equal(approved.note, 'looks fine')
  assert.equal((await api(`/api/v1/approvals/${state.second.approvalId}`)).status, 'rejected')

  await page.click('[data-status-filter="rejected"]')
  await page.locator(`[data-approval="${state.second.approvalId}"][data-status="rejected"] [data-test="decided-by"]`, { hasText: 'not this one' }).waitFor()
  await page.click('[data-status-filter="approved"]')
  await page.locator(`[data-approval="${state.first.approvalId}"][data-status="approved"] [data-test="decided-by"]`, { hasText: 'looks fine' }).waitFor()
  await shot('gov-06-approvals-decided')
})

test('no console errors on the way', () => {
  assert.deepEqual(problems, [])
})
