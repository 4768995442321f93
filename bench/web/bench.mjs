// bench/web: the studio measured in Debian's Chromium against a real `nexus serve`.
//   1. first load to interactive (cold cache) of sign-in and of the signed-in projects page,
//      next to the floor of the same server and browser (a static file);
//   2. JavaScript of the first route, gzipped as it crosses the wire, next to all chunks;
//   3. a 500-node run graph: render time in the real run page, next to a bare innerHTML
//      render of the same SVG in the same page;
//   4. the run's event burst (a finished 500-node run replays all its events over SSE):
//      the longest frame while they are applied, next to a bare fetch+parse of the stream.
// Prints the figures and writes REPORT.md + results.json. Never a pass/fail test.
import { execSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { chromium, CHROMIUM, CHROMIUM_FLAGS, REPO, startServer } from '../../web/e2e/harness.mjs'

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5)
const HERE = import.meta.dirname
const ADMIN = { email: 'bench@studio.example', password: 'bench passphrase long' }
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.95) - 1)]
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length })

async function api(url, path, token, init = {}) {
  const r = await fetch(`${url}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
  })
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`)
  return r.status === 204 ? null : r.json()
}

async function seed(url) {
  const pair = await api(url, '/api/v1/setup', null, { method: 'POST', body: JSON.stringify(ADMIN) })
  const token = pair.access_token
  const project = await api(url, '/api/v1/projects', token, { method: 'POST', body: JSON.stringify({ name: 'bench' }) })
  const run = await api(url, '/api/v1/runs', token, {
    method: 'POST',
    body: JSON.stringify({ project_id: project.project_id, pipeline: 'dag', params: { layers: 10, width: 50 } }),
  })
  for (;;) {
    const r = await api(url, `/api/v1/runs/${run.run_id}`, token)
    if (['succeeded', 'failed', 'cancelled'].includes(r.status)) break
    await new Promise((res) => setTimeout(res, 500))
  }
  const graph = await api(url, `/api/v1/runs/${run.run_id}/graph`, token)
  // the event ids of the finished run, so a resumed stream can replay exactly the last 1,000
  const stream = await (await fetch(`${url}/api/v1/runs/${run.run_id}/events`, { headers: { authorization: `Bearer ${token}` } })).text()
  const ids = [...stream.matchAll(/^id: ?(\d+)/gm)].map((m) => Number(m[1]))
  return { pair, runId: run.run_id, nodes: graph.nodes.length, edges: graph.edges.length, ids }
}

function tokensScript(pair) {
  const tokens = { access: pair.access_token, refresh: pair.refresh_token, expiresAt: Date.now() + pair.expires_in * 1000 }
  return `localStorage.setItem('nexus.tokens', ${JSON.stringify(JSON.stringify(tokens))})`
}

// In-page probe: the time (performance.now) when a selector first matches, checked on every
// DOM mutation, then in the frame after the one that renders it: a requestAnimationFrame
// callback runs before its frame's style, layout and paint, so the first callback would miss
// them (ADR 0285); the second runs once they are done.
const PROBE = `
window.__probe = (selector, count) => new Promise((resolve) => {
  const check = () => document.querySelectorAll(selector).length >= count
  const done = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))
  if (check()) return done()
  const mo = new MutationObserver(() => { if (check()) { mo.disconnect(); done() } })
  mo.observe(document, { childList: true, subtree: true, attributes: true })
})
window.__frames = []
;(function loop(last) { requestAnimationFrame((t) => { window.__frames.push([t, t - last]); loop(t) }) })(performance.now())
window.__loaf = []
// Long Animation Frames with their attribution: the scripts that ran (who invoked them, how
// long, how much of it was forced style/layout) and when rendering (rAF, style, layout, paint) began
try {
  new PerformanceObserver((l) => window.__loaf.push(...l.getEntries().map((e) => ({
    start: e.startTime, duration: e.duration, renderStart: e.renderStart, styleStart: e.styleAndLayoutStart,
    scripts: e.scripts.map((s) => ({ invoker: s.invoker, fn: s.sourceFunctionName, url: (s.sourceURL || '').split('/').pop(), duration: s.duration, forced: s.forcedStyleAndLayoutDuration })),
  })))).observe({ type: 'long-animation-frame', buffered: true })
} catch {}
`

