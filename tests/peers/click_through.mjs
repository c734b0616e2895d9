// A reader's visit to the library, clicked through in headless Chromium (cdp.mjs): open the
// home page in French, type a search and press Enter, follow a facet, go to the next page of
// results, open a work, export its citation (the BibTeX link, fetched as the browser would),
// switch the language. After each step: what the page shows, and a screenshot.
//
// usage: node click_through.mjs BASE_URL QUERY SCREENSHOT_DIR
// prints one JSON line per step: {"step", "url", "lang" (<html lang>), "h1", "total" (the
// result count shown, when there is one), "titles" (the results' titles), "active" (the active
// filters), "screenshot" (its file)}; the citation step adds "citation" (the file's text).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from './cdp.mjs';

const [base, query, shots] = process.argv.slice(2);
const browser = new Browser();

const SHOWN = `({
  url: location.href,
  lang: document.documentElement.lang,
  h1: document.querySelector('h1')?.textContent.trim() ?? '',
  total: (t => t ? Number(t.textContent) : null)(document.querySelector('.total strong')),
  titles: [...document.querySelectorAll('ol.results h3')].map((h) => h.textContent.trim()),
  active: [...document.querySelectorAll('ul.chips li')].map((li) => li.firstChild.textContent.trim()),
})`;

async function report(page, step, extra = {}) {
  const shown = await page.evaluate(SHOWN);
  const screenshot = join(shots, `${step}.png`);
  writeFileSync(screenshot, await page.screenshot());
  console.log(JSON.stringify({ step, ...shown, ...extra, screenshot }));
}

try {
  const page = await browser.open(`${base}/?lang=fr`);
  await report(page, 'home');

  // Search: the box, the words typed, Enter.
  await page.evaluate('document.querySelector("#q").focus()');
  await page.type(query);
  const from = await page.evaluate('location.href');
  await page.key('Enter', 'Enter', 13);
  await page.loaded((href) => href !== from);
  await report(page, 'search');

  // A facet: the first value of the first facet (document types).
  await page.click('aside.facets ul.counts a');
  await report(page, 'facet');

  // The next page of those results.
  await page.click('nav.pager a[rel=next]');
  await report(page, 'next-page');

  // A work: the first result's title.
  const clicked = await page.evaluate('document.querySelector("ol.results h3").textContent.trim()');
  await page.click('ol.results h3 a');
  await report(page, 'work', { clicked });

  // Its citation as BibTeX: the link a reader clicks, fetched by the page (a download does not
  // navigate).
  const citation = await page.evaluate(`(a => fetch(a.href).then((r) => r.text().then((text) =>
    ({ href: a.getAttribute('href'), status: r.status, type: r.headers.get('content-type'), text }))))
    ([...document.querySelectorAll('section[aria-labelledby=cite] a')].find((a) => a.textContent.includes('BibTeX')))`, true);
  await report(page, 'citation', { citation });

  // The other language, from the header's switch.
  await page.click('a[hreflang][rel=alternate]');
  await report(page, 'language');
} finally {
  await browser.close();
}
