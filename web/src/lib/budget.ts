// Pure helpers for the budget bars and cost tables: what share of a limit is spent and held,
// how a dimension reads, and how a cost group's usage is summarised.
import type { BudgetDimension, BudgetScope, CostGroup } from '@/api/types'

/** The budget form's fields as typed (limits as text: blank is unlimited). */
export interface BudgetDraft { scope: BudgetScope; scopeId: string; usd: string; tokens: string; compute_s: string }

export type Dimension = 'usd' | 'tokens' | 'compute_s'
export const DIMENSIONS: Dimension[] = ['usd', 'tokens', 'compute_s']

export interface BarView {
  limited: boolean
  /** Percentages of the limit, clamped so the two segments never exceed 100. */
  spentPct: number
  heldPct: number
  /** Over (or at) the limit, or above 80 %: the bar's tone. */
  tone: 'ok' | 'warn' | 'over'
}

export function bar(d: BudgetDimension): BarView {
  if (d.limit === null || d.limit <= 0) {
    const over = d.limit === 0 && d.spent + d.held > 0
    return { limited: d.limit !== null, spentPct: over ? 100 : 0, heldPct: 0, tone: over ? 'over' : 'ok' }
  }
  const spentPct = Math.min(100, (d.spent / d.limit) * 100)
  const heldPct = Math.min(100 - spentPct, (d.held / d.limit) * 100)
  const used = (d.spent + d.held) / d.limit
  return { limited: true, spentPct, heldPct, tone: used >= 1 ? 'over' : used >= 0.8 ? 'warn' : 'ok' }
}

export function formatAmount(dim: Dimension, value: number | null, locale = 'en'): string {
  if (value === null) return '∞'
  if (dim === 'usd') return `$${value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`
  if (dim === 'tokens') return Math.round(value).toLocaleString(locale)
  return `${value.toLocaleString(locale, { maximumFractionDigits: 1 })} s`
}

export function formatUsd(value: number, locale = 'en'): string {
  return `$${value.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`
}

/** The units a group consumed, as short parts ("1,200 in / 300 out tokens", "4 images"...). */
export function usage(g: CostGroup, locale = 'en'): string[] {
  const n = (v: number) => v.toLocaleString(locale, { maximumFractionDigits: 1 })
  const parts: string[] = []
  if (g.input_tokens || g.output_tokens) parts.push(`${n(g.input_tokens)} / ${n(g.output_tokens)} tok`)
  if (g.images) parts.push(`${n(g.images)} img`)
  if (g.audio_s) parts.push(`${n(g.audio_s)} s audio`)
  if (g.video_s) parts.push(`${n(g.video_s)} s video`)
  return parts
}

/** Largest cost first, then most calls; the groups' share of the total cost (0-100). */
export function ranked(groups: CostGroup[], total: CostGroup): Array<CostGroup & { share: number }> {
  const denom = total.cost_usd > 0 ? total.cost_usd : 0
  return [...groups]
    .sort((a, b) => b.cost_usd - a.cost_usd || b.calls - a.calls || String(a.key).localeCompare(String(b.key)))
    .map((g) => ({ ...g, share: denom ? (g.cost_usd / denom) * 100 : 0 }))
}

/** A number input's value as a limit: blank is unlimited (null); anything else must be >= 0. */
export function parseLimit(raw: string | number | null | undefined): number | null | 'invalid' {
  if (raw === null || raw === undefined || raw === '') return null
  const v = typeof raw === 'number' ? raw : Number(raw)
  return Number.isFinite(v) && v >= 0 ? v : 'invalid'
}