// The longest long-animation-frame of a window, split into its scripts (by invoker), the
// rendering steps before style/layout (rAF callbacks: the store's flush and Vue's patch) and
// style + layout + paint; null when no frame passed 50 ms.
function attribute(entries) {
  if (!entries.length) return null
  const e = entries.reduce((a, b) => (b.duration > a.duration ? b : a))
  const end = e.start + e.duration
  const render = e.renderStart ? end - e.renderStart : 0
  const styleLayoutPaint = e.styleStart ? end - e.styleStart : 0
  const scripts = e.scripts.map((s) => ({ invoker: s.invoker, fn: s.fn, url: s.url, ms: Math.round(s.duration), forced: Math.round(s.forced) }))
  return {
    duration: Math.round(e.duration), longFrames: entries.length, scriptMs: Math.round(e.scripts.reduce((t, s) => t + s.duration, 0)),
    renderMs: Math.round(render), styleLayoutPaintMs: Math.round(styleLayoutPaint), scripts,
  }
}

// every long frame of the page, relative to the graph's paint: [start, ms, script ms, top invoker]
const timeline = (entries, t0) => entries.map((e) => [Math.round(e.start - t0), Math.round(e.duration),
  Math.round(e.scripts.reduce((t, s) => t + s.duration, 0)), e.scripts[0] ? `${e.scripts[0].invoker} ${e.scripts[0].url}` : ''])

async function withPage(browser, init, fn) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await context.addInitScript(PROBE)
  if (init) await context.addInitScript(init)
  const page = await context.newPage()
  try {
    return await fn(page)
  } finally {
    await context.close()
  }
}

async function firstLoad(browser, url, pair) {
  const out = { signIn: [], projects: [], floor: [], jsWire: [], jsRaw: [] }
  for (let i = 0; i < REPEATS; i++) {
    out.floor.push(await withPage(browser, null, async (page) => {
      await page.goto(`${url}/favicon.svg`, { waitUntil: 'load' })
      return page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd)
    }))
    const { ms, wire, raw } = await withPage(browser, null, async (page) => {
      const scripts = []
      page.on('response', async (r) => {
        if (r.request().resourceType() === 'script') scripts.push(r)
      })
      await page.goto(`${url}/sign-in`, { waitUntil: 'commit' })
      const ms = await page.evaluate(() => window.__probe('form button[type=submit]:not([disabled])', 1))
      await page.waitForLoadState('networkidle')
      let wire = 0
      let raw = 0
      for (const r of scripts) {
        const sizes = await r.request().sizes()
        wire += sizes.responseBodySize
        raw += (await r.body()).length
      }
      return { ms, wire, raw }
    })
    out.signIn.push(ms)
    out.jsWire.push(wire)
    out.jsRaw.push(raw)
    out.projects.push(await withPage(browser, tokensScript(pair), async (page) => {
      await page.goto(`${url}/projects`, { waitUntil: 'commit' })
      return page.evaluate(() => window.__probe('[data-test="project-list"] li, .state.empty', 1))
    }))
  }
  return out
}

