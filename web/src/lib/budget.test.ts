import { describe, expect, it } from 'vitest'
import type { CostGroup } from '@/api/types'
import { bar, formatAmount, parseLimit, ranked, usage } from './budget'

const dim = (limit: number | null, spent: number, held = 0) => ({
  limit, spent, held, remaining: limit === null ? null : limit - spent - held, utilisation: null,
})
const group = (key: string | null, cost: number, calls = 1): CostGroup => ({
  key, calls, failed: 0, cache_hits: 0, input_tokens: 0, output_tokens: 0, images: 0,
  audio_s: 0, video_s: 0, cost_usd: cost, latency_ms_avg: 0,
})

describe('budget bars', () => {
  it('splits spent and held and picks a tone', () => {
    expect(bar(dim(10, 2, 3))).toEqual({ limited: true, spentPct: 20, heldPct: 30, tone: 'ok' })
    expect(bar(dim(10, 8, 0.5)).tone).toBe('warn')
    const over = bar(dim(10, 9, 4))
    expect(over.spentPct + over.heldPct).toBe(100)
    expect(over.tone).toBe('over')
  })
  it('shows an unlimited dimension empty and a zero limit with use as over', () => {
    expect(bar(dim(null, 5))).toEqual({ limited: false, spentPct: 0, heldPct: 0, tone: 'ok' })
    expect(bar(dim(0, 1)).tone).toBe('over')
  })
})

describe('amounts and costs', () => {
  it('formats each dimension', () => {
    expect(formatAmount('usd', 1.5)).toBe('$1.50')
    expect(formatAmount('tokens', 12345.4)).toBe('12,345')
    expect(formatAmount('compute_s', 3.25)).toBe('3.3 s')
    expect(formatAmount('usd', null)).toBe('∞')
  })
  it('ranks groups by cost with their share', () => {
    const r = ranked([group('a', 1), group('b', 3), group('c', 0, 5)], group(null, 4))
    expect(r.map((g) => g.key)).toEqual(['b', 'a', 'c'])
    expect(r[0]!.share).toBe(75)
  })
  it('lists the units used', () => {
    expect(usage({ ...group('x', 0), input_tokens: 1200, output_tokens: 30, images: 2 })).toEqual(['1,200 / 30 tok', '2 img'])
  })
  it('parses limits: blank is unlimited, negatives are refused', () => {
    expect(parseLimit('')).toBeNull()
    expect(parseLimit('2.5')).toBe(2.5)
    expect(parseLimit(-1)).toBe('invalid')
    expect(parseLimit('abc')).toBe('invalid')
  })
})
