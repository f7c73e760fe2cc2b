// GAN Studio: the page's script. Plain JavaScript, no build step, no network beyond this server.
'use strict';

const STEPS_PER_BEAT = 4;
const STEPS_PER_BAR = 16;
const MAX_BARS = 64;
const VOICE_COLORS = ['#c8302c', '#d9821a', '#1f8a70', '#3451b2'];
const KEY_LETTERS = ['a', 'w', 's', 'e', 'd', 'f', 't', 'g', 'y', 'h', 'u', 'j', 'k', 'o', 'l', 'p', ';', "'"];
const LOWEST_KEY = 48; // C3
const HIGHEST_KEY = 84; // C6
const PITCH_NAMES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'];

const $ = (id) => document.getElementById(id);
const state = {
  melody: null, // {bytes: Uint8Array, name: string}
  samples: [],
  octave: 0, // computer keys' octave shift from C4
  recording: null,
  player: null, // the variation playing
  views: [], // the variations shown
  melodyPiece: {steps: 4 * STEPS_PER_BAR, voices: []}, // the melody's roll
};

// ---------- messages ----------

/// Shows `text` in the message box `id` ('message' under Generate, 'melody-message' under the
/// melody); an empty text hides it.
function showMessage(text, isError, id = 'message') {
  const box = $(id);
  box.hidden = !text;
  box.textContent = text || '';
  box.classList.toggle('error', !!isError);
  if (text && isError) box.scrollIntoView({block: 'nearest'});
}

async function errorText(response) {
  try {
    const json = await response.json();
    if (json && json.error) return json.error;
  } catch (_) { /* not JSON */ }
  return `the server answered ${response.status} ${response.statusText}`;
}

// ---------- sound ----------

let audio = null;
function audioContext() {
  if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
  if (audio.state === 'suspended') audio.resume();
  return audio;
}

const sounding = new Map(); // pitch -> {osc, gain}
function noteOn(pitch) {
  if (sounding.has(pitch)) return;
  const ctx = audioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'triangle';
  osc.frequency.value = 440 * Math.pow(2, (pitch - 69) / 12);
  gain.gain.setValueAtTime(0, ctx.currentTime);
  gain.gain.linearRampToValueAtTime(0.25, ctx.currentTime + 0.01);
  gain.gain.setTargetAtTime(0.12, ctx.currentTime + 0.01, 0.4);
  osc.connect(gain).connect(ctx.destination);
  osc.start();
  sounding.set(pitch, {osc, gain});
  keyElement(pitch)?.classList.add('down');
  if (state.recording) recordOn(pitch);
}

function noteOff(pitch) {
  const voice = sounding.get(pitch);
  if (!voice) return;
  const ctx = audioContext();
  voice.gain.gain.cancelScheduledValues(ctx.currentTime);
  voice.gain.gain.setTargetAtTime(0, ctx.currentTime, 0.05);
  voice.osc.stop(ctx.currentTime + 0.3);
  sounding.delete(pitch);
  keyElement(pitch)?.classList.remove('down');
  if (state.recording) recordOff(pitch);
}

function click(time, accent) {
  const ctx = audioContext();
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = accent ? 1760 : 1100;
  gain.gain.setValueAtTime(accent ? 0.35 : 0.2, time);
  gain.gain.exponentialRampToValueAtTime(0.001, time + 0.05);
  osc.connect(gain).connect(ctx.destination);
  osc.start(time);
  osc.stop(time + 0.06);
}

// ---------- keyboard ----------

const isBlack = (pitch) => [1, 3, 6, 8, 10].includes(pitch % 12);
const pitchName = (pitch) => PITCH_NAMES[pitch % 12] + (Math.floor(pitch / 12) - 1);
const keyElement = (pitch) => document.querySelector(`.key[data-pitch="${pitch}"]`);