async function runPage(browser, url, pair, runId, nodes, expected, after = 0) {
  const out = { render: [], bare: [], maxFrame: [], idleFrame: [], p95Frame: [], withGraph: [], timeline: [], loaf: [], attribution: [], events: [], applyMs: [], bareStream: [] }
  for (let i = 0; i < REPEATS; i++) {
    const r = await withPage(browser, tokensScript(pair), async (page) => {
      // a resumed stream (Last-Event-ID), as after a dropped connection: only the last events
      if (after) await page.route('**/events*', (route) => route.continue({ headers: { ...route.request().headers(), 'last-event-id': String(after) } }))
      await page.goto(`${url}/runs/${runId}`, { waitUntil: 'commit' })
      const painted = await page.evaluate((n) => window.__probe('[data-test="graph"] g.node', n), nodes)
      const graphEnd = await page.evaluate(() => {
        const e = performance.getEntriesByType('resource').find((x) => x.name.includes('/graph'))
        return e ? e.responseEnd : NaN
      })
      // the stream ends when every event was sent; the store then reloads the run
      await page.locator('.stream[data-stream="ended"]').waitFor({ timeout: 120_000 })
      // ...and the page has applied every event (it drains its queue frame by frame)
      const countOf = () => Number(document.querySelector('[data-test="event-count"]').textContent.match(/\d+/)[0])
      // a function, not a string: the studio's CSP (script-src 'self') refuses eval
      await page.waitForFunction((n) => Number(document.querySelector('[data-test="event-count"]').textContent.match(/\d+/)[0]) >= n, expected, { timeout: 120_000 })
      const appliedAt = await page.evaluate(() => performance.now())
      const seen = await page.evaluate(countOf)
      const sse = await page.evaluate(() => {
        const e = performance.getEntriesByType('resource').find((x) => x.name.includes('/events'))
        return e ? [e.requestStart, e.responseEnd] : [NaN, NaN]
      })
      // frames after the graph is painted (its render is the figure above) until the stream
      // ends and every event is applied
      const withGraph = await page.evaluate(([a, b]) => Math.max(...window.__frames.filter(([t]) => t > a && t <= b + 200).map(([, d]) => d)), [graphEnd, Math.max(sse[1], appliedAt)])
      const frames = await page.evaluate(([a, b]) => window.__frames.filter(([t]) => t > a && t <= b + 200).map(([, d]) => d), [Math.max(painted, sse[0]), Math.max(sse[1], appliedAt)])
      const loaf = await page.evaluate(() => window.__loaf)
      const windowLoaf = attribute(loaf.filter((e) => e.start + e.duration > Math.max(painted, sse[0]) && e.start <= Math.max(sse[1], appliedAt) + 200))
      // peer 1: the same nodes drawn by one innerHTML string in the same page
      const bare = await page.evaluate((n) => new Promise((resolve) => {
        const t0 = performance.now()
        const host = document.createElement('div')
        let s = `<svg width="2000" height="${n * 34}">`
        for (let k = 0; k < n; k++) s += `<g transform="translate(${(k % 10) * 170},${Math.floor(k / 10) * 34})"><rect width="132" height="26" rx="5"></rect><text x="7" y="17">node ${k}</text></g>`
        host.innerHTML = s + '</svg>'
        document.body.appendChild(host)
        requestAnimationFrame(() => { resolve(performance.now() - t0); host.remove() })
      }), nodes)
      // peer 2: the same event stream read by a bare fetch + split + JSON.parse (no UI)
      const bareStream = await page.evaluate(async (id) => {
        const tokens = JSON.parse(localStorage.getItem('nexus.tokens'))
        const t0 = performance.now()
        const r = await fetch(`/api/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${tokens.access}` } })
        const text = await r.text()
        let count = 0
        for (const block of text.split(/\r?\n\r?\n/)) {
          const data = block.split(/\r?\n/).find((l) => l.startsWith('data:'))
          if (data) { JSON.parse(data.slice(5)); count++ }
        }
        return [performance.now() - t0, count]
      }, runId)
      // peer 3: the longest frame of the same page doing nothing for as long (machine noise)
      const window_ = sse[1] - sse[0] + 200
      const idleFrame = await page.evaluate((ms) => new Promise((resolve) => {
        const start = performance.now()
        setTimeout(() => resolve(Math.max(...window.__frames.filter(([t]) => t >= start).map(([, d]) => d))), ms)
      }), Math.max(window_, 500))
      return { render: painted - graphEnd, bare, maxFrame: Math.max(...frames), withGraph, p95Frame: p95(frames), idleFrame, loaf: loaf.length ? Math.max(...loaf.map((e) => e.duration)) : 0, attribution: windowLoaf, timeline: timeline(loaf, painted), events: seen, applyMs: sse[1] - sse[0], bareStream: bareStream[0] }
    })
    for (const k of Object.keys(out)) out[k].push(r[k])
  }
  return out
}

function chunkSizes() {
  const files = execSync(`ls ${join(REPO, 'web/dist/assets')}`).toString().trim().split('\n')
  const js = files.filter((f) => f.endsWith('.js.gz'))
  const total = js.reduce((s, f) => s + Number(execSync(`stat -c %s ${join(REPO, 'web/dist/assets', f)}`).toString()), 0)
  return { chunks: files.filter((f) => f.endsWith('.js')).length, allJsGzip: total }
}

