"""The app's cache keys follow a profile's values (issue 17, item 8).

Every cached result of the app is keyed by :func:`slack_sim.ui.cache.scenario_key`. It
must change when the profile's values change (an edited TOML, a recalibration), or the
app would keep serving results computed on the old values; and it must not change when
nothing that changes a result does (a title), or every edit would empty the cache.
"""

import json
import os
from pathlib import Path

import pytest

import slack_sim as ss
from slack_sim.ui import cache

OLD, NEW = '"Children looked after 2010" = 300', '"Children looked after 2010" = 360'




def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    st = path.stat()  # a later modification time, so every mtime-keyed reader sees it
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_an_edited_profile_gives_another_key_and_result(models_copy):
    scenario = ss.preset("austerity-then-covid", profile="generic")
    before = cache.scenario_key(scenario)
    assert cache.scenario_from_key(before).key == scenario.key
    old_run = cache.run_frame(before)

    _edit(models_copy / "profiles" / "generic.toml", OLD, NEW)
    after = cache.scenario_key(scenario)
    assert after != before
    assert json.loads(after)["values"] == json.loads(before)["values"]
    assert cache.scenario_from_key(after).key == scenario.key
    # the new key is computed afresh, on the edited values
    new_run = cache.run_frame(after)
    assert new_run["Children looked after"].iloc[0] == pytest.approx(360.0)
    assert old_run["Children looked after"].iloc[0] == pytest.approx(300.0)
    assert cache.preset_settings("austerity-then-covid", "generic")[
        "Children looked after 2010"] == pytest.approx(360.0)


def test_a_title_edit_keeps_the_key(models_copy):
    scenario = ss.preset("austerity-then-covid", profile="generic")
    before = cache.scenario_key(scenario)
    toml = models_copy / "profiles" / "generic.toml"
    title = next(line for line in toml.read_text().splitlines() if line.startswith("title"))
    _edit(toml, title, 'title = "Generic, renamed"')
    assert ss.scenarios.profile_info("generic")["title"] == "Generic, renamed"
    assert cache.scenario_key(scenario) == before
