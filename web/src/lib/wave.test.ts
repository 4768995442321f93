import { describe, expect, it } from 'vitest'
import { activity, boundaries, envelopePath } from './wave'

describe('waveform drawing', () => {
  it('draws the envelope top left to right, then the bottom back', () => {
    expect(envelopePath([-0.5, 0], [0.5, 1])).toBe('M0 25.00L1 0.00L1 50.00L0 75.00Z')
    expect(envelopePath([], [])).toBe('')
  })
  it('clamps peaks beyond full scale', () => {
    expect(envelopePath([-2], [2])).toBe('M0 0.00L0 100.00Z')
  })
  it('places shot boundaries as fractions of the film', () => {
    const shots = [{ shot_id: 'a', start_s: 0, duration_s: 2 }, { shot_id: 'b', start_s: 2, duration_s: 6 }]
    expect(boundaries({ shots, duration_s: 8 })).toEqual([{ shotId: 'a', at: 0, n: 1 }, { shotId: 'b', at: 0.25, n: 2 }])
  })
  it('measures how much of the film a track sounds', () => {
    expect(activity({ min: [0, -0.5, 0, 0], max: [0, 0.1, 0.3, 0.01] })).toBe(0.5)
  })
})
