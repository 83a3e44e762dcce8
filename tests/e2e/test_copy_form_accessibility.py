"""The copy form in a browser: usable with the keyboard alone, focus always visible, and the
37 CFR 201.14 warning shown verbatim in type no smaller than the form's own."""

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.helpers import create_librarian, log_in

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]

# The Order Warning of Copyright, 37 CFR 201.14(b), as the Copyright Office prints it (Circular 21).
NOTICE = (Path(__file__).parent / "data" / "copyright_warning_37cfr201.14b.txt").read_text()

# The form's controls as keyboard users meet them: one stop per radio group.
CONTROLS = """
(() => {
  const form = document.getElementById("copy-form");
  const stops = [];
  for (const el of form.querySelectorAll("input, select, textarea, button")) {
    if (el.type === "hidden" || el.disabled || el.offsetParent === null) continue;
    const key = el.type === "radio" ? "radio:" + el.name : el.id || el.type + ":" + el.name;
    if (!stops.includes(key)) stops.push(key);
  }
  return stops;
})()
"""
FOCUSED = """
(() => {
  const el = document.activeElement;
  const key = el.type === "radio" ? "radio:" + el.name : el.id || el.type + ":" + el.name;
  return key;
})()
"""
# What makes focus visible: the outline and the box shadow, read from the computed style.
FOCUS_STYLE = """
(el) => {
  const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(" | ");
}
"""
# Each distinct font size used for text in an element, weighted by how much text uses it.
TYPE_SIZES = """
(root) => {
  const sizes = {};
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const parent = walker.currentNode.parentElement;
    if (!text || parent.offsetParent === null) continue;
    const size = parseFloat(getComputedStyle(parent).fontSize);
    sizes[size] = (sizes[size] || 0) + text.length;
  }
  return sizes;
}
"""


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def copy_form(new_context: Any) -> Any:
    create_librarian("NYBKL", "Brooklyn College Library")
    page = new_context().new_page()
    log_in(page, "NYBKL")
    page.goto("/requests/new/copy/")
    return page


def test_keyboard_reaches_every_copy_form_control_and_the_submit_button_with_visible_focus(
    copy_form: Any, audit: Any, screenshot: Any
) -> None:
    page = copy_form
    expected = page.evaluate(CONTROLS)
    reached: dict[str, tuple[Any, str]] = {}  # control -> (its element, its style when focused)
    for _ in range(200):
        page.keyboard.press("Tab")
        key = page.evaluate(FOCUSED)
        if key in expected and key not in reached:
            element = page.evaluate_handle("document.activeElement")
            reached[key] = (element, element.evaluate(FOCUS_STYLE))
        if key == expected[-1]:
            break
    screenshot(page, "submit-button-focused")
    page.keyboard.press("Tab")  # focus leaves the form: every control is now unfocused

    assert expected[-1].startswith("submit:") or "button" in expected[-1], expected
    assert list(reached) == expected, "Tab does not reach every control, in order"
    invisible = [
        key
        for key, (element, focused) in reached.items()
        if element.evaluate(FOCUS_STYLE) == focused
    ]
    assert not invisible, f"focus is not visible on: {invisible}"
    audit.check(page, "copy request form")
    audit.assert_clean()


def test_copyright_warning_is_the_verbatim_notice_in_type_no_smaller_than_the_form(
    copy_form: Any,
) -> None:
    page = copy_form
    box = page.locator(".copyright-warning")
    assert words(box.inner_text()) == words(NOTICE)
    assert box.evaluate("(el) => getComputedStyle(el).borderStyle") != "none", "it is boxed"

    form_sizes = page.locator("#copy-form").evaluate(TYPE_SIZES)
    predominant = float(max(form_sizes, key=lambda size: form_sizes[size]))
    warning_sizes = [float(size) for size in box.evaluate(TYPE_SIZES)]
    assert min(warning_sizes) >= predominant, (warning_sizes, form_sizes)
    assert min(warning_sizes) >= 8 * 4 / 3, "never under 8 points (in CSS pixels)"
