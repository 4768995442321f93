// Waveform drawing as pure functions: an envelope path from min/max peaks (x: bucket index,
// y: 0..100 with 50 the zero line), and the shot boundaries as fractions of the film.
import type { Waveform } from '@/api/types'

export function envelopePath(min: number[], max: number[], height = 100): string {
  const n = Math.min(min.length, max.length)
  if (!n) return ''
  const mid = height / 2
  const y = (v: number) => (mid - Math.max(-1, Math.min(1, v)) * mid).toFixed(2)
  const top = Array.from({ length: n }, (_, i) => `${i} ${y(max[i]!)}`)
  const bottom = Array.from({ length: n }, (_, j) => `${n - 1 - j} ${y(min[n - 1 - j]!)}`)
  return `M${top.join('L')}L${bottom.join('L')}Z`
}

export interface Boundary { shotId: string; at: number; n: number }

export function boundaries(wave: Pick<Waveform, 'shots' | 'duration_s'>): Boundary[] {
  const total = wave.duration_s || 1
  return wave.shots.map((s, i) => ({ shotId: s.shot_id, at: s.start_s / total, n: i + 1 }))
}

/** Share of buckets above a small threshold: "how much of the film this track speaks". */
export function activity(wave: Pick<Waveform, 'min' | 'max'>, threshold = 0.02): number {
  const n = wave.max.length
  if (!n) return 0
  let on = 0
  for (let i = 0; i < n; i++) if (Math.max(wave.max[i]!, -wave.min[i]!) > threshold) on++
  return on / n
}
