// Runs axe-core (installed by tests/run.sh from the npm registry) on pages in headless Chromium
// (Debian's), driven through the DevTools protocol (cdp.mjs), and tries the keyboard: Tab to the
// first control, Enter, Tab again.
//
// usage: node axe_check.mjs AXE_MIN_JS URL...
// prints one JSON line per URL: {"url", "passes" (rules passed), "violations": [{id, impact,
// help, nodes}], "focus" (what has the focus after Tab, Enter, Tab), "in_content" (whether the
// last is inside <main>)}
import { readFileSync } from 'node:fs';
import { Browser } from './cdp.mjs';

const [axePath, ...urls] = process.argv.slice(2);
const axeSource = readFileSync(axePath, 'utf8');
const browser = new Browser();

const FOCUSED = '(e => e.getAttribute("href") ? "a:" + e.getAttribute("href") : e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))(document.activeElement)';

try {
  for (const url of urls) {
    const page = await browser.open(url);
    await page.evaluate(axeSource);
    const { violations, passes } = await page.evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => ({ passes: r.passes.length,
        violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })) }))`,
      true);
    const focus = [];
    await page.key('Tab', 'Tab', 9);
    focus.push(await page.evaluate(FOCUSED));
    await page.key('Enter', 'Enter', 13);
    focus.push(await page.evaluate(FOCUSED));
    await page.key('Tab', 'Tab', 9);
    focus.push(await page.evaluate(FOCUSED));
    const inContent = await page.evaluate(
      '(m => m.contains(document.activeElement) && document.activeElement !== m)(document.querySelector("main"))');
    console.log(JSON.stringify({ url, passes, violations, focus, in_content: inContent }));
    await page.close();
  }
} finally {
  await browser.close();
}
