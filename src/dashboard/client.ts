/**
 * The dashboard's only script, served from our own origin as /dashboard/app.js: live updates.
 * It listens to /dashboard/events and, on a change that concerns the page, fetches the page again
 * and swaps its `#live` region, unless the human is typing in it (then it says so instead).
 */
export const CLIENT_JS = `(() => {
  'use strict';
  const live = document.body.dataset.live;
  if (!live || typeof EventSource === 'undefined') return;
  const source = new EventSource('/dashboard/events');
  let timer;
  let last = 0;
  source.addEventListener('change', (event) => {
    const ids = String(event.data).split(' ');
    if (live.startsWith('pause:') && !ids.includes(live.slice(6))) return;
    // Soon after a change, but at most one refresh a second, however fast changes arrive.
    if (timer) return;
    const wait = Math.max(120, last + 1000 - Date.now());
    timer = setTimeout(() => { timer = undefined; last = Date.now(); refresh(); }, wait);
  });
  function typing(region) {
    const active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.type !== 'submit') return true;
    return [...region.querySelectorAll('textarea,input[type=text]')].some((el) => el.value !== el.defaultValue);
  }
  async function refresh() {
    const region = document.getElementById('live');
    if (!region) return;
    let response;
    try {
      response = await fetch(location.href, { credentials: 'same-origin', headers: { 'X-LoopPause-Live': '1' } });
    } catch {
      return;
    }
    if (!response.ok) return;
    // The fetched page's <style> carries its own response's nonce: parsed here it would be judged
    // by this page's CSP and reported as a violation. Only #live is wanted, so parse without it.
    const text = (await response.text()).replace(/<style[^>]*>[\\s\\S]*?<\\/style>/gi, '');
    const next = new DOMParser().parseFromString(text, 'text/html').getElementById('live');
    if (!next) return;
    if (typing(region)) {
      let note = document.getElementById('live-note');
      if (!note) {
        note = document.createElement('p');
        note.id = 'live-note';
        note.className = 'notice';
        note.setAttribute('role', 'status');
        region.before(note);
      }
      note.textContent = 'This page changed. Reload to see the latest.';
      return;
    }
    region.replaceWith(document.importNode(next, true));
    document.getElementById('live-note')?.remove();
  }
})();
`;
