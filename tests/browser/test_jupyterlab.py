"""Every lesson opened, run and used in JupyterLab in a real (headless) Chromium.

For each ``notebooks/NN_*.ipynb`` (found at collection time) and the fixture notebook:
open it in JupyterLab, clear the stored outputs, *Restart Kernel and Run All*, wait until
every code cell has run, assert that no cell shows an error, that the explorer widget
under ``## Explore`` rendered with its controls, and that moving a slider changes the
explorer's output area. Run with ``pytest -m browser`` (see ``conftest.py`` for the server,
the browser, and the screenshot options).
"""

import hashlib
import io
import pathlib
import time

import pytest

pytestmark = pytest.mark.browser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
FIXTURE_NOTEBOOK = ROOT / "tests" / "fixtures" / "browser" / "widget_fixture.ipynb"

LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CASES = [pytest.param(path.name, path.name[:2], id=path.stem) for path in LESSONS]
CASES.append(pytest.param(FIXTURE_NOTEBOOK.name, "fixture", id="fixture"))

OPEN_TIMEOUT_S = 90  # page load, kernel start
RUN_TIMEOUT_S = 240  # Restart Kernel and Run All (a lesson takes < 30 s in a bare kernel)
WIDGET_TIMEOUT_S = 60  # explorer rendered after the run
CHANGE_TIMEOUT_S = 45  # explorer output redrawn after a slider move
STALLED_S = 20  # kernel idle with unexecuted cells and nothing queued: give up waiting
ANIMATION_LESSONS = {"02", "fixture"}
SCREENSHOT_WIDTH = 1000
SCREENSHOT_MAX_BYTES = 200_000

FIND_PANEL_JS = """
(name) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const widget of app.shell.widgets('main')) {
    if (widget.context && widget.context.path === name && widget.content
        && widget.sessionContext) {
      window.__convPanel = widget;
      return widget.id;
    }
  }
  return null;
}
"""

READY_JS = """
() => {
  const panel = window.__convPanel;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return panel.context.isReady && panel.sessionContext.isReady && !!kernel
    && kernel.status === 'idle' && panel.content.widgets.length > 0;
}
"""

CLEAR_JS = """
async () => {
  const app = window.jupyterapp;
  app.shell.activateById(window.__convPanel.id);
  await app.commands.execute('notebook:clear-all-cell-outputs');
  return true;
}
"""

RUN_ALL_JS = """
() => {
  const app = window.jupyterapp;
  app.shell.activateById(window.__convPanel.id);
  window.__convRunError = null;
  app.commands.execute('notebook:restart-run-all')
    .catch((error) => { window.__convRunError = String(error); });
  return true;
}
"""

STATE_JS = """
() => {
  const panel = window.__convPanel;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const state = {kernel: kernel ? kernel.status : 'none', total: 0, executed: 0,
                 pending: 0, errors: [], runError: window.__convRunError || null};
  panel.content.widgets.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    if (!cell.model.sharedModel.getSource().trim()) return;
    state.total += 1;
    const prompt = cell.node.querySelector('.jp-InputPrompt');
    if (prompt && prompt.textContent.includes('*')) state.pending += 1;
    else if (cell.model.executionCount !== null && cell.model.executionCount !== undefined)
      state.executed += 1;
    const tags = cell.model.getMetadata('tags') || [];
    if (tags.includes('raises-exception')) return;
    const selector = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
    for (const output of cell.node.querySelectorAll(selector))
      state.errors.push(`cell ${index}: ${output.textContent.slice(0, 2000)}`);
    if (cell.node.textContent.includes('Error displaying widget'))
      state.errors.push(`cell ${index}: a widget failed to render`);
  });
  return state;
}
"""

