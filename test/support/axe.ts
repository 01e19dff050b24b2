import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

const require = createRequire(import.meta.url)
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/** Runs axe-core in the page (via CDP evaluate, which the app's CSP does not block). */
export async function axeViolations(page: Page, minImpact: 'serious' | 'critical' = 'serious'): Promise<AxeViolation[]> {
  await page.evaluate(`${axeSource}\n;void 0`)
  const result = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')) })))`
  )) as AxeViolation[]
  const rank = { minor: 1, moderate: 2, serious: 3, critical: 4 } as Record<string, number>
  return result.filter((v) => (rank[v.impact ?? 'minor'] ?? 0) >= rank[minImpact])
}
