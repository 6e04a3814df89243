"""`<ab-player blind>` (docs/WEB-PLAYER.md "Blind mode") on a real render's takes: letters
only, no loudness or gain figures, and a time bar that looks the same whichever take plays."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Rendered

# A blind player made next to the render page's own, from the same chain renders.
MAKE_BLIND_JS = """() => {
  const named = document.querySelector('ab-player');
  const blind = document.createElement('ab-player');
  blind.id = 'blind';
  blind.setAttribute('blind', '');
  blind.setAttribute('label', 'Blind player');
  document.getElementById('results-body').prepend(blind);
  blind.chains = named.chains.map((c, i) => ({ name: 'AB'[i], src: c.src }));
}"""
PICTURE_JS = """(i) => {
  const p = document.getElementById('blind');
  p.select(i);
  p.waveform.draw();
  return p.ui.canvas.toDataURL();
}"""


def test_blind_player_shows_letters_and_the_same_time_bar_for_every_take(
    page: Page, signed_in: Rendered
) -> None:
    page.goto(f"/renders/{signed_in.render_id}")
    expect(page.locator("ab-player")).to_have_attribute("aria-busy", "false", timeout=30_000)
    page.evaluate(MAKE_BLIND_JS)
    blind = page.locator("#blind")
    expect(blind).to_have_attribute("aria-busy", "false", timeout=30_000)
    expect(blind.locator(".abp-status")).to_contain_text("Ready: 2 takes")
    expect(blind.locator(".abp-chain")).to_have_text(["1A", "2B"])
    expect(blind.locator(".abp-levels")).to_have_count(0)
    expect(blind.get_by_role("slider")).to_have_accessible_name(
        "Blind player: time bar (drag to set a loop)"
    )
    first, second = page.evaluate(PICTURE_JS, 0), page.evaluate(PICTURE_JS, 1)
    assert first == second, "the time bar differs between the takes"
    # The named player beside it draws each chain's own waveform: the pictures differ there.
    named = page.evaluate(
        """(i) => { const p = document.querySelector('ab-player:not([blind])');
                    p.select(i); p.waveform.draw(); return p.ui.canvas.toDataURL(); }""",
        0,
    )
    assert named != first
    assert page.evaluate("() => document.getElementById('blind')._peaks") is None
    # It still plays and switches on one playhead, like the named player.
    blind.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "() => { const p = document.getElementById('blind');"
        " return !p.paused && p.currentTime > 0.2; }"
    )
    blind.locator(".abp-chain").nth(1).click()
    assert page.evaluate("() => document.getElementById('blind').activeChain") == 1
    blind.get_by_role("button", name="Pause", exact=True).click()


def test_player_refuses_a_handle_that_is_not_lossless_audio(
    page: Page, signed_in: Rendered
) -> None:
    """An extensionless URL must answer with a lossless Content-Type (here: JSON)."""
    page.goto(f"/renders/{signed_in.render_id}")
    expect(page.locator("ab-player")).to_have_attribute("aria-busy", "false", timeout=30_000)
    page.evaluate(
        """(src) => {
          const p = document.createElement('ab-player');
          p.id = 'odd';
          p.setAttribute('blind', '');
          document.getElementById('results-body').prepend(p);
          p.chains = [{ name: 'A', src }, { name: 'B', src }];
        }""",
        f"/api/v1/renders/{signed_in.render_id}",
    )
    odd = page.locator("#odd")
    expect(odd).to_have_attribute("aria-busy", "false", timeout=30_000)
    expect(odd.locator(".abp-status")).to_contain_text("lossless WAV or FLAC only")
