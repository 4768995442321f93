import { describe, expect, it } from 'vitest'
import { createFrameQueue, FIRST_SLICE, MAX_PER_FRAME, MIN_PER_FRAME, nextCap, sliceSize } from './frameQueue'

// A fake clock and frame scheduler: `apply` costs `costPerItem` ms of script per item (plus a
// fixed `overhead` per slice, like Vue's patch of the whole graph); frames run when asked.
function harness(costPerItem: number, overhead = 0, frameGap = 16) {
  let t = 0
  const frames: (() => void)[] = []
  const slices: number[][] = []
  const applied: number[] = []
  const q = createFrameQueue<number>({
    now: () => t,
    frame: (cb) => frames.push(cb),
    apply: async (batch) => {
      t += overhead + costPerItem * batch.length
      applied.push(...batch)
      slices.at(-1)?.push(batch.length)
    },
  })
  const runFrame = async () => {
    const cb = frames.shift()
    if (!cb) return false
    t += frameGap
    slices.push([])
    cb()
    for (let i = 0; i < 50; i++) await Promise.resolve() // let the frame's slices finish
    return true
  }
  return { q, runFrame, slices, applied, time: () => t }
}

describe('the frame queue', () => {
  it('spends about the budget of script per frame, then yields', async () => {
    const h = harness(0.1) // 0.1 ms per event: ~80 fit in 8 ms
    for (let i = 0; i < 1000; i++) h.q.push(i)
    await h.runFrame()
    const first = h.slices[0] as number[]
    expect(first[0]).toBe(FIRST_SLICE) // a small probe slice measures the cost first
    const n = first.reduce((a, b) => a + b, 0)
    expect(n).toBeGreaterThanOrEqual(70)
    expect(n).toBeLessThanOrEqual(90)
    expect(h.q.size).toBe(1000 - n)
  })

  it('drains a burst in order, losing nothing, over many frames', async () => {
    const h = harness(0.05, 1)
    for (let i = 0; i < 1000; i++) h.q.push(i)
    let frames = 0
    while (await h.runFrame()) frames++
    expect(h.applied).toEqual([...Array(1000).keys()])
    expect(frames).toBeGreaterThan(5)
    for (const s of h.slices) expect(s.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_PER_FRAME)
  })

  it('applies at least a few events per frame however slow they are', async () => {
    const h = harness(20) // one event is over the budget by itself
    for (let i = 0; i < 50; i++) h.q.push(i)
    await h.runFrame()
    await h.runFrame()
    expect(h.slices[1]).toEqual([MIN_PER_FRAME])
  })

  it('halves the cap after a long frame (rendering the budget cannot see)', async () => {
    const h = harness(0.01, 0, 120) // cheap scripts, but 120 ms between frames
    for (let i = 0; i < 2000; i++) h.q.push(i)
    await h.runFrame()
    await h.runFrame()
    expect(h.q.cap).toBe(MAX_PER_FRAME / 2)
    await h.runFrame()
    expect(h.q.cap).toBe(MAX_PER_FRAME / 4)
  })

  it('resolves drained only when every item was applied', async () => {
    const h = harness(0.1)
    for (let i = 0; i < 300; i++) h.q.push(i)
    let done = false
    void h.q.drained().then(() => (done = true))
    await h.runFrame()
    await Promise.resolve()
    expect(done).toBe(false)
    while (await h.runFrame());
    await Promise.resolve()
    expect(done).toBe(true)
    expect(h.applied).toHaveLength(300)
  })

  it('flushAll applies the rest at once; clear drops it', async () => {
    const h = harness(0.1)
    for (let i = 0; i < 10; i++) h.q.push(i)
    await h.q.flushAll()
    expect(h.applied).toHaveLength(10)
    h.q.push(11)
    h.q.clear()
    expect(h.q.size).toBe(0)
  })
})

describe('the cap and the slice size', () => {
  it('halves after a slow frame, grows back after fast ones, within bounds', () => {
    expect(nextCap(MAX_PER_FRAME, 120)).toBe(MAX_PER_FRAME / 2)
    expect(nextCap(MIN_PER_FRAME, 500)).toBe(MIN_PER_FRAME)
    expect(nextCap(20, 16)).toBe(36)
    expect(nextCap(MAX_PER_FRAME, 16)).toBe(MAX_PER_FRAME)
    expect(nextCap(30, 35)).toBe(30)
  })
  it('fits the time left, never below the minimum nor above the cap', () => {
    expect(sliceSize(8, 0.1, 200)).toBe(80)
    expect(sliceSize(8, 0.01, 200)).toBe(200)
    expect(sliceSize(0, 1, 200)).toBe(MIN_PER_FRAME)
    expect(sliceSize(8, 0, 50)).toBe(50)
  })
})