FIND_EXPLORER_JS = """
() => {
  const cells = window.__convPanel.content.widgets;
  let start = -1;
  let end = cells.length;
  for (let i = 0; i < cells.length; i++) {
    if (cells[i].model.type !== 'markdown') continue;
    const source = cells[i].model.sharedModel.getSource();
    if (start < 0 && /^##\\s+Explore\\b/m.test(source)) { start = i; continue; }
    if (start >= 0 && /^##\\s/m.test(source)) { end = i; break; }
  }
  if (start < 0) return {found: false, reason: 'no "## Explore" heading'};
  for (let i = start + 1; i < end; i++) {
    const cell = cells[i];
    if (cell.model.type !== 'code') continue;
    const area = cell.node.querySelector('.jp-Cell-outputArea');
    if (area && area.querySelector('.jupyter-widgets')) {
      document.querySelectorAll('[data-conv-explorer]')
        .forEach((node) => node.removeAttribute('data-conv-explorer'));
      cell.node.setAttribute('data-conv-explorer', '1');
      return {found: true, cell: i};
    }
  }
  return {found: false, reason: `no rendered widget in cells ${start + 1}..${end - 1}`};
}
"""

OUTPUT_HTML_JS = """
(cell) => Array.from(cell.querySelectorAll('.widget-output'))
  .map((node) => node.innerHTML).join('\\n')
"""

FIND_ANIMATION_JS = """
() => {
  const root = window.__convPanel.content.node;
  const animation = root.querySelector('.jp-OutputArea-output .animation');
  if (!animation) return false;
  const img = animation.querySelector('img');
  if (!img || !img.getAttribute('src')) return false;
  const slider = animation.querySelector('input.anim-slider');
  if (slider) {
    slider.value = String(Math.floor(Number(slider.max) / 2));
    slider.dispatchEvent(new Event('input'));
  }
  document.querySelectorAll('[data-conv-animation]')
    .forEach((node) => node.removeAttribute('data-conv-animation'));
  animation.closest('.jp-OutputArea-output').setAttribute('data-conv-animation', '1');
  return true;
}
"""


def _wait(page, what, timeout_s, fn, *args):
    """Poll ``page.evaluate(fn, *args)`` until truthy; fail with ``what`` on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(fn, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.25)


def _run_all(page):
    """Clear outputs, Restart Kernel and Run All, accept the dialog, wait for completion."""
    page.evaluate(CLEAR_JS)
    page.evaluate(RUN_ALL_JS)
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        accept.wait_for(state="visible", timeout=15_000)
        accept.click()
    except Exception:  # the restart dialog can be switched off in the settings
        pass
    deadline = time.monotonic() + RUN_TIMEOUT_S
    idle_since = None
    while True:
        state = page.evaluate(STATE_JS)
        if state["runError"]:
            pytest.fail(f"Restart Kernel and Run All failed: {state['runError']}")
        quiet = state["kernel"] == "idle" and state["pending"] == 0
        if quiet and (state["executed"] == state["total"] or state["errors"]):
            return state
        if quiet and state["executed"] > 0:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > STALLED_S:
                return state
        else:
            idle_since = None
        if time.monotonic() > deadline:
            pytest.fail(f"cells still running after {RUN_TIMEOUT_S} s: {state}")
        time.sleep(0.5)


def _stable_output(page, cell, before, timeout_s):
    """Wait until the explorer's output differs from ``before`` and stops changing."""
    deadline = time.monotonic() + timeout_s
    last, same_since = None, None
    while time.monotonic() < deadline:
        html = cell.evaluate(OUTPUT_HTML_JS)
        if html != before and html.strip():
            if html == last:
                if time.monotonic() - same_since > 0.75:
                    return html
            else:
                last, same_since = html, time.monotonic()
        time.sleep(0.25)
    return last


def _move_control(cell):
    """Move the explorer's first slider one step (or pick another dropdown option)."""
    handles = cell.locator(".widget-slider .noUi-handle")
    if handles.count():
        handle = handles.first
        now = float(handle.get_attribute("aria-valuenow") or 0)
        top = float(handle.get_attribute("aria-valuemax") or now + 1)
        handle.focus()
        handle.press("ArrowLeft" if now >= top else "ArrowRight")
        return "slider"
    select = cell.locator(".widget-dropdown select").first
    options = select.locator("option").all_inner_texts()
    current = select.evaluate("(node) => node.selectedIndex")
    select.select_option(index=(current + 1) % len(options))
    return "dropdown"


