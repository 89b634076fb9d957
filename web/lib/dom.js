// dom.js - the only way the UI builds DOM: h(tag, attrs, ...children).
// Strings become text nodes; attributes go through setAttribute (never
// innerHTML), event handlers are attached with addEventListener, and href
// is only set from internal '#/...' links (or 'mailto:'-free constants).

const SAFE_ATTR = /^(class|id|title|type|name|value|placeholder|role|tabindex|for|colspan|rowspan|min|max|step|size|maxlength|autocomplete|spellcheck|disabled|checked|selected|hidden|open|aria-[a-z]+|data-[a-z0-9-]+)$/;

/** Appends children: strings/numbers as text, nodes as-is, arrays flattened, null/false skipped. */
export function append(el, ...children) {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, ...c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

/**
 * h('div', {class: 'x', onclick: fn, href: '#/cost'}, 'text', child)
 * attrs: on<event> -> listener; 'href' only if it starts with '#/' (or is '#');
 * 'style' must be an object (applied through element.style); boolean attrs
 * true -> present, false/null -> absent; other names must be safe ones.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'style') Object.assign(el.style, v);
      else if (k === 'href') el.setAttribute('href', safeHref(v));
      else if (k === 'value' && (tag === 'input' || tag === 'select' || tag === 'textarea')) el.value = String(v);
      else if (SAFE_ATTR.test(k)) el.setAttribute(k, v === true ? '' : String(v));
      else throw new Error('h: attribute not allowed: ' + k);
    }
  }
  return append(el, ...children);
}

/** Only internal hash links are allowed as href. */
export function safeHref(v) {
  const s = String(v);
  return s === '#' || s.startsWith('#/') ? s : '#';
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replaces el's children. */
export function replace(el, ...children) {
  return append(clear(el), ...children);
}

/** A text with <mark> around [start, end) ranges (UTF-16 offsets, as JS strings). */
export function highlighted(text, ranges) {
  const out = [];
  let pos = 0;
  const rs = (Array.isArray(ranges) ? ranges : [])
    .filter((r) => Array.isArray(r) && r.length === 2 && r[0] >= 0 && r[1] > r[0])
    .sort((a, b) => a[0] - b[0]);
  for (const [s, e] of rs) {
    if (s < pos) continue; // overlapping range: skip
    if (s >= text.length) break;
    if (s > pos) out.push(document.createTextNode(text.slice(pos, s)));
    out.push(h('mark', null, text.slice(s, Math.min(e, text.length))));
    pos = Math.min(e, text.length);
  }
  if (pos < text.length) out.push(document.createTextNode(text.slice(pos)));
  return out;
}

/** Copies text; navigator.clipboard when available (secure context), else a hidden textarea. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall back */ }
  const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  ta.value = text;
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  ta.remove();
  return ok;
}

/** A small "copy" button that copies getText() and says so. */
export function copyButton(getText, label = 'copy') {
  const b = h('button', { type: 'button', class: 'copy', title: 'copy to clipboard' }, label);
  b.addEventListener('click', async () => {
    const ok = await copyText(getText());
    b.textContent = ok ? 'copied' : 'copy failed';
    setTimeout(() => { b.textContent = label; }, 1200);
  });
  return b;
}
