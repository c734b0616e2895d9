// A small client of the DevTools protocol for the browser tests: Debian's chromium, headless,
// driven over --remote-debugging-pipe (no port, no websocket library: messages are JSON
// separated by NUL bytes on file descriptors 3 and 4). Used by axe_check.mjs and
// click_through.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Browser {
  constructor() {
    this.profile = mkdtempSync(join(tmpdir(), 'essor-cdp-'));
    this.chromium = spawn('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--remote-debugging-pipe', `--user-data-dir=${this.profile}`, '--window-size=1200,1800',
      'about:blank',
    ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    this.toBrowser = this.chromium.stdio[3];
    const fromBrowser = this.chromium.stdio[4];
    fromBrowser.setEncoding('utf8');
    this.lastId = 0;
    this.pending = new Map();
    let buffer = '';
    fromBrowser.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        const waiting = message.id && this.pending.get(message.id);
        if (waiting) {
          this.pending.delete(message.id);
          waiting(message);
        }
      }
    });
  }

  send(method, params = {}, sessionId = undefined) {
    const id = ++this.lastId;
    this.toBrowser.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    return new Promise((resolve, reject) => {
      this.pending.set(id, (message) => (message.error
        ? reject(new Error(`${method}: ${JSON.stringify(message.error)}`))
        : resolve(message.result)));
    });
  }

  /// A new tab showing `url`, loaded: a Page.
  async open(url) {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, targetId, sessionId);
    await this.send('Page.navigate', { url }, sessionId);
    await page.loaded((href) => href !== 'about:blank');
    return page;
  }

  async close() {
    await new Promise((resolve) => {
      this.chromium.once('exit', resolve);
      this.chromium.kill();
    });
    // Chromium's helper processes may still be writing to the profile after the browser
    // exits: retry, and never fail a check over a temporary folder left behind.
    try {
      rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (error) {
      console.error(`left ${this.profile}: ${error.code}`);
    }
  }
}

export class Page {
  constructor(browser, targetId, sessionId) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
  }

  send(method, params = {}) {
    return this.browser.send(method, params, this.sessionId);
  }

  async evaluate(expression, awaitPromise = false) {
    const result = await this.send('Runtime.evaluate', { expression, awaitPromise, returnByValue: true });
    if (result.exceptionDetails) throw new Error(`${expression.slice(0, 60)}: ${JSON.stringify(result.exceptionDetails)}`);
    return result.result.value;
  }

  /// Waits (10 s at most) until the document is complete at an address `accept` takes.
  async loaded(accept = () => true) {
    for (let i = 0; i < 200; i += 1) {
      await sleep(50);
      const state = await this.evaluate('document.readyState + " " + location.href').catch(() => '');
      const at = state.indexOf(' ');
      if (state.startsWith('complete') && accept(state.slice(at + 1))) return state.slice(at + 1);
    }
    throw new Error('the page did not load');
  }

  /// Clicks the element `selector` finds (as a person would: a mouse press and release at the
  /// centre of its first line: a link wrapped over two lines may have nothing of it at the centre
  /// of its bounding box) and waits for the next document, at an address other than `from`.
  async click(selector) {
    const from = await this.evaluate('location.href');
    const box = await this.evaluate(`(e => { if (!e) return null; e.scrollIntoView({ block: 'center' });
      const r = e.getClientRects()[0] || e.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })(document.querySelector(${JSON.stringify(selector)}))`);
    if (!box) throw new Error(`nothing matches ${selector} on ${from}`);
    for (const type of ['mousePressed', 'mouseReleased']) {
      await this.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    }
    return this.loaded((href) => href !== from);
  }

  /// Types `text` into the focused element, one character at a time.
  async type(text) {
    for (const character of text) {
      await this.send('Input.insertText', { text: character });
    }
  }

  async key(name, code, keyCode) {
    const base = { key: name, code, windowsVirtualKeyCode: keyCode };
    await this.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...base });
    if (name === 'Enter') await this.send('Input.dispatchKeyEvent', { type: 'char', text: '\r', ...base });
    await this.send('Input.dispatchKeyEvent', { type: 'keyUp', ...base });
    await sleep(50);
  }

  /// A PNG of the visible page.
  async screenshot() {
    const { data } = await this.send('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(data, 'base64');
  }

  async close() {
    await this.browser.send('Target.closeTarget', { targetId: this.targetId });
  }
}
