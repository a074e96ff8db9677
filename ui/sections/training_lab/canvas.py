"""A small drawing canvas of our own (Streamlit custom components v2, no iframe).

The learner draws with the mouse, a pen or a finger; when a stroke ends the drawing is
sent to Python as a 32 × 32 grid of 0/1 ink values (`setStateValue("pixels", …)`) —
the resolution the UCI digits were drawn at before being counted into 8 × 8 blocks.
"Clear" sends null.  The heavy part (crop, scale, 4 × 4 counts) happens in
`calc.drawing_to_image`, in Python, where it is tested.
"""

from __future__ import annotations

import streamlit as st

SIDE = 32  # ink grid sent to Python
CANVAS_PX = 224

HTML = f"""
<div class="tl-draw">
  <canvas class="tl-canvas" width="{CANVAS_PX}" height="{CANVAS_PX}" data-testid="tl-canvas"></canvas>
  <button type="button" class="tl-clear" data-testid="tl-clear">✕</button>
</div>
"""

CSS = f"""
.tl-draw {{ display: flex; align-items: flex-start; gap: 8px; }}
.tl-canvas {{ width: {CANVAS_PX}px; height: {CANVAS_PX}px; background: #ffffff; border: 2px solid #888;
  border-radius: 6px; touch-action: none; cursor: crosshair; }}
.tl-clear {{ font-size: 16px; padding: 4px 10px; border-radius: 6px; border: 1px solid #888; background: #f4f4f4;
  cursor: pointer; }}
"""

JS = f"""
export default function(component) {{
  const {{ parentElement, setStateValue, data }} = component;
  const canvas = parentElement.querySelector('.tl-canvas');
  const clear = parentElement.querySelector('.tl-clear');
  if (data && data.label) {{ clear.textContent = data.label; }}
  const ctx = canvas.getContext('2d');
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.lineWidth = {CANVAS_PX} / 9;
  ctx.strokeStyle = '#111111';
  let drawing = false;
  let last = null;
  const pos = (e) => {{
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  }};
  const send = () => {{
    const n = {SIDE};
    const cell = canvas.width / n;
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const out = new Array(n * n).fill(0);
    for (let gy = 0; gy < n; gy++) {{
      for (let gx = 0; gx < n; gx++) {{
        let ink = 0, count = 0;
        for (let y = Math.floor(gy * cell); y < Math.floor((gy + 1) * cell); y++) {{
          for (let x = Math.floor(gx * cell); x < Math.floor((gx + 1) * cell); x++) {{
            ink += img[(y * canvas.width + x) * 4 + 3];
            count += 1;
          }}
        }}
        out[gy * n + gx] = ink / (255 * count) > 0.35 ? 1 : 0;
      }}
    }}
    setStateValue('pixels', out);
  }};
  const down = (e) => {{ drawing = true; last = pos(e); canvas.setPointerCapture(e.pointerId); move(e); }};
  const move = (e) => {{
    if (!drawing) return;
    const p = pos(e);
    ctx.beginPath();
    ctx.moveTo(last[0], last[1]);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
    last = p;
  }};
  const up = () => {{ if (drawing) {{ drawing = false; send(); }} }};
  const wipe = () => {{ ctx.clearRect(0, 0, canvas.width, canvas.height); setStateValue('pixels', null); }};
  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointerleave', up);
  clear.addEventListener('click', wipe);
  return () => {{
    canvas.removeEventListener('pointerdown', down);
    canvas.removeEventListener('pointermove', move);
    canvas.removeEventListener('pointerup', up);
    canvas.removeEventListener('pointerleave', up);
    clear.removeEventListener('click', wipe);
  }};
}}
"""

_COMPONENT = None


def draw_canvas(key: str, clear_label: str):
    """Mount the canvas; returns the last 32 × 32 ink grid (a list of 1024 ints) or None."""
    global _COMPONENT
    if _COMPONENT is None:
        _COMPONENT = st.components.v2.component("optimizer_lab_digit_canvas", html=HTML, css=CSS, js=JS)
    result = _COMPONENT(key=key, data={"label": clear_label}, default={"pixels": None}, on_pixels_change=lambda: None)
    return getattr(result, "pixels", None)
