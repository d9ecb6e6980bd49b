/**
 * The accessibility check every browser test runs on the screens it photographs: axe-core
 * (the engine behind most automated WCAG audits) over the whole page, WCAG 2.0-2.2 A and AA
 * rules plus axe's best practices, at the viewport the page has. A violation fails the
 * test with the rule, what it means, and the elements that break it.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/** The rules `page` breaks now (an empty list when it passes). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Loaded per check (a navigation since the last one threw the previous copy away), through
  // the DevTools protocol: the app's CSP rightly refuses an inline <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => ({ target: node.target, failureSummary: node.failureSummary })),
    }));
  }, TAGS);
}

/** Throws, naming every rule and element, if the screen has accessibility violations. */
export async function assertAccessible(page: Page, screen: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length === 0) return;
  const lines = violations.flatMap((violation) => [
    `${violation.id} (${violation.impact ?? 'unrated'}): ${violation.help}`,
    ...violation.nodes.slice(0, 5).map((node) => `  ${node.target.join(' ')}: ${node.failureSummary.replace(/\s+/g, ' ')}`),
  ]);
  throw new Error(`${screen}: accessibility violations\n${lines.join('\n')}`);
}
