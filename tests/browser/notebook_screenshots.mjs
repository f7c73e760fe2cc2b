// Opens every executed notebook (target/notebooks-executed/, written by
// tests/notebooks/run_notebooks.py) in JupyterLab in Debian's headless Chromium, as a learner
// sees it, and saves screenshots of it from top to bottom to target/notebook-screenshots/:
// NAME-01.png, NAME-02.png, ... one per screenful. For looking at the notebooks after a change;
// it checks only that each notebook opens with its cells and outputs.
//
// Usage (from the repository root, after `bash scripts/setup_jupyter.sh`,
// `bash scripts/setup_browser.sh` and a notebook run):
//   node tests/browser/notebook_screenshots.mjs [NAME.ipynb ...]
// Environment: CHROMIUM (default /usr/bin/chromium), PORT (default 8897).

import {spawn, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import puppeteer from 'puppeteer-core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const executed = join(root, 'target', 'notebooks-executed');
const shots = join(root, 'target', 'notebook-screenshots');
const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
const port = process.env.PORT || '8897';
const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(executed).filter((n) => n.endsWith('.ipynb')).sort();

/// Starts JupyterLab on the repository (no token, no browser) and waits until it answers.
async function startLab() {
  const args = ['lab', '--no-browser', `--port=${port}`, '--ServerApp.token=', '--ServerApp.password=',
    `--ServerApp.root_dir=${root}`, '--ServerApp.port_retries=0'];
  if (process.getuid && process.getuid() === 0) args.push('--allow-root');
  const env = {...process.env, JUPYTER_PATH: join(root, '.venv', 'share', 'jupyter')};
  const lab = spawn(join(root, '.venv', 'bin', 'jupyter'), args, {cwd: root, env, stdio: 'ignore'});
  for (let i = 0; i < 120; i++) {
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/api/status`);
      if (answer.ok) return lab;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  lab.kill();
  throw new Error(`JupyterLab did not answer on port ${port} within 60 s`);
}

// Outputs a learner produces in JupyterLab are trusted (their HTML keeps its styles, e.g. the
// slideshow's animation); a saved notebook's are not until it is trusted, as these copies are.
spawnSync(join(root, '.venv', 'bin', 'jupyter'), ['trust', ...names.map((n) => join(executed, n))],
  {cwd: root, stdio: 'ignore', env: {...process.env, JUPYTER_PATH: join(root, '.venv', 'share', 'jupyter')}});
const lab = await startLab();
const profile = mkdtempSync(join(tmpdir(), 'gan-notebook-shots-'));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`],
  defaultViewport: {width: 1400, height: 1000},
});
mkdirSync(shots, {recursive: true});
let failed = false;
try {
  const page = await browser.newPage();
  for (const name of names) {
    await page.goto(`http://127.0.0.1:${port}/lab/tree/target/notebooks-executed/${name}`,
      {waitUntil: 'networkidle2', timeout: 120_000});
    await page.waitForSelector('.jp-Notebook .jp-Cell', {timeout: 60_000});
    // Close the kernel dialog or sidebar noise, and let images and outputs settle.
    await page.keyboard.press('Escape');
    await new Promise((r) => setTimeout(r, 3000));
    const scroller = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer';
    const height = await page.$eval(scroller, (e) => e.scrollHeight);
    const view = await page.$eval(scroller, (e) => e.clientHeight);
    let shot = 0;
    for (let top = 0; top < height; top += view - 40) {
      await page.$eval(scroller, (e, t) => { e.scrollTop = t; }, top);
      await new Promise((r) => setTimeout(r, 700));
      shot += 1;
      const file = join(shots, `${name.replace('.ipynb', '')}-${String(shot).padStart(2, '0')}.png`);
      await page.screenshot({path: file});
    }
    const outputs = await page.$$eval('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output', (e) => e.length);
    console.log(`${name}: ${shot} screenshot(s), ${outputs} outputs`);
    if (outputs === 0) {
      console.error(`${name}: no outputs shown`);
      failed = true;
    }
  }
} finally {
  await browser.close();
  lab.kill();
  rmSync(profile, {recursive: true, force: true});
}
process.exit(failed ? 1 : 0);
