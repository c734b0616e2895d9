// Runs axe-core (installed by tests/run.sh from the npm registry) on pages in headless Chromium
// (Debian's), driven through the DevTools protocol over --remote-debugging-pipe, and tries the
// keyboard: Tab to the first control, Enter, Tab again.
//
// usage: node axe_check.mjs AXE_MIN_JS URL...
// prints one JSON line per URL: {"url", "passes" (rules passed), "violations": [{id, impact,
// help, nodes}], "focus" (what has the focus after Tab, Enter, Tab), "in_content" (whether the
// last is inside <main>)}
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [axePath, ...urls] = process.argv.slice(2);
const axeSource = readFileSync(axePath, 'utf8');
const profile = mkdtempSync(join(tmpdir(), 'essor-axe-'));
const chromium = spawn('chromium', [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--remote-debugging-pipe', `--user-data-dir=${profile}`, '--window-size=1200,1800',
  'about:blank',
], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const toBrowser = chromium.stdio[3];
const fromBrowser = chromium.stdio[4];
fromBrowser.setEncoding('utf8');

let lastId = 0;
const pending = new Map();
let buffer = '';
fromBrowser.on('data', (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const message = JSON.parse(buffer.slice(0, end));
    buffer = buffer.slice(end + 1);
    const waiting = message.id && pending.get(message.id);
    if (waiting) {
      pending.delete(message.id);
      waiting(message);
    }
  }
});

function send(method, params = {}, sessionId = undefined) {
  const id = ++lastId;
  toBrowser.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
  return new Promise((resolve, reject) => {
    pending.set(id, (message) => (message.error
      ? reject(new Error(`${method}: ${JSON.stringify(message.error)}`))
      : resolve(message.result)));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function evaluate(expression, sessionId, awaitPromise = false) {
  const result = await send('Runtime.evaluate', { expression, awaitPromise, returnByValue: true }, sessionId);
  if (result.exceptionDetails) throw new Error(`${expression.slice(0, 60)}: ${JSON.stringify(result.exceptionDetails)}`);
  return result.result.value;
}

async function key(name, code, keyCode, sessionId) {
  const base = { key: name, code, windowsVirtualKeyCode: keyCode };
  await send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...base }, sessionId);
  if (name === 'Enter') await send('Input.dispatchKeyEvent', { type: 'char', text: '\r', ...base }, sessionId);
  await send('Input.dispatchKeyEvent', { type: 'keyUp', ...base }, sessionId);
  await sleep(50);
}

const FOCUSED = '(e => e.getAttribute("href") ? "a:" + e.getAttribute("href") : e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))(document.activeElement)';

try {
  for (const url of urls) {
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    await send('Page.navigate', { url }, sessionId);
    for (let i = 0; i < 200; i += 1) {
      await sleep(50);
      const state = await evaluate('document.readyState + " " + location.href', sessionId);
      if (state.startsWith('complete') && !state.endsWith('about:blank')) break;
    }
    await evaluate(axeSource, sessionId);
    const { violations, passes } = await evaluate(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => ({ passes: r.passes.length,
        violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })) }))`,
      sessionId, true);
    const focus = [];
    await key('Tab', 'Tab', 9, sessionId);
    focus.push(await evaluate(FOCUSED, sessionId));
    await key('Enter', 'Enter', 13, sessionId);
    focus.push(await evaluate(FOCUSED, sessionId));
    await key('Tab', 'Tab', 9, sessionId);
    focus.push(await evaluate(FOCUSED, sessionId));
    const inContent = await evaluate(
      '(m => m.contains(document.activeElement) && document.activeElement !== m)(document.querySelector("main"))',
      sessionId);
    console.log(JSON.stringify({ url, passes, violations, focus, in_content: inContent }));
    await send('Target.closeTarget', { targetId });
  }
} finally {
  await new Promise((resolve) => {
    chromium.once('exit', resolve);
    chromium.kill();
  });
  rmSync(profile, { recursive: true, force: true });
}
