// Layout and traversal of a run's job graph. Layered by longest path from the roots; nodes
// of one shot share a lane (a row band), so a 15-shot film reads as 15 rows of
// tts -> speech / frame -> clip -> segment, with the run-wide nodes in lanes of their own.

export interface GraphNode {
  id: string
  key: string
  group: string
}

export interface GraphEdge {
  from: string
  to: string
}

export interface Placed {
  id: string
  x: number
  y: number
  layer: number
}

export interface Layout {
  placed: Map<string, Placed>
  width: number
  height: number
  lanes: { group: string; y: number; height: number }[]
}

export const NODE_W = 132
export const NODE_H = 26
const GAP_X = 36
const GAP_Y = 8
const LANE_GAP = 14
const PAD = 12

/** Longest-path layer of each node (roots are 0); tolerant of edges to unknown nodes. */
export function layersOf(nodes: GraphNode[], edges: GraphEdge[]): Map<string, number> {
  const ids = new Set(nodes.map((n) => n.id))
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]))
  const out = new Map<string, string[]>()
  for (const e of edges) {
    if (!ids.has(e.from) || !ids.has(e.to)) continue
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1)
    const list = out.get(e.from) ?? []
    list.push(e.to)
    out.set(e.from, list)
  }
  const layer = new Map<string, number>()
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id)
  for (const id of queue) layer.set(id, 0)
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string
    for (const next of out.get(id) ?? []) {
      layer.set(next, Math.max(layer.get(next) ?? 0, (layer.get(id) ?? 0) + 1))
      const left = (indegree.get(next) ?? 0) - 1
      indegree.set(next, left)
      if (left === 0) queue.push(next)
    }
  }
  for (const n of nodes) if (!layer.has(n.id)) layer.set(n.id, 0) // a cycle: never expected
  return layer
}

export function layoutGraph(nodes: GraphNode[], edges: GraphEdge[]): Layout {
  const layer = layersOf(nodes, edges)
  const lanesInOrder: string[] = []
  const byLane = new Map<string, GraphNode[]>()
  for (const n of nodes) {
    const lane = n.group || `~${n.key}`
    if (!byLane.has(lane)) {
      byLane.set(lane, [])
      lanesInOrder.push(lane)
    }
    byLane.get(lane)?.push(n)
  }
  // Run-wide nodes without a shot are put in one lane per layer, so they do not each take a row.
  const placed = new Map<string, Placed>()
  const lanes: Layout['lanes'] = []
  let y = PAD
  let maxLayer = 0
  const merged = mergeRunWide(lanesInOrder, byLane, layer)
  for (const [group, members] of merged) {
    const stack = new Map<number, number>()
    for (const n of members) {
      const l = layer.get(n.id) ?? 0
      const row = stack.get(l) ?? 0
      stack.set(l, row + 1)
      maxLayer = Math.max(maxLayer, l)
      placed.set(n.id, { id: n.id, layer: l, x: PAD + l * (NODE_W + GAP_X), y: y + row * (NODE_H + GAP_Y) })
    }
    const rows = Math.max(1, ...stack.values())
    const height = rows * (NODE_H + GAP_Y) - GAP_Y
    lanes.push({ group, y, height })
    y += height + LANE_GAP
  }
  return { placed, lanes, width: PAD * 2 + (maxLayer + 1) * (NODE_W + GAP_X) - GAP_X, height: y - LANE_GAP + PAD }
}

function mergeRunWide(
  order: string[],
  byLane: Map<string, GraphNode[]>,
  layer: Map<string, number>,
): [string, GraphNode[]][] {
  const shots: [string, GraphNode[]][] = []
  const head: GraphNode[] = []
  const tail: GraphNode[] = []
  for (const lane of order) {
    const members = byLane.get(lane) ?? []
    if (!lane.startsWith('~')) shots.push([lane, members])
    else if (shots.length === 0 && members.every((n) => (layer.get(n.id) ?? 0) === 0)) head.push(...members)
    else tail.push(...members)
  }
  const out: [string, GraphNode[]][] = []
  if (head.length) out.push(['', head])
  out.push(...shots)
  if (tail.length) out.push(['', tail])
  return out
}

/** Every node reachable from ``start`` along edges (``start`` included). */
export function descendants(start: Iterable<string>, edges: GraphEdge[]): Set<string> {
  const out = new Map<string, string[]>()
  for (const e of edges) {
    const list = out.get(e.from) ?? []
    list.push(e.to)
    out.set(e.from, list)
  }
  const seen = new Set<string>()
  const stack = [...start]
  while (stack.length) {
    const id = stack.pop() as string
    if (seen.has(id)) continue
    seen.add(id)
    stack.push(...(out.get(id) ?? []))
  }
  return seen
}

/** One SVG path for all edges (one DOM node however many edges there are). */
export function edgePath(layout: Layout, edges: GraphEdge[]): string {
  const parts: string[] = []
  for (const e of edges) {
    const a = layout.placed.get(e.from)
    const b = layout.placed.get(e.to)
    if (!a || !b) continue
    const x1 = a.x + NODE_W
    const y1 = a.y + NODE_H / 2
    const x2 = b.x
    const y2 = b.y + NODE_H / 2
    const mid = (x1 + x2) / 2
    parts.push(`M${x1} ${y1}C${mid} ${y1} ${mid} ${y2} ${x2} ${y2}`)
  }
  return parts.join('')
}