def _save_png(locator, page, path):
    """Screenshot ``locator`` into ``path``: at most 1000 px wide, palette PNG < 200 KB."""
    from PIL import Image

    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": int(min(3000, box["height"] + 400))})
    try:
        locator.scroll_into_view_if_needed()
        raw = locator.screenshot(animations="disabled")
    finally:
        page.set_viewport_size(size)
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if image.width > SCREENSHOT_WIDTH:
        height = round(image.height * SCREENSHOT_WIDTH / image.width)
        image = image.resize((SCREENSHOT_WIDTH, height), Image.LANCZOS)
    for colors in (256, 128, 64, 32):
        buffer = io.BytesIO()
        image.quantize(colors=colors).save(buffer, format="PNG", optimize=True)
        if buffer.tell() <= SCREENSHOT_MAX_BYTES:
            break
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(("name", "lesson"), CASES)
def test_notebook_runs_and_explorer_responds(
    name, lesson, lab_server, lab_page, screenshot_dir, screenshot_lessons, tmp_path
):
    page = lab_page
    timings = {}
    started = time.monotonic()
    try:
        page.goto(lab_server.url(f"lab/workspaces/t{lesson}/tree/{name}"))
        _wait(page, f"JupyterLab to open {name}", OPEN_TIMEOUT_S, FIND_PANEL_JS, name)
        _wait(page, "the kernel to be idle", OPEN_TIMEOUT_S, READY_JS)
        timings["open"] = time.monotonic() - started

        mark = time.monotonic()
        state = _run_all(page)
        timings["run_all"] = time.monotonic() - mark
        assert not state["errors"], "cells show errors:\n" + "\n\n".join(state["errors"])
        assert state["executed"] == state["total"], f"not every code cell ran: {state}"

        mark = time.monotonic()
        found = _wait(page, "the explorer widget", WIDGET_TIMEOUT_S, FIND_EXPLORER_JS)
        cell = page.locator('[data-conv-explorer="1"]')
        controls = cell.locator(".widget-slider, .widget-dropdown")
        controls.first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_S * 1000)
        assert cell.locator(".widget-slider").count() or cell.locator(".widget-dropdown").count()
        assert cell.locator(".widget-output").count(), "the explorer has no Output area"
        before = _stable_output(page, cell, None, 10) or ""
        timings["widget"] = time.monotonic() - mark

        mark = time.monotonic()
        moved = _move_control(cell)
        after = _stable_output(page, cell, before, CHANGE_TIMEOUT_S)
        timings["change"] = time.monotonic() - mark
        assert after is not None and after != before, (
            f"moving the explorer's {moved} (cell {found['cell']}) did not change its output"
        )
        state = page.evaluate(STATE_JS)
        assert not state["errors"], "errors after moving the control:\n" + "\n\n".join(
            state["errors"]
        )

        if screenshot_dir is not None and lesson in screenshot_lessons:
            prefix = "fixture" if lesson == "fixture" else f"lesson{lesson}"
            area = cell.locator(".jp-Cell-outputArea")
            _save_png(area, page, screenshot_dir / f"{prefix}_explorer.png")
            if lesson in ANIMATION_LESSONS:
                _wait(page, "an animation output", 20, FIND_ANIMATION_JS)
                page.wait_for_timeout(500)
                animation = page.locator('[data-conv-animation="1"]')
                _save_png(animation, page, screenshot_dir / f"{prefix}_animation.png")
    except BaseException:
        failure = tmp_path / f"{pathlib.Path(name).stem}_failure.png"
        try:
            page.screenshot(path=str(failure), full_page=True)
            print(f"page screenshot at failure: {failure}")
        except Exception as error:  # the page may be gone
            print(f"no failure screenshot: {error}")
        print(f"JupyterLab log tail:\n{lab_server.log_tail()}")
        raise
    finally:
        timings["total"] = time.monotonic() - started
        print(name, {key: round(value, 1) for key, value in timings.items()})

    digest = hashlib.sha256(after.encode()).hexdigest()[:12]
    print(f"{name}: explorer output changed (now {digest}) after moving a {moved}")
