// A queue drained over animation frames within a time budget (ADR 0284): each frame applies
// slices of the queue until about `budgetMs` of script time (the caller's fold plus the view's
// patch, which `apply` awaits) is spent, then yields to the browser to style, lay out and
// paint. A cap on items per frame, halved after a long frame (rendering the browser does after
// the scripts, which the budget cannot see) and grown back after fast ones, bounds the rest.

export const FRAME_BUDGET_MS = 8
export const MAX_PER_FRAME = 200
export const MIN_PER_FRAME = 4
export const FIRST_SLICE = 16
const SLOW_FRAME_MS = 50
const FAST_FRAME_MS = 24

export interface FrameQueueOptions<T> {
  /** applies one slice; resolves when its effects are on the page (e.g. after Vue's nextTick) */
  apply: (batch: T[]) => void | Promise<void>
  budgetMs?: number
  now?: () => number
  frame?: (cb: () => void) => void
}

export interface FrameQueue<T> {
  push: (item: T) => void
  /** applies everything queued now, in one slice (tests; a caller that must not wait) */
  flushAll: () => Promise<void>
  /** resolves when the queue is empty and no frame is applying */
  drained: () => Promise<void>
  clear: () => void
  readonly size: number
  /** items per frame the cap allows now, and the last per-item cost (ms): for tests and the bench */
  readonly cap: number
  readonly perItemMs: number
}

/** The next cap on items per frame from the last one and the gap between frames (AIMD). */
export function nextCap(cap: number, frameMs: number): number {
  if (frameMs > SLOW_FRAME_MS) return Math.max(MIN_PER_FRAME, Math.floor(cap / 2))
  if (frameMs < FAST_FRAME_MS) return Math.min(MAX_PER_FRAME, cap + 16)
  return cap
}

/** How many items fit in ``leftMs`` at ``perItemMs`` each, within [MIN_PER_FRAME, cap]. */
export function sliceSize(leftMs: number, perItemMs: number, cap: number): number {
  const fit = perItemMs > 0 ? Math.floor(leftMs / perItemMs) : cap
  return Math.max(MIN_PER_FRAME, Math.min(cap, fit))
}

function defaultFrame(cb: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(cb)
  else setTimeout(cb, 16)
}

const defaultNow = () => (typeof performance === 'object' ? performance.now() : Date.now())

export function createFrameQueue<T>(options: FrameQueueOptions<T>): FrameQueue<T> {
  const budget = options.budgetMs ?? FRAME_BUDGET_MS
  const now = options.now ?? defaultNow
  const frame = options.frame ?? defaultFrame
  let queue: T[] = []
  let scheduled = false
  let running: Promise<void> | null = null
  let cap = MAX_PER_FRAME
  let perItem = 0 // ms per item (fold + patch), a moving average; 0 until measured
  let lastFrameAt = 0
  let waiters: (() => void)[] = []

  function settle(): void {
    if (queue.length || scheduled || running) return
    const done = waiters
    waiters = []
    for (const resolve of done) resolve()
  }

  async function applySlice(n: number): Promise<number> {
    const batch = queue.splice(0, n)
    const t0 = now()
    await options.apply(batch)
    const cost = now() - t0
    const sample = cost / batch.length
    perItem = perItem ? perItem * 0.5 + sample * 0.5 : sample
    return cost
  }

  async function runFrame(): Promise<void> {
    const start = now()
    // the gap since the last burst frame: long means the browser's rendering ran long
    if (lastFrameAt) cap = nextCap(cap, start - lastFrameAt)
    let applied = 0
    while (queue.length && applied < cap) {
      const left = budget - (now() - start)
      if (applied > 0 && left <= 0) break
      const n = applied === 0 && !perItem ? FIRST_SLICE : sliceSize(Math.max(left, 0), perItem, cap - applied)
      applied += Math.min(n, queue.length)
      await applySlice(n)
    }
    lastFrameAt = queue.length ? start : 0 // measure gaps only between frames of one burst
  }

  function schedule(): void {
    if (scheduled || running) return
    scheduled = true
    frame(() => {
      scheduled = false
      running = runFrame().finally(() => {
        running = null
        if (queue.length) schedule()
        else settle()
      })
    })
  }

  return {
    push(item: T) {
      queue.push(item)
      schedule()
    },
    async flushAll() {
      if (running) await running
      if (queue.length) await applySlice(queue.length)
      settle()
    },
    drained() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve)
        settle()
      })
    },
    clear() {
      queue = []
      lastFrameAt = 0
      settle()
    },
    get size() {
      return queue.length
    },
    get cap() {
      return cap
    },
    get perItemMs() {
      return perItem
    },
  }
}
