// Which nodes a shot edit or a shot regeneration will run again, before the person confirms.
// Mirrors the pipeline's cache keys: an edit changes every node of the shot (its text, voice
// or duration is in their parameters), a regeneration re-runs the shot's frame onwards; in
// both cases everything downstream of those nodes (the next shot's dissolve, mix, final).
import { descendants, type GraphEdge } from './dag'

export interface KeyedNode {
  id: string
  key: string
}

export type RerunKind = 'edit' | 'regenerate'

export function predictRerun(
  nodes: KeyedNode[],
  edges: GraphEdge[],
  shotId: string,
  kind: RerunKind,
): string[] {
  const start = nodes.filter((n) =>
    kind === 'edit' ? n.key.startsWith(`${shotId}.`) : n.key === `${shotId}.frame`,
  )
  const ids = descendants(
    start.map((n) => n.id),
    edges,
  )
  return nodes.filter((n) => ids.has(n.id)).map((n) => n.key).sort()
}
