import { describe, expect, it } from 'vitest'
import { descendants, edgePath, layersOf, layoutGraph, NODE_H } from './dag'

const node = (key: string) => ({ id: key, key, group: key.startsWith('shot-') ? key.split('.')[0] as string : '' })
const studio = ['plan', 'music', 'shot-000.tts.0', 'shot-000.frame', 'shot-000.clip', 'shot-001.tts.0', 'shot-001.frame', 'shot-001.clip', 'mix', 'final'].map(node)
const edges = [
  ['plan', 'shot-000.tts.0'], ['plan', 'shot-000.frame'], ['shot-000.tts.0', 'shot-000.clip'], ['shot-000.frame', 'shot-000.clip'],
  ['plan', 'shot-001.tts.0'], ['plan', 'shot-001.frame'], ['shot-001.tts.0', 'shot-001.clip'], ['shot-001.frame', 'shot-001.clip'],
  ['shot-000.clip', 'shot-001.clip'], ['shot-000.clip', 'mix'], ['shot-001.clip', 'mix'], ['music', 'mix'], ['mix', 'final'],
].map(([from, to]) => ({ from: from as string, to: to as string }))

describe('layersOf', () => {
  it('puts each node one layer after its deepest upstream', () => {
    const layer = layersOf(studio, edges)
    expect(layer.get('plan')).toBe(0)
    expect(layer.get('shot-000.clip')).toBe(2)
    expect(layer.get('shot-001.clip')).toBe(3) // after shot-000.clip, not after its own frame
    expect(layer.get('final')).toBe(5)
  })
  it('ignores edges to nodes it does not know', () => {
    expect(layersOf([node('a')], [{ from: 'a', to: 'zzz' }]).get('a')).toBe(0)
  })
})

describe('layoutGraph', () => {
  it('gives every shot its own lane and never overlaps two nodes', () => {
    const layout = layoutGraph(studio, edges)
    expect(layout.lanes.map((l) => l.group)).toEqual(['', 'shot-000', 'shot-001', ''])
    const spots = [...layout.placed.values()].map((p) => `${p.x},${p.y}`)
    expect(new Set(spots).size).toBe(studio.length)
    const t0 = layout.placed.get('shot-000.tts.0')
    const f0 = layout.placed.get('shot-000.frame')
    expect(t0?.x).toBe(f0?.x)
    expect(Math.abs((t0?.y ?? 0) - (f0?.y ?? 0))).toBeGreaterThanOrEqual(NODE_H)
    expect(layout.width).toBeGreaterThan(layout.placed.get('final')?.x ?? 0)
  })
})

describe('descendants and edges', () => {
  it('walks everything downstream, start included', () => {
    expect([...descendants(['shot-000.frame'], edges)].sort()).toEqual(['final', 'mix', 'shot-000.clip', 'shot-000.frame', 'shot-001.clip'])
  })
  it('draws one path segment per known edge', () => {
    const layout = layoutGraph(studio, edges)
    expect(edgePath(layout, edges).match(/M/g)?.length).toBe(edges.length)
    expect(edgePath(layout, [{ from: 'x', to: 'y' }])).toBe('')
  })
})
