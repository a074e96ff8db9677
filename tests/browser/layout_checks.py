"""What a projector shows: text that does not fit its box, measured in the page.

`OVERFLOW_JS` returns one entry per visible text element that is cut: its own content
wider than its box (scrollWidth > clientWidth + 1) where the overflow is hidden, clipped,
scrolled or ellipsised, or its text running outside an ancestor that clips
(overflow hidden / clip / auto / scroll).  Charts (SVG, drawn by plotly), data grids
(canvas) and closed expanders are not text in the page and are skipped.
Text boxes (inputs, the select boxes among them) are cut when their value is wider
than the box.
`METRIC_JS` returns the font size (px) of every metric value.
"""

OVERFLOW_JS = r"""() => {
  const out = [];
  const clips = v => v !== 'visible';
  const root = document.querySelector('[data-testid=stApp]');
  const skip = el => el.closest('svg, .js-plotly-plot, [data-testid=stDataFrameResizable] canvas, [data-testid=stTooltipContent], '
                                + '[data-testid=stToolbar], [data-testid=stHeader], [data-testid=stStatusWidget], [data-baseweb=popover], '
                                + 'details:not([open]) > :not(summary), [aria-hidden=true], .katex-mathml, [data-testid=stSkipToContent]');
  const visible = el => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && +cs.opacity > 0.05;
  };
  const textRect = el => {
    let best = null;
    for (const n of el.childNodes) {
      if (n.nodeType !== 3 || !n.textContent.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width < 1) continue;
        best = best ? {left: Math.min(best.left, r.left), right: Math.max(best.right, r.right),
                       top: Math.min(best.top, r.top), bottom: Math.max(best.bottom, r.bottom)} : {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
      }
    }
    return best;
  };
  const name = el => {
    const tid = el.closest('[data-testid]');
    return (tid ? tid.getAttribute('data-testid') : el.tagName) + ' ' + el.tagName.toLowerCase()
      + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  };
  for (const el of root.querySelectorAll('*')) {
    if (skip(el)) continue;
    const tr = textRect(el);
    if (!tr || !visible(el)) continue;
    const text = el.textContent.trim().replace(/\s+/g, ' ').slice(0, 70);
    const cs = getComputedStyle(el);
    if (cs.display !== 'inline' && el.scrollWidth > el.clientWidth + 1
        && (clips(cs.overflowX) || cs.textOverflow === 'ellipsis')) {
      out.push({what: 'own-overflow', el: name(el), text, scroll: el.scrollWidth, client: el.clientWidth});
      continue;
    }
    for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
      const as = getComputedStyle(a);
      const cx = clips(as.overflowX), cy = clips(as.overflowY);
      if (!cx && !cy) continue;
      const ar = a.getBoundingClientRect();
      const outX = cx && (tr.right > ar.right + 1.5 || tr.left < ar.left - 1.5);
      // cut, not scrolled away: the text is partly inside the box and partly out
      const page = a.matches('[data-testid=stAppViewContainer], [data-testid=stMain], [data-testid=stSidebar], '
                             + '[data-testid=stSidebarContent], [data-testid=stSidebarUserContent]');
      const outY = cy && !page && ar.height > 4 && ((tr.top < ar.bottom - 1.5 && tr.bottom > ar.bottom + 1.5)
                                         || (tr.bottom > ar.top + 1.5 && tr.top < ar.top - 1.5));
      // below the fold of a scrolling column is not cut; sideways out of any clipping box is
      if (outX || (outY && !(as.overflowY === 'auto' || as.overflowY === 'scroll'))) {
        out.push({what: outX ? 'clipped-x' : 'clipped-y', el: name(el), by: name(a), text,
                  text_right: Math.round(tr.right), box_right: Math.round(ar.right)});
        break;
      }
    }
  }
  // a text box's value is not a text node: it is cut when its content is wider than the box
  // (the select boxes are inputs too: "Logistic regression (genera…" is cut there)
  for (const el of root.querySelectorAll('input:not([type=checkbox]):not([type=radio]):not([type=range]):not([type=hidden])')) {
    if (skip(el) || !el.value || !visible(el)) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      out.push({what: 'input-overflow', el: name(el), text: el.value.slice(0, 70), scroll: el.scrollWidth, client: el.clientWidth});
  }
  // one report per text: the innermost element
  const seen = new Set();
  return out.filter(o => { const k = o.what + o.text; if (seen.has(k)) return false; seen.add(k); return true; });
}"""

METRIC_JS = r"""() => [...document.querySelectorAll('[data-testid=stMetricValue]')]
  .map(el => parseFloat(getComputedStyle(el).fontSize))"""