function buildKeyboard() {
  const board = $('keyboard');
  const whites = [];
  for (let p = LOWEST_KEY; p <= HIGHEST_KEY; p++) if (!isBlack(p)) whites.push(p);
  const width = 100 / whites.length;
  let whiteIndex = 0;
  for (let p = LOWEST_KEY; p <= HIGHEST_KEY; p++) {
    const key = document.createElement('div');
    key.dataset.pitch = p;
    if (isBlack(p)) {
      key.className = 'key black';
      key.style.left = `calc(${whiteIndex * width}% - ${width * 0.3}%)`;
      key.style.width = `${width * 0.6}%`;
    } else {
      key.className = 'key white';
      key.style.left = `${whiteIndex * width}%`;
      key.style.width = `${width}%`;
      whiteIndex++;
      if (p % 12 === 0) key.innerHTML = `<span class="name">${pitchName(p)}</span>`;
    }
    key.appendChild(Object.assign(document.createElement('span'), {className: 'letter'}));
    board.appendChild(key);
  }
  let mouseDown = null;
  board.addEventListener('pointerdown', (e) => {
    const pitch = Number(e.target.closest('.key')?.dataset.pitch);
    if (!pitch) return;
    e.preventDefault();
    mouseDown = pitch;
    noteOn(pitch);
  });
  board.addEventListener('pointerover', (e) => {
    if (mouseDown === null) return;
    const pitch = Number(e.target.closest('.key')?.dataset.pitch);
    if (!pitch || pitch === mouseDown) return;
    noteOff(mouseDown);
    mouseDown = pitch;
    noteOn(pitch);
  });
  const release = () => {
    if (mouseDown !== null) noteOff(mouseDown);
    mouseDown = null;
  };
  window.addEventListener('pointerup', release);
  window.addEventListener('pointercancel', release);
  labelKeys();
}

function homePitch() {
  return 60 + 12 * state.octave;
}

function labelKeys() {
  document.querySelectorAll('.key').forEach((key) => {
    const offset = Number(key.dataset.pitch) - homePitch();
    key.querySelector('.letter').textContent =
      offset >= 0 && offset < KEY_LETTERS.length ? KEY_LETTERS[offset].toUpperCase() : '';
    key.classList.toggle('home', offset === 0);
  });
}

function typing(e) {
  const tag = e.target && e.target.tagName;
  return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA';
}

window.addEventListener('keydown', (e) => {
  if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key.toLowerCase();
  if (k === 'z' || k === 'x') {
    state.octave = Math.max(-1, Math.min(1, state.octave + (k === 'x' ? 1 : -1)));
    labelKeys();
    return;
  }
  const offset = KEY_LETTERS.indexOf(k);
  if (offset < 0 || e.repeat) return;
  e.preventDefault();
  noteOn(homePitch() + offset);
});

window.addEventListener('keyup', (e) => {
  const offset = KEY_LETTERS.indexOf(e.key.toLowerCase());
  if (offset >= 0) noteOff(homePitch() + offset);
});

// ---------- recording ----------

function tempo() {
  const bpm = Number($('tempo').value);
  return Number.isFinite(bpm) ? Math.max(40, Math.min(220, bpm)) : 100;
}

function startRecording() {
  if (state.recording) return;
  stopPlayback();
  const ctx = audioContext();
  const bpm = tempo();
  const beat = 60 / bpm;
  const start = ctx.currentTime + 0.1 + 4 * beat; // one bar of count-in
  const rec = {bpm, beat, start, open: new Map(), notes: [], nextClick: ctx.currentTime + 0.1, clickIndex: 0};
  state.recording = rec;
  rec.timer = setInterval(() => tick(rec), 25);
  $('record').classList.add('recording');
  $('record').disabled = true;
  $('stop-record').disabled = false;
  tick(rec);
}

