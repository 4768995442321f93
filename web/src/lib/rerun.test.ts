import { describe, expect, it } from 'vitest'
import { predictRerun } from './rerun'

const keys = ['plan', 'shot-000.tts.0', 'shot-000.frame', 'shot-000.clip', 'shot-000.segment', 'shot-001.tts.0', 'shot-001.frame', 'shot-001.clip', 'shot-001.segment', 'music', 'mix', 'final']
const nodes = keys.map((k) => ({ id: `id-${k}`, key: k }))
const e = (a: string, b: string) => ({ from: `id-${a}`, to: `id-${b}` })
const edges = [
  e('plan', 'shot-000.tts.0'), e('plan', 'shot-000.frame'), e('shot-000.frame', 'shot-000.clip'), e('shot-000.tts.0', 'shot-000.clip'),
  e('shot-000.clip', 'shot-000.segment'), e('plan', 'shot-001.frame'), e('plan', 'shot-001.tts.0'), e('shot-001.frame', 'shot-001.clip'),
  e('shot-001.clip', 'shot-001.segment'), e('shot-000.clip', 'shot-001.segment'), // shot 1 dissolves from shot 0
  e('shot-000.tts.0', 'mix'), e('shot-001.tts.0', 'mix'), e('music', 'mix'), e('mix', 'final'),
  e('shot-000.segment', 'final'), e('shot-001.segment', 'final'),
]

describe('predictRerun', () => {
  it('an edit re-runs every node of the shot and what depends on them', () => {
    expect(predictRerun(nodes, edges, 'shot-000', 'edit')).toEqual(
      ['final', 'mix', 'shot-000.clip', 'shot-000.frame', 'shot-000.segment', 'shot-000.tts.0', 'shot-001.segment'],
    )
  })
  it('a regeneration starts at the frame: the voice is kept', () => {
    const keys = predictRerun(nodes, edges, 'shot-001', 'regenerate')
    expect(keys).toEqual(['final', 'shot-001.clip', 'shot-001.frame', 'shot-001.segment'])
    expect(keys).not.toContain('mix')
  })
  it('an unknown shot re-runs nothing', () => {
    expect(predictRerun(nodes, edges, 'shot-009', 'edit')).toEqual([])
  })
})