BODY_FONT_JS = r"""() => { const p = document.querySelector('[data-testid=stMain] [data-testid=stMarkdownContainer] p');
  return p ? parseFloat(getComputedStyle(p).fontSize) : null; }"""

FIRST_CHART_TOP_JS = r"""() => { const main = document.querySelector('[data-testid=stMain]').getBoundingClientRect().top;
  const tops = [...document.querySelectorAll('[data-testid=stMain] [data-testid=stPlotlyChart]')].map(c => {
    const area = c.querySelector('.nsewdrag');  // the plot area itself, under the toolbar and a legend above it
    return (area || c).getBoundingClientRect().top - main; });
  return tops.length ? Math.min(...tops) : null; }"""

# Where a button's label wraps inside a word: between two characters neither of which is a space
# or punctuation (a line may break after those, and before an opening bracket).  One entry per
# break: the label and the two characters around it.
MIDWORD_JS = r"""() => {
  const after = /[\s\/·,:;)）：，；、。！？\-–—]/, before = /[\s(（]/, out = [];
  for (const p of document.querySelectorAll('[data-testid=stMain] button [data-testid=stMarkdownContainer] p')) {
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    const chars = [];  // every character; a space that ends a line may have no box of its own
    for (let n = walker.nextNode(); n; n = walker.nextNode())
      for (let i = 0; i < n.textContent.length; i++) {
        const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
        const rect = [...r.getClientRects()].find(q => q.width > 0);
        chars.push({ch: n.textContent[i], top: rect ? rect.top : null});
      }
    let last = -1;
    for (let i = 0; i < chars.length; i++) {
      if (chars[i].top === null) continue;
      if (last >= 0 && chars[i].top > chars[last].top + 2) {
        const between = chars.slice(last, i + 1).map(c => c.ch).join('');  // the last char of a line … the first of the next
        const ok = after.test(between.slice(0, -1)) || before.test(chars[i].ch);
        if (!ok) out.push({label: p.textContent.trim(), at: chars[last].ch + '|' + chars[i].ch});
      }
      last = i;
    }
  }
  return out; }"""

# Each animated chart (one with Play/Pause buttons), in px: the bottom of its x-axis title, the
# top and bottom of its buttons, the top of the slider's "step k" label.
ANIM_TITLE_JS = r"""() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')]
  .filter(p => p.querySelector('.updatemenu-container .updatemenu-button') && p.querySelector('.g-xtitle text'))
  .map(p => { const buttons = [...p.querySelectorAll('.updatemenu-button')].map(b => b.getBoundingClientRect());
              return {title_bottom: p.querySelector('.g-xtitle text').getBoundingClientRect().bottom,
                      buttons_top: Math.min(...buttons.map(b => b.top)), buttons_bottom: Math.max(...buttons.map(b => b.bottom)),
                      step_top: p.querySelector('.slider-group > text.slider-label').getBoundingClientRect().top}; })"""

# Each legend entry of a chart that runs out of the chart's own box (plotly never breaks an
# entry: a name wider than its chart is cut at the chart's edge): its text and the overrun, in px.
LEGEND_CUT_JS = r"""() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')].flatMap(p => {
  const svg = p.querySelector('svg.main-svg');
  if (!svg) return [];
  const box = svg.getBoundingClientRect();
  return [...p.querySelectorAll('.legend .traces .legendtext')].map(el => ({el, r: el.getBoundingClientRect()}))
    .filter(({r}) => r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1 || r.bottom > box.bottom + 1))
    .map(({el, r}) => ({text: el.textContent.slice(0, 60), right: Math.round(r.right - box.right),
                        below: Math.round(r.bottom - box.bottom)}));
})"""

# Each x-axis title of a chart drawn over one of the chart's x tick labels (the bottom margin too
# small for the numbers, the title and the legend under them): the title, the tick and the overlap.
TITLE_ON_TICKS_JS = r"""() => [...document.querySelectorAll('[data-testid=stPlotlyChart] .js-plotly-plot')].flatMap(p => {
  const titles = [...p.querySelectorAll('g[class^="g-x"][class$="title"] text')];
  const ticks = [...p.querySelectorAll('g[class^="x"][class$="tick"] text')];
  const out = [];
  for (const t of titles) {
    const a = t.getBoundingClientRect();
    if (a.width < 1) continue;
    for (const k of ticks) {
      const b = k.getBoundingClientRect();
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (b.width >= 1 && w > 1 && h > 1) out.push({title: t.textContent, tick: k.textContent, overlap_px: Math.round(h)});
    }
  }
  return out;
})"""