function context() {
  const git = (c) => { try { return execSync(`git -C ${REPO} ${c}`).toString().trim() } catch { return '?' } }
  return {
    command: 'node bench/web/bench.mjs', repeats: REPEATS, nproc: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), loadavgStart: os.loadavg().map((x) => +x.toFixed(2)),
    chromium: execSync(`${CHROMIUM} --version 2>/dev/null`).toString().trim(), node: process.version,
    commit: git('rev-parse --short HEAD'), dirty: git('status --porcelain web src').length > 0,
  }
}

// the repeat whose longest long frame is the median one (null entries: no frame over 50 ms)
const medianEntry = (xs) => {
  const s = [...xs].sort((a, b) => (a?.duration ?? 0) - (b?.duration ?? 0))
  return s[Math.floor((s.length - 1) / 2)] ?? null
}
const attr = (a) => {
  if (!a) return 'no frame over 50 ms'
  const top = [...a.scripts].sort((x, y) => y.ms - x.ms).slice(0, 2).map((x) => `${x.invoker} ${x.ms} ms`).join(', ')
  return `${a.duration} ms: scripts ${a.scriptMs} ms (${top || 'none'}), rendering from rAF ${a.renderMs} ms of which style/layout/paint ${a.styleLayoutPaintMs} ms; ${a.longFrames} frames over 50 ms`
}
const fmt = (s, unit = 'ms', d = 0) => `${s.median.toFixed(d)} ${unit} (min ${s.min.toFixed(d)}, max ${s.max.toFixed(d)})`

async function main() {
  const ctx = context()
  const server = await startServer()
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
  try {
    const seeded = await seed(server.url)
    const load = await firstLoad(browser, server.url, seeded.pair)
    const run = await runPage(browser, server.url, seeded.pair, seeded.runId, seeded.nodes, seeded.ids.length)
    const after = seeded.ids.length > 1000 ? seeded.ids[seeded.ids.length - 1001] : 0
    const run1000 = await runPage(browser, server.url, seeded.pair, seeded.runId, seeded.nodes, Math.min(1000, seeded.ids.length), after)
    ctx.loadavgEnd = os.loadavg().map((x) => +x.toFixed(2))
    const sizes = chunkSizes()
    const r = {
      context: ctx, graph: { nodes: seeded.nodes, edges: seeded.edges }, sizes,
      signIn: stats(load.signIn), projects: stats(load.projects), floor: stats(load.floor),
      jsWire: stats(load.jsWire), jsRaw: stats(load.jsRaw),
      render: stats(run.render), bareRender: stats(run.bare), maxFrame: stats(run.maxFrame), p95Frame: stats(run.p95Frame), withGraph: stats(run.withGraph), withGraph1000: stats(run1000.withGraph), idleFrame: stats(run.idleFrame), loaf: stats(run.loaf),
      attribution: medianEntry(run.attribution), attribution1000: medianEntry(run1000.attribution),
      events: stats(run.events), streamMs: stats(run.applyMs), bareStream: stats(run.bareStream),
      maxFrame1000: stats(run1000.maxFrame), p95Frame1000: stats(run1000.p95Frame), idleFrame1000: stats(run1000.idleFrame), events1000: stats(run1000.events),
    }
    // BENCH_OUT=DIR keeps a side-by-side run (e.g. a baseline build) out of the committed report
    const out = process.env.BENCH_OUT ?? HERE
    writeFileSync(join(out, 'results.json'), JSON.stringify({ ...r, raw: { load, run, run1000 } }, null, 2))
    writeFileSync(join(out, 'REPORT.md'), report(r))
    console.log(report(r))
  } finally {
    await browser.close()
    await server.stop()
  }
}

