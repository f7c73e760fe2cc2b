// The studio in a real browser: starts `gan studio --port 0`, drives the page in Debian's
// Chromium (headless, through puppeteer-core: no browser download), plays keys with the mouse
// and the computer keyboard, records a melody, composes, and checks the piano roll, the MIDI and
// WAV downloads, playback controls and the messages for bad input. Screenshots go to
// target/studio-screenshots/.
//
// Usage (from the repository root, after `cargo build --release -p gan-core --bin gan`):
//   node tests/browser/studio.test.mjs
// Environment: GAN_BIN (the gan binary; default target/release/gan), CHROMIUM (default
// /usr/bin/chromium).

import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import puppeteer from 'puppeteer-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ganBin = process.env.GAN_BIN || join(root, 'target', 'release', 'gan');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = join(root, 'target', 'studio-screenshots');
const scratch = mkdtempSync(join(tmpdir(), 'gan-studio-test-'));

let server;
let url;
let browser;
let page;
const pageErrors = [];

/// Starts the server on a free port and reads the URL it prints.
function startServer() {
  return new Promise((resolvePromise, reject) => {
    server = spawn(ganBin, ['studio', '--port', '0'], {cwd: root, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gan studio printed no URL in 60 s: ${out}`)), 60_000);
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/studio: (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    server.stderr.on('data', (chunk) => process.stderr.write(`[gan studio] ${chunk}`));
    server.on('error', (err) => reject(new Error(`cannot start ${ganBin}: ${err.message}`)));
    server.on('exit', (code) => reject(new Error(`gan studio exited (${code}) before printing its URL: ${out}`)));
  });
}

const shot = (name) => page.screenshot({path: join(shots, `${name}.png`), fullPage: true});
const text = (selector) => page.$eval(selector, (e) => e.textContent);

/// Waits until the message box `id` shows text containing `part`.
async function messageContaining(part, id = 'message') {
  await page.waitForFunction(
    (p, i) => {
      const box = document.getElementById(i);
      return !box.hidden && box.textContent.includes(p);
    },
    {timeout: 20_000},
    part,
    id,
  );
  return text(`#${id}`);
}

/// A one-track MIDI file of `bars` bars of quarter notes (written here, so the test depends on
/// no file).
function midiOfBars(bars) {
  const track = [0, 0xff, 0x51, 3, 0x09, 0x27, 0xc0];
  for (let i = 0; i < bars * 4; i++) track.push(0, 0x90, 72, 100, 0x83, 0x60, 0x80, 72, 0);
  track.push(0, 0xff, 0x2f, 0);
  const u32 = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return Buffer.from([
    0x4d, 0x54, 0x68, 0x64, ...u32(6), 0, 0, 0, 1, 0x01, 0xe0,
    0x4d, 0x54, 0x72, 0x6b, ...u32(track.length), ...track,
  ]);
}

before(async () => {
  mkdirSync(shots, {recursive: true});
  url = await startServer();
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${join(scratch, 'profile')}`, '--autoplay-policy=no-user-gesture-required',
      '--mute-audio',
    ],
  });
  page = await browser.newPage();
  await page.setViewport({width: 1280, height: 900});
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    // failed requests are checked below, by their address
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(msg.text());
  });
  page.on('response', (response) => {
    const expected = response.url().includes('/api/melody?') && [400, 422].includes(response.status());
    if (response.status() >= 400 && !expected) pageErrors.push(`${response.status()} ${response.url()}`);
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
  rmSync(scratch, {recursive: true, force: true});
});

test('the page loads with its samples and models', async () => {
  const response = await page.goto(url, {waitUntil: 'load'});
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => document.querySelectorAll('#sample option').length > 1
    && document.querySelectorAll('#model option').length > 0);
  const samples = await page.$$eval('#sample option', (o) => o.map((e) => e.value));
  assert.ok(samples.includes('twinkle_twinkle'), `samples: ${samples}`);
  assert.equal(await page.$eval('#model', (e) => e.value), 'default');
  assert.ok((await page.$$('.key')).length >= 30, 'a keyboard of 3 octaves');
  await shot('1-loaded');
});

test('keys play with the mouse and the computer keyboard', async () => {
  const key = await page.$('.key[data-pitch="64"]');
  const box = await key.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 10);
  await page.mouse.down();
  assert.ok(await page.$eval('.key[data-pitch="64"]', (e) => e.classList.contains('down')), 'E4 is down');
  await page.mouse.up();
  assert.ok(!(await page.$eval('.key[data-pitch="64"]', (e) => e.classList.contains('down'))), 'E4 is up');
  await page.keyboard.down('a');
  assert.ok(await page.$eval('.key[data-pitch="60"]', (e) => e.classList.contains('down')), 'A plays C4');
  await page.keyboard.up('a');
  await page.keyboard.press('x'); // an octave up: A plays C5
  await page.keyboard.down('a');
  assert.ok(await page.$eval('.key[data-pitch="72"]', (e) => e.classList.contains('down')), 'X, then A plays C5');
  await page.keyboard.up('a');
  await page.keyboard.press('z');
});

test('an empty recording says so', async () => {
  await page.$eval('#tempo', (e) => { e.value = '200'; });
  await page.click('#record');
  await page.click('#stop-record');
  const message = await messageContaining('Nothing was recorded', 'melody-message');
  assert.match(message, /play some keys/);
});

test('a recorded melody is quantised and composed for', async () => {
  await page.click('#record');
  // one bar of count-in at 200 bpm is 1.2 s
  await page.waitForFunction(() => document.getElementById('rec-status').textContent.startsWith('recording'), {timeout: 10_000});
  for (const letter of ['a', 'd', 'g', 'k', 'g', 'd', 'a']) {
    await page.keyboard.down(letter);
    await new Promise((r) => setTimeout(r, 260));
    await page.keyboard.up(letter);
    await new Promise((r) => setTimeout(r, 40));
  }
  await page.click('#stop-record');
  await page.waitForFunction(() => document.getElementById('melody-facts').textContent.includes('note'), {timeout: 20_000});
  const facts = await text('#melody-facts');
  const notes = Number(facts.match(/(\d+) notes?/)[1]);
  assert.ok(notes >= 5 && notes <= 7, `recorded ${facts}`);
  assert.match(await text('#melody-name'), /Your recording/);
  await page.$eval('#samples', (e) => { e.value = '1'; });
  await page.click('#generate');
  await page.waitForSelector('.variation');
  await messageContaining('composed in');
  await shot('2-recorded-and-composed');
});

test('Twinkle composes; the roll draws four voices; MIDI and WAV download', async () => {
  await page.$eval('#tempo', (e) => { e.value = '100'; });
  await page.select('#sample', 'twinkle_twinkle');
  await page.waitForFunction(() => document.getElementById('melody-facts').textContent.includes('12 bars'), {timeout: 20_000});
  await page.$eval('#samples', (e) => { e.value = '2'; });
  await page.$eval('#seed', (e) => { e.value = '7'; });
  await page.click('#generate');
  await page.waitForFunction(() => document.querySelectorAll('.variation').length === 2, {timeout: 30_000});
  await messageContaining('2 variations of Twinkle');
  assert.match(await text('.variation h3'), /Variation 1 of Twinkle, Twinkle, Little Star \(C major\), seed 7/);
  assert.match(await text('.variation .facts'), /key C major/);
  assert.match(await text('.variation .summary'), /in key/);
  // every voice's colour is on the canvas
  const colours = await page.$eval('.variation canvas', (canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const wanted = [[0xc8, 0x30, 0x2c], [0xd9, 0x82, 0x1a], [0x1f, 0x8a, 0x70], [0x34, 0x51, 0xb2]];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < data.length; i += 4) {
      wanted.forEach(([r, g, b], k) => {
        if (data[i] === r && data[i + 1] === g && data[i + 2] === b) counts[k]++;
      });
    }
    return {counts, width: canvas.width, height: canvas.height};
  });
  for (const [k, count] of colours.counts.entries()) {
    assert.ok(count > 200, `voice ${k} drew ${count} pixels (${JSON.stringify(colours)})`);
  }
  // the MIDI download: a MIDI file whose tracks with notes are the four voices
  const midi = await page.$eval('.variation a.midi', async (a) => {
    const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
    const head = String.fromCharCode(...bytes.slice(0, 4));
    const view = new DataView(bytes.buffer);
    let at = 14;
    let withNotes = 0;
    let chunks = 0;
    while (at + 8 <= bytes.length) {
      const id = String.fromCharCode(...bytes.slice(at, at + 4));
      const len = view.getUint32(at + 4);
      const end = at + 8 + len;
      if (id === 'MTrk') {
        chunks++;
        let p = at + 8;
        let status = 0;
        let notes = 0;
        const vlq = () => { let v = 0; let b; do { b = bytes[p++]; v = (v << 7) | (b & 0x7f); } while (b & 0x80); return v; };
        while (p < end) {
          vlq();
          if (bytes[p] & 0x80) status = bytes[p++];
          // (the length is read first: `p += vlq()` would add it to p from before vlq moved it)
          if (status === 0xff) { p++; const len = vlq(); p += len; status = 0; }
          else if (status === 0xf0 || status === 0xf7) { const len = vlq(); p += len; status = 0; }
          else {
            const kind = status & 0xf0;
            const size = kind === 0xc0 || kind === 0xd0 ? 1 : 2;
            if (kind === 0x90 && bytes[p + 1] > 0) notes++;
            p += size;
          }
        }
        if (notes > 0) withNotes++;
      }
      at = end;
    }
    return {head, declared: view.getUint16(10), chunks, withNotes, name: a.download};
  });
  assert.equal(midi.head, 'MThd');
  assert.equal(midi.chunks, midi.declared);
  assert.equal(midi.withNotes, 4, JSON.stringify(midi));
  assert.match(midi.name, /\.mid$/);
  const wav = await page.$eval('.variation a.wav', async (a) => {
    const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
    return {riff: String.fromCharCode(...bytes.slice(0, 4)), wave: String.fromCharCode(...bytes.slice(8, 12)), size: bytes.length};
  });
  assert.deepEqual([wav.riff, wav.wave], ['RIFF', 'WAVE']);
  assert.ok(wav.size > 100_000, `a WAV of ${wav.size} bytes`);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('3-twinkle-composed');
  // the README's picture (docs/studio.png): the page down to the first variation
  const first = await (await page.$('.variation')).boundingBox();
  await page.screenshot({path: join(shots, 'studio.png'), clip: {x: 0, y: 0, width: 1280, height: Math.ceil(first.y + first.height + 12)}, captureBeyondViewport: true});
});

test('play, solo and stop', async () => {
  await page.click('.variation .play');
  await page.waitForFunction(() => document.querySelector('.variation .play').textContent.includes('Play')
    && !document.querySelector('.variation .play').disabled, {timeout: 20_000});
  await page.click('.variation .voice:nth-child(4) .solo');
  const silent = await page.$$eval('.variation:first-child .voice', (v) => v.map((e) => e.classList.contains('silent')));
  assert.deepEqual(silent, [true, true, true, false], 'solo bass silences the others');
  await page.click('.variation .voice:nth-child(4) .solo');
  await page.click('.variation .voice:nth-child(2) .mute');
  const muted = await page.$$eval('.variation:first-child .voice', (v) => v.map((e) => e.classList.contains('silent')));
  assert.deepEqual(muted, [false, true, false, false], 'mute alto');
  await new Promise((r) => setTimeout(r, 400));
  await shot('4-playing');
  await page.click('.variation .stop');
  const shown = await page.$eval('#message', (e) => (e.classList.contains('error') ? e.textContent : ''));
  assert.equal(shown, '', 'no error while playing');
});

test('bad uploads get a message that says what is wrong', async () => {
  const input = await page.$('#upload');
  const garbage = join(scratch, 'garbage.mid');
  writeFileSync(garbage, 'this is not a MIDI file');
  await input.uploadFile(garbage);
  assert.match(await messageContaining('garbage.mid', 'melody-message'), /not a MIDI file/);
  const empty = join(scratch, 'empty.mid');
  writeFileSync(empty, '');
  await input.uploadFile(empty);
  assert.match(await messageContaining('empty.mid', 'melody-message'), /empty/);
  const long = join(scratch, 'long.mid');
  writeFileSync(long, midiOfBars(80));
  await input.uploadFile(long);
  assert.match(await messageContaining('long.mid', 'melody-message'), /80 bars long; the studio composes at most 64 bars/);
  await shot('5-bad-upload');
  const good = join(scratch, 'good.mid');
  writeFileSync(good, midiOfBars(4));
  await input.uploadFile(good);
  await page.waitForFunction(() => document.getElementById('melody-facts').textContent.includes('4 bars'), {timeout: 20_000});
  assert.ok(await page.$eval('#melody-message', (e) => e.hidden), 'a good file clears the message');
  await page.$eval('#samples', (e) => { e.value = '99'; });
  await page.click('#generate');
  assert.match(await messageContaining('Variations must be'), /from 1 to 8/);
});

test('the page logged no errors', () => {
  assert.deepEqual(pageErrors, []);
});