function tick(rec) {
  const ctx = audioContext();
  const now = ctx.currentTime;
  while (rec.nextClick < now + 0.12) {
    const counting = rec.nextClick < rec.start - 0.001;
    if (counting || $('metronome').checked) click(rec.nextClick, rec.clickIndex % 4 === 0);
    rec.nextClick += rec.beat;
    rec.clickIndex++;
  }
  const status = $('rec-status');
  if (now < rec.start) {
    status.textContent = `count-in: ${Math.max(1, Math.ceil((rec.start - now) / rec.beat))}…`;
  } else {
    const bar = Math.floor((now - rec.start) / (4 * rec.beat)) + 1;
    status.textContent = `recording bar ${bar} (of at most ${MAX_BARS})`;
    if (bar > MAX_BARS) stopRecording();
  }
}

function recordOn(pitch) {
  const rec = state.recording;
  rec.open.set(pitch, audioContext().currentTime);
}

function recordOff(pitch) {
  const rec = state.recording;
  const begin = rec.open.get(pitch);
  if (begin === undefined) return;
  rec.open.delete(pitch);
  rec.notes.push({pitch, begin, end: audioContext().currentTime});
}

/// The recorded notes on the 16th-note grid, one at a time (a new note cuts the one before).
function quantise(rec) {
  const step = rec.beat / STEPS_PER_BEAT;
  const notes = rec.notes
    .filter((n) => n.end > rec.start)
    .map((n) => {
      const start = Math.max(0, Math.round((n.begin - rec.start) / step));
      const end = Math.max(start + 1, Math.round((n.end - rec.start) / step));
      return {pitch: n.pitch, start, end};
    })
    .sort((a, b) => a.start - b.start || b.pitch - a.pitch);
  const line = [];
  for (const note of notes) {
    const last = line[line.length - 1];
    if (last && note.start <= last.start) continue; // a chord: keep its top note
    if (last && last.end > note.start) last.end = note.start;
    line.push(note);
  }
  return line.filter((n) => n.end > n.start);
}

function stopRecording() {
  const rec = state.recording;
  if (!rec) return;
  for (const pitch of [...rec.open.keys()]) recordOff(pitch);
  clearInterval(rec.timer);
  state.recording = null;
  $('record').classList.remove('recording');
  $('record').disabled = false;
  $('stop-record').disabled = true;
  const notes = quantise(rec);
  if (notes.length === 0) {
    $('rec-status').textContent = '';
    showMessage('Nothing was recorded: press Record, wait for the one-bar count-in, play some keys, then press Stop.', true, 'melody-message');
    return;
  }
  const steps = Math.ceil(notes[notes.length - 1].end / STEPS_PER_BAR) * STEPS_PER_BAR;
  const bars = steps / STEPS_PER_BAR;
  $('rec-status').textContent = `recorded ${notes.length} notes, ${bars} bar${bars === 1 ? '' : 's'}`;
  $('pickup').value = 0;
  $('sample').value = '';
  $('upload').value = '';
  setMelody(writeMidi(notes, steps, rec.bpm), `Your recording (${rec.bpm} bpm)`);
}

// ---------- MIDI ----------

/// A one-track (type 0) MIDI file of `notes` ({pitch, start, end} in 16ths) lasting `steps`.
function writeMidi(notes, steps, bpm) {
  const ppq = 480;
  const tick = ppq / STEPS_PER_BEAT;
  const events = [];
  for (const n of notes) {
    events.push({t: n.start * tick, order: 1, bytes: [0x90, n.pitch, 100]});
    events.push({t: n.end * tick, order: 0, bytes: [0x80, n.pitch, 0]});
  }
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  const us = Math.round(60e6 / bpm);
  const track = [];
  const vlq = (value) => {
    const out = [value & 0x7f];
    while ((value >>= 7) > 0) out.unshift((value & 0x7f) | 0x80);
    return out;
  };
  track.push(0, 0xff, 0x51, 3, (us >> 16) & 0xff, (us >> 8) & 0xff, us & 0xff);
  track.push(0, 0xff, 0x58, 4, 4, 2, 24, 8);
  let now = 0;
  for (const e of events) {
    track.push(...vlq(e.t - now), ...e.bytes);
    now = e.t;
  }
  track.push(...vlq(Math.max(0, steps * tick - now)), 0xff, 0x2f, 0);
  const u32 = (v) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  const header = [0x4d, 0x54, 0x68, 0x64, ...u32(6), 0, 0, 0, 1, ppq >> 8, ppq & 0xff];
  return new Uint8Array([...header, 0x4d, 0x54, 0x72, 0x6b, ...u32(track.length), ...track]);
}