function report(r) {
  const kb = (b) => `${(b / 1024).toFixed(1)} kB`
  const c = r.context
  return `# bench/web — the studio in Chromium (generated by \`node bench/web/bench.mjs\`)

Medians of ${c.repeats} repeats (min, max), each in a fresh browser context (cold cache), against
one \`nexus serve\` (embedded, SQLite) on loopback. Peers are measured side by side in the same run.

| figure | target | measured | peer (same run) | ratio |
|---|---|---|---|---|
| sign-in page, navigation start to interactive form | <= 1500 ms | ${fmt(r.signIn)} | static file from the same server: ${fmt(r.floor)} | ${(r.signIn.median / r.floor.median).toFixed(1)}x the floor |
| projects page (signed in: /auth/me + list), to content | <= 1500 ms | ${fmt(r.projects)} | — | — |
| JavaScript of the first route, bytes on the wire (gzip) | <= 250 kB | ${kb(r.jsWire.median)} (${kb(r.jsRaw.median)} inflated) | all ${r.sizes.chunks} chunks gzipped: ${kb(r.sizes.allJsGzip)} | first route is ${((r.jsWire.median / r.sizes.allJsGzip) * 100).toFixed(0)}% of all JS |
| run graph render, ${r.graph.nodes} nodes / ${r.graph.edges} edges (graph response to painted) | <= 300 ms | ${fmt(r.render)} | bare innerHTML of ${r.graph.nodes} SVG groups: ${fmt(r.bareRender)} | ${(r.render.median / r.bareRender.median).toFixed(1)}x |
| longest frame while the event burst is applied | <= 100 ms | ${fmt(r.maxFrame)} | the same page idle for as long, right after: ${fmt(r.idleFrame)} | ${(r.maxFrame.median / Math.max(r.idleFrame.median, 1)).toFixed(1)}x |
| p95 frame while the event burst is applied | — | ${fmt(r.p95Frame)} | — | — |
| longest frame from the graph response on (the graph's first paint included) | — | ${fmt(r.withGraph)}; resumed stream ${fmt(r.withGraph1000)} | — | — |
| the burst's longest long-animation-frame, attributed (median repeat) | — | ${attr(r.attribution)} | — | — |
| longest long-animation-frame entry (whole page life) | — | ${fmt(r.loaf)} | — | — |
| events in the burst (SSE replay of the finished run) | >= 1000 | ${r.events.median} | — | — |
| longest frame, a resumed stream of the last ${r.events1000.median} events | <= 100 ms | ${fmt(r.maxFrame1000)} | the same page idle for as long, right after: ${fmt(r.idleFrame1000)} | ${(r.maxFrame1000.median / Math.max(r.idleFrame1000.median, 1)).toFixed(1)}x |
| p95 frame, the resumed stream | — | ${fmt(r.p95Frame1000)} | — | — |
| the resumed stream's longest long-animation-frame, attributed | — | ${attr(r.attribution1000)} | — | — |
| stream read and applied, request to end | — | ${fmt(r.streamMs)} | bare fetch + split + JSON.parse of the same stream: ${fmt(r.bareStream)} | ${(r.streamMs.median / r.bareStream.median).toFixed(1)}x |

Context: ${c.nproc} CPUs, ${c.memoryGiB} GiB, load average ${c.loadavgStart.join('/')} at start and
${c.loadavgEnd.join('/')} at end (a machine shared with other engineers), ${c.chromium}, Node ${c.node},
commit ${c.commit}${c.dirty ? ' (with uncommitted changes)' : ''}.

How each figure is taken:
- *Interactive*: an in-page MutationObserver notes when the form's enabled submit button exists
  (Vue has mounted and bound its handlers), then one animation frame later (painted).
- *JavaScript on the wire*: Chromium's response body sizes of every script the sign-in route
  loads (the gateway serves the build's precompressed \`.gz\` files).
- *Graph render*: from the \`/graph\` response's end (Resource Timing) to the frame after the
  one that draws the last of the ${r.graph.nodes} node groups (so its style, layout and paint are
  in); the run is a finished \`dag\` run (10 layers x 50).
- *Longest frame*: gaps between successive requestAnimationFrame callbacks from the frame
  after the graph is painted (or the SSE request's start, if later) to the stream's end
  (+200 ms) and the page has applied every event, while the store folds them into the graph
  (slices until ~8 ms of script per frame, at most 200 events, fewer after slow frames).
  *p95* is over the same gaps. The *attributed* long frame is the longest
  long-animation-frame entry in that window: its scripts by invoker, and the rendering
  from its first rAF callback (style, layout, paint after the scripts). The
  idle peer is the same page doing nothing for as long right after: on a machine this
  loaded, it shows how much of a long frame is the machine rather than the page.
`
}

await main()