function base64Bytes(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

// ---------- the melody ----------

async function setMelody(bytes, name) {
  state.melody = null;
  $('melody-name').textContent = name;
  $('melody-facts').textContent = 'reading…';
  const pickup = Number($('pickup').value) || 0;
  let response;
  try {
    response = await fetch(`/api/melody?pickup=${pickup}`, {method: 'POST', body: bytes});
  } catch (err) {
    $('melody-facts').textContent = '';
    showMessage(`The studio's server cannot be reached (${err.message}). Is "gan studio" still running?`, true);
    return;
  }
  if (!response.ok) {
    const error = await errorText(response);
    $('melody-facts').textContent = '';
    $('melody-name').textContent = `${name}: not usable`;
    state.melodyPiece = {steps: 4 * STEPS_PER_BAR, voices: []};
    drawRoll($('melody-roll'), state.melodyPiece);
    showMessage(`${name}: ${error}`, true, 'melody-message');
    return;
  }
  const melody = await response.json();
  state.melody = {bytes, name};
  const notes = melody.notes.length;
  $('melody-facts').textContent =
    `${melody.bars} bar${melody.bars === 1 ? '' : 's'}, ${notes} note${notes === 1 ? '' : 's'}, ${Math.round(melody.tempo_bpm)} bpm`;
  state.melodyPiece = {steps: melody.steps, pickup, voices: [{name: 'Melody', notes: melody.notes}]};
  drawRoll($('melody-roll'), state.melodyPiece);
  showMessage('', false, 'melody-message');
}

async function chooseSample(name) {
  if (!name) return;
  $('rec-status').textContent = '';
  const info = state.samples.find((s) => s.name === name);
  $('pickup').value = info ? info.pickup_steps : 0;
  const response = await fetch(`/api/melodies/${encodeURIComponent(name)}`);
  if (!response.ok) {
    showMessage(await errorText(response), true, 'melody-message');
    return;
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  await setMelody(bytes, info ? `${info.title} (${info.key})` : name);
}

async function upload(file) {
  if (!file) return;
  $('sample').value = '';
  $('rec-status').textContent = '';
  if (file.size === 0) {
    state.melody = null;
    $('melody-name').textContent = `${file.name}: not usable`;
    $('melody-facts').textContent = '';
    showMessage(`${file.name}: the file is empty.`, true, 'melody-message');
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  await setMelody(bytes, file.name);
}

// ---------- piano rolls ----------

/// Draws `piece` ({steps, pickup, voices: [{name, notes: [[pitch, start, end]]}]}) on `canvas`;
/// `silent[k]` fades voice k; `playhead` is a step or null.
function drawRoll(canvas, piece, silent = [], playhead = null) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = '#fbfaf7';
  g.fillRect(0, 0, width, height);
  let lo = 127;
  let hi = 0;
  for (const voice of piece.voices) {
    for (const [p] of voice.notes) {
      lo = Math.min(lo, p);
      hi = Math.max(hi, p);
    }
  }
  if (lo > hi) {
    lo = 60;
    hi = 72;
  }
  lo -= 2;
  hi += 2;
  const left = 34;
  const steps = Math.max(1, piece.steps);
  const x = (step) => left + (step / steps) * (width - left - 4);
  // a strip under the notes for the chords' Roman numerals, when there are any
  const chords = piece.chords || [];
  const strip = chords.length ? 18 : 0;
  const rowHeight = (height - 4 - strip) / (hi - lo + 1);
  const y = (pitch) => 2 + (hi - pitch) * rowHeight;
  // rows of the black keys, and C lines with names
  for (let p = lo; p <= hi; p++) {
    if (isBlack(p)) {
      g.fillStyle = '#f0eee8';
      g.fillRect(left, y(p), width - left, rowHeight);
    }
  }
  g.font = '11px system-ui, "DejaVu Sans", sans-serif';
  g.textBaseline = 'middle';
  for (let p = lo; p <= hi; p++) {
    if (p % 12 === 0) {
      g.fillStyle = '#555';
      g.fillText(pitchName(p), 2, y(p) + rowHeight / 2);
      g.fillStyle = '#d6d2c8';
      g.fillRect(left, y(p) + rowHeight - 0.5, width - left, 1);
    }
  }
  // beat and bar lines
  const pickup = piece.pickup || 0;
  for (let s = pickup % STEPS_PER_BEAT; s <= steps; s += STEPS_PER_BEAT) {
    const bar = (s - pickup) % STEPS_PER_BAR === 0;
    g.fillStyle = bar ? '#9b978e' : '#e4e0d8';
    g.fillRect(Math.round(x(s)), 0, bar ? 1.2 : 1, height);
  }
  // notes, the lowest voice first so the melody is on top
  for (let k = piece.voices.length - 1; k >= 0; k--) {
    const color = piece.voices.length === 1 ? VOICE_COLORS[0] : VOICE_COLORS[k % 4];
    g.globalAlpha = silent[k] ? 0.18 : 1;
    for (const [p, start, end] of piece.voices[k].notes) {
      const x0 = x(start) + 0.5;
      const w = Math.max(2, x(end) - x(start) - 1);
      const h = Math.max(2, rowHeight - 1);
      g.fillStyle = color;
      g.fillRect(x0, y(p) + 0.5, w, h);
      g.strokeStyle = 'rgba(0,0,0,0.35)';
      g.lineWidth = 1;
      g.strokeRect(x0, y(p) + 0.5, w, h);
    }
  }
  g.globalAlpha = 1;
  if (strip) {
    g.fillStyle = '#fbfaf7';
    g.fillRect(left, height - strip, width - left, strip);
    g.fillStyle = '#d6d2c8';
    g.fillRect(left, height - strip, width - left, 1);
    g.font = '10px system-ui, "DejaVu Sans", sans-serif';
    g.textBaseline = 'middle';
    for (const [step, numeral] of chords) {
      g.fillStyle = numeral === '–' ? '#b00020' : '#333';
      g.fillText(numeral, x(step) + 2, height - strip / 2);
    }
  }
  if (playhead !== null) {
    g.fillStyle = '#111';
    g.fillRect(x(playhead), 0, 2, height);
  }
}

// ---------- composing ----------

function intInput(id, lo, hi, what) {
  const raw = $(id).value.trim();
  const value = Number(raw);
  if (raw === '' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new Error(`${what} must be a whole number from ${lo} to ${hi}${raw === '' ? '' : `, not "${raw}"`}.`);
  }
  return value;
}

async function generate() {
  if (state.recording) stopRecording();
  if (!state.melody) {
    showMessage('Choose a sample melody, upload a MIDI file or record one first.', true);
    return;
  }
  let samples;
  let seed;
  let pickup;
  try {
    samples = intInput('samples', 1, 8, 'Variations');
    seed = intInput('seed', 0, Number.MAX_SAFE_INTEGER, 'The seed');
    pickup = intInput('pickup', 0, 15, 'The pickup');
  } catch (err) {
    showMessage(err.message, true);
    return;
  }
  const model = $('model').value;
  const button = $('generate');
  button.disabled = true;
  showMessage(`Composing ${samples} variation${samples === 1 ? '' : 's'}…`, false);
  const started = performance.now();
  try {
    const query = new URLSearchParams({samples, seed, pickup, model});
    const response = await fetch(`/api/compose?${query}`, {method: 'POST', body: state.melody.bytes});
    if (!response.ok) {
      showMessage(`Could not compose for ${state.melody.name}: ${await errorText(response)}`, true);
      return;
    }
    const result = await response.json();
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    showMessage(`${result.variations.length} variation${result.variations.length === 1 ? '' : 's'} of ${state.melody.name}, seed ${seed}, composed in ${seconds} s.`, false);
    showResults(result, seed, state.melody.name);
  } catch (err) {
    showMessage(`The studio's server cannot be reached (${err.message}). Is "gan studio" still running?`, true);
  } finally {
    button.disabled = false;
  }
}

function showResults(result, seed, melodyName) {
  stopPlayback();
  const results = $('results');
  results.replaceChildren();
  state.views = [];
  const template = $('variation-template');
  result.variations.forEach((v, i) => {
    const card = template.content.firstElementChild.cloneNode(true);
    card.dataset.variation = v.id;
    card.querySelector('h3').textContent = `Variation ${i + 1} of ${melodyName}, seed ${seed}`;
    const inKey = v.in_key === null ? 'n/a' : `${Math.round(100 * v.in_key)} %`;
    card.querySelector('.facts').innerHTML =
      `key <b>${result.key || 'none found'}</b> · alto, tenor, bass in key <b>${inKey}</b> · ` +
      `<b>${v.findings}</b> voice-leading finding${v.findings === 1 ? '' : 's'} · ${v.repairs} note${v.repairs === 1 ? '' : 's'} repaired`;
    card.querySelector('.summary').textContent = `Voice leading: ${v.summary}`;
    card.querySelector('.harmony').textContent = v.harmony
      ? `Harmony: ${v.harmony.summary}. Cadences: ${v.harmony.cadences.join(', ')}`
      : '';
    const findings = card.querySelector('.findings');
    findings.querySelector('summary').textContent = v.findings === 0
      ? 'no voice-leading findings'
      : `the findings${v.findings > v.finding_lines.length ? ` (first ${v.finding_lines.length} of ${v.findings})` : ''}`;
    for (const line of v.finding_lines) {
      findings.querySelector('ul').appendChild(Object.assign(document.createElement('li'), {textContent: line}));
    }
    const midi = card.querySelector('a.midi');
    midi.href = v.midi_url;
    midi.download = `studio-variation-${i + 1}.mid`;
    const wav = card.querySelector('a.wav');
    wav.href = v.wav_url;
    wav.download = `studio-variation-${i + 1}.wav`;
    const piece = {steps: v.steps, pickup: result.pickup_steps, voices: v.voices, tempo: v.tempo_bpm,
      chords: v.harmony ? v.harmony.chords : []};
    const view = {card, piece, variation: v, muted: [false, false, false, false], solo: [false, false, false, false]};
    const voices = card.querySelector('.voices');
    v.voices.forEach((voice, k) => {
      const box = document.createElement('span');
      box.className = 'voice';
      box.innerHTML = `<span class="chip" style="background:${VOICE_COLORS[k]}"></span>${voice.name}` +
        ` <button class="mute" title="mute ${voice.name}">M</button><button class="solo" title="solo ${voice.name}">S</button>`;
      box.querySelector('.mute').addEventListener('click', (e) => {
        view.muted[k] = !view.muted[k];
        e.target.classList.toggle('on', view.muted[k]);
        refresh(view);
      });
      box.querySelector('.solo').addEventListener('click', (e) => {
        view.solo[k] = !view.solo[k];
        e.target.classList.toggle('on', view.solo[k]);
        refresh(view);
      });
      voices.appendChild(box);
    });
    card.querySelector('.play').addEventListener('click', () => play(view));
    card.querySelector('.stop').addEventListener('click', stopPlayback);
    results.appendChild(card);
    view.canvas = card.querySelector('canvas');
    state.views.push(view);
    refresh(view);
  });
}

function silentVoices(view) {
  const anySolo = view.solo.some(Boolean);
  return view.muted.map((m, k) => (anySolo ? !view.solo[k] : m));
}

function refresh(view) {
  const silent = silentVoices(view);
  view.card.querySelectorAll('.voice').forEach((box, k) => box.classList.toggle('silent', silent[k]));
  if (state.player && state.player.view === view) {
    state.player.gains.forEach((gain, k) => { gain.gain.value = silent[k] ? 0 : 1; });
  }
  drawRoll(view.canvas, view.piece, silent, state.player && state.player.view === view ? state.player.step : null);
}

// ---------- playback ----------

async function play(view) {
  stopPlayback();
  const ctx = audioContext();
  const button = view.card.querySelector('.play');
  button.disabled = true;
  button.textContent = 'Loading…';
  try {
    if (!view.buffers) {
      view.buffers = await Promise.all([0, 1, 2, 3].map(async (k) => {
        const response = await fetch(`${view.variation.wav_url}?voice=${k}`);
        if (!response.ok) throw new Error(await errorText(response));
        return ctx.decodeAudioData(await response.arrayBuffer());
      }));
    }
  } catch (err) {
    showMessage(`Cannot play this variation: ${err.message}`, true);
    return;
  } finally {
    button.disabled = false;
    button.textContent = '\u25B6 Play';
  }
  const start = ctx.currentTime + 0.05;
  const silent = silentVoices(view);
  const player = {view, sources: [], gains: [], start, step: 0};
  view.buffers.forEach((buffer, k) => {
    const source = ctx.createBufferSource();
    const gain = ctx.createGain();
    source.buffer = buffer;
    gain.gain.value = silent[k] ? 0 : 1;
    source.connect(gain).connect(ctx.destination);
    source.start(start);
    player.sources.push(source);
    player.gains.push(gain);
  });
  const stepSeconds = 60 / view.piece.tempo / STEPS_PER_BEAT;
  state.player = player;
  const frame = () => {
    if (state.player !== player) return;
    player.step = Math.max(0, (ctx.currentTime - start) / stepSeconds);
    if (player.step > view.piece.steps) {
      stopPlayback();
      return;
    }
    refresh(view);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

function stopPlayback() {
  const player = state.player;
  if (!player) return;
  state.player = null;
  for (const source of player.sources) {
    try { source.stop(); } catch (_) { /* already stopped */ }
  }
  refresh(player.view);
}

// ---------- start ----------

async function loadLists() {
  try {
    const [melodies, models] = await Promise.all([
      fetch('/api/melodies').then((r) => r.json()),
      fetch('/api/models').then((r) => r.json()),
    ]);
    state.samples = melodies;
    for (const m of melodies) {
      $('sample').appendChild(new Option(`${m.title} (${m.key}, ${m.bars} bars)`, m.name));
    }
    for (const m of models.models) {
      $('model').appendChild(new Option(m.label, m.id, m.id === models.default, m.id === models.default));
    }
  } catch (err) {
    showMessage(`The studio's server cannot be reached (${err.message}).`, true);
  }
}

function start() {
  buildKeyboard();
  drawRoll($('melody-roll'), state.melodyPiece);
  $('sample').addEventListener('change', (e) => chooseSample(e.target.value));
  $('upload').addEventListener('change', (e) => upload(e.target.files[0]));
  $('record').addEventListener('click', startRecording);
  $('stop-record').addEventListener('click', stopRecording);
  $('generate').addEventListener('click', generate);
  $('new-seed').addEventListener('click', () => { $('seed').value = Math.floor(Math.random() * 100000); });
  $('pickup').addEventListener('change', () => {
    if (state.melody) setMelody(state.melody.bytes, state.melody.name);
  });
  window.addEventListener('resize', () => {
    state.views.forEach(refresh);
    drawRoll($('melody-roll'), state.melodyPiece);
  });
  loadLists();
}

start();
