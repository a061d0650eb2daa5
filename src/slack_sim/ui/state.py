"""The session's state: the scenario the widgets describe, notices, and the URL.

State lives in ``st.session_state`` (one per browser session): the profile, preset and
baseline pickers, one slider per lever and uncertainty (key ``"var:<name>"``), toggles for
the loop switches, the uncertainty bands' switch and size (``"bands_on"``, ``"bands_n"``),
pinned scenarios, the page shown and notices. The URL holds the current scenario and page
(:func:`sync_query_params`; the encoding is :mod:`slack_sim.ui.sharing`'s), so a link or a
reload opens the same view. Nothing mutable is shared between sessions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import streamlit as st

from ..model.parse import Model, load_model
from ..scenarios import DEFAULT_PRESET, DEFAULT_PROFILE, Scenario, preset, profile_values
from ..validation import ValidationError
from . import cache, risk, session_store, sharing, specs

__all__ = [
    "COMPACT",
    "MAX_PINNED",
    "PAGES",
    "TEACH_LINK_STEP",
    "TEACH_PARAMS",
    "TEACH_RESTORE",
    "TEACH_SESSION",
    "apply_scenario",
    "baseline_scenario",
    "choose_profile",
    "current_scenario",
    "drop_own_profile",
    "fix_first",
    "init_state",
    "init_teach_from_url",
    "kept",
    "load_pending",
    "load_shared",
    "notice",
    "own_profile",
    "plain_text",
    "remember",
    "reset_to_preset",
    "scenario_of",
    "sync_query_params",
    "sync_teach_query",
    "teach_query",
    "use_own_profile",
]

#: Most scenarios that can be pinned for comparison.
MAX_PINNED = 4
#: The app's pages.
PAGES = ("Scenario", "Risk", "Compare", "Council", "Model", "Teach", "Share and export")


def notice(level: str, text: str) -> None:
    """Queue a message (``level`` an ``st`` call: "error", "warning", "success", ...).

    The message is shown as plain text: it often quotes what a link or a file gave (a
    parameter's name, a file name), and Streamlit draws these boxes as Markdown, so every
    Markdown character in it is escaped (:func:`plain_text`); no link, image or colour
    from a user reaches the page.
    """
    st.session_state.setdefault("notices", []).append((level, plain_text(text)))


def fix_first(problems: Sequence[str] | ValidationError) -> str:
    """Return the text of an error box that lists what to correct, a line each.

    ``problems`` are messages in :mod:`slack_sim.validation`'s one format (field, value
    given, allowed range, units), or an error holding them a line each: the app's own
    words around the number typed, so shown as they are.
    """
    lines = (str(problems).splitlines() if isinstance(problems, ValidationError)
             else list(problems))
    return "Please fix these first:\n\n" + "\n".join(f"- {p}" for p in lines)


#: Characters that make Markdown in a Streamlit box (links and images, tags, emphasis,
#: code, maths, colour and icon directives), each escaped with a backslash.
_MARKDOWN = frozenset("\\`*_[]<>~$:")


def plain_text(text: object) -> str:
    r"""Return text for a Streamlit Markdown box that shows it as it is, not as Markdown.

    The characters that make Markdown are escaped with a backslash (so ``[x](url)`` is no
    link, ``![x](url)`` no image, ``http://host`` and ``www.host`` no automatic link,
    ``:red[x]`` no colour, ``<b>`` no tag, ``$x$`` no maths); an invisible word joiner
    (U+2060) after ``://``, ``www`` and ``@`` stops bare addresses becoming links; line
    breaks and other control characters become spaces. Rendered, the text reads as it
    was given.

    Examples
    --------
    >>> plain_text("[Click](x)")
    '\\[Click\\](x)'
    """
    out = []
    for ch in str(text):
        if ch in _MARKDOWN:
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(" ")
        else:
            out.append(ch)
    # GFM turns bare addresses into links after escapes are read, so a word joiner
    # (invisible) breaks them: "http://", "www." and "name@host" are not linked
    text = "".join(out).replace("\\://", "\\:\u2060//").replace("@", "@\u2060")
    return re.sub(r"(?i)(www)\.", "\\1\u2060.", text)


def apply_scenario(scenario: Scenario, preset_name: str, baseline: str | None = None) -> None:
    """Set every widget's state to a scenario (call before widgets exist, or in a callback)."""
    model = load_model()
    state = st.session_state
    settings = scenario.settings(model=model)
    state["profile"] = scenario.profile
    state["preset"] = preset_name
    if baseline is not None:
        state["baseline"] = baseline
    state["values"] = {n: float(settings[n]) for n in [*model.levers, *model.uncertainties]}
    for name, value in state["values"].items():
        state[f"var:{name}"] = value
    state["fresh"] = True
    for name in specs.switch_names(model):
        state[f"var:{name}"] = bool(settings[name] >= 0.5)
    base = profile_values(scenario.profile, model=model)
    defaults = model.defaults()
    state["extra"] = {
        k: v for k, v in scenario.values.items()
        if model[k].role == "profile" and v != base.get(k, defaults[k])
    }
    state["pending"] = None


def own_profile() -> dict[str, Any] | None:
    """Return the user's own calibrated profile in use (``None``: a built-in profile).

    It is a dict (``title``, ``base``, ``values``, ``record``, ``futures``) held in this
    browser session only, and in use while the sidebar's profile is its base.
    """
    state = st.session_state
    own = state.get("own")
    return own if own and state.get("profile") == own["base"] else None


def _on_profile(name: str, profile: str) -> Scenario:
    """Return a preset on a profile, on the user's own values when they are in use."""
    own = own_profile()
    p = preset(name, profile=profile)
    if own is None or own["base"] != profile:
        return p
    return Scenario(profile=profile, values={**own["values"], **p.values}, name=p.name,
                    description=p.description)


def baseline_scenario(name: str, profile: str) -> Scenario:
    """Return the baseline preset on the profile in use (the user's own values included)."""
    return _on_profile(name, profile)


def reset_to_preset() -> None:
    """Set every slider to the chosen preset on the chosen profile (a callback)."""
    state = st.session_state
    apply_scenario(_on_profile(state["preset"], state["profile"]), state["preset"])


def choose_profile() -> None:
    """Leave the user's own profile and reset to the preset (the profile picker's callback)."""
    st.session_state["own"] = None
    reset_to_preset()


def use_own_profile(own: dict[str, Any]) -> None:
    """Use a calibrated profile of the user's own figures (a callback).

    Its base becomes the sidebar's profile and every slider is reset to the chosen preset
    on the user's values; kept in this session only.
    """
    state = st.session_state
    state["own"] = dict(own)
    state["profile"] = own["base"]
    reset_to_preset()
    notice("success", "Using your own calibrated figures (on the base profile "
                      f"{own['base']}); choose another profile to leave them.")


def drop_own_profile() -> None:
    """Stop using the user's own profile: back to its base's own values (a callback)."""
    choose_profile()


def load_pending() -> None:
    """Load the scenario of a stale link or file the user chose to load anyway (a callback)."""
    pending = st.session_state.get("pending")
    if pending is not None:
        apply_scenario(pending.scenario, pending.preset, pending.baseline)
        st.session_state["notices"] = [("success", "Loaded the scenario as given.")]


def init_state(model: Model) -> None:
    """Initialise a new session from the URL (or the default), once per session.

    A bad link gives an error naming the problem and the default scenario; a stale link
    (another model version) gives a warning, the default scenario and a button to load it
    anyway.
    """
    state = st.session_state
    if state.get("initialised"):
        return
    state["initialised"] = True
    state["notices"] = []
    state["pinned"] = []
    state["page"] = PAGES[0]
    state["baseline"] = sharing.DEFAULT_BASELINE
    state["bands_on"] = risk.BANDS.on
    state["bands_n"] = risk.BANDS.members
    apply_scenario(preset(DEFAULT_PRESET, profile=DEFAULT_PROFILE), DEFAULT_PRESET)
    init_teach_from_url()
    view = st.query_params.get("view")
    if view is not None:
        if view in PAGES:
            state["page"] = view  # a reload stays on the page it was on
        else:
            notice("error", f"This link asks for the page {str(view)[:40]!r}, which the app "
                            f"does not have (pages: {', '.join(PAGES)}); showing "
                            f"{PAGES[0]}.")
    params = {k: st.query_params.get_all(k) for k in st.query_params if k not in TEACH_PARAMS}
    params = {k: (v[0] if len(v) == 1 else v) for k, v in params.items()}
    try:
        shared = sharing.decode_query(params, model=model)
    except sharing.ShareError as exc:
        notice("error", f"Could not read the scenario in this link: {exc}. Showing the "
                        f"default scenario ({DEFAULT_PRESET}) instead.")
        return
    if shared is None:
        return
    load_shared(shared, stale=f"Showing the default scenario ({DEFAULT_PRESET}) instead; use "
                              "the button below to load the linked one anyway.")


def load_shared(shared: sharing.Shared, *, stale: str) -> bool:
    """Load a scenario from a link or a file, or hold it back if it is for another model.

    Parameters
    ----------
    shared : slack_sim.ui.sharing.Shared
        The scenario read.
    stale : str
        What the warning says happens instead when the scenario is for another model
        version (it is then kept for the "Load it anyway" button).

    Returns
    -------
    bool
        Whether the scenario was loaded.
    """
    if shared.stale:
        st.session_state["pending"] = shared
        notice("warning", f"{shared.stale} {stale}")
        return False
    apply_scenario(shared.scenario, shared.preset, shared.baseline)
    return True


def current_scenario(model: Model) -> tuple[Scenario, str]:
    """Return the scenario the widgets describe and the preset it starts from."""
    state = st.session_state
    # A slider not drawn this run (hidden effect sizes) keeps its value in state["values"].
    drawn = state.get("drawn") or set()
    values: dict[str, float] = {}
    for name in [*model.levers, *model.uncertainties]:
        key = f"var:{name}"
        values[name] = float(state[key] if key in drawn else state["values"][name])
    state["values"] = dict(values)
    return scenario_of(values, model=model), state["preset"]


def scenario_of(values: dict[str, float], *, model: Model) -> Scenario:
    """Return the scenario of these slider values with the session's other choices.

    The loop switches, the link's extra inputs, the preset and the profile are the
    session's; :func:`current_scenario` passes the sliders' values, and the Scenario
    page's guess of the next slider step (:mod:`slack_sim.ui.speculate`) the same with one
    value changed, so both make the scenario, and its cache key, the same way.
    """
    state = st.session_state
    values = dict(values)
    for name in specs.switch_names(model):
        values[name] = 1.0 if state[f"var:{name}"] else 0.0
    values.update(state.get("extra") or {})
    return sharing.scenario_for(
        state["preset"], state["profile"], values, model=model,
        preset_settings=cache.preset_settings(state["preset"], state["profile"]))


def sync_query_params(scenario: Scenario, preset_name: str, model: Model) -> dict[str, str]:
    """Write the current scenario and page into the URL (when they changed).

    Returns the scenario's parameters alone (the link to share: it opens on the main view).
    """
    params = sharing.encode_query(
        scenario, preset_name=preset_name, baseline=st.session_state["baseline"], model=model,
        preset_settings=cache.preset_settings(preset_name, scenario.profile),
    )
    page = st.session_state.get("page") or PAGES[0]
    in_url = {**params, "view": page} if page != PAGES[0] else params
    if page == "Teach":
        in_url = {**in_url, **teach_query()}
    if page == "Scenario" and st.session_state.get(COMPACT):
        in_url = {**in_url, "compact": "1"}
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != in_url:
        st.query_params.from_dict(in_url)
    return params


# -- choices that survive leaving a page ----------------------------------------------------------


def remember(key: str, default: Any) -> str:
    """Return the widget key of a choice that survives leaving the page and coming back.

    Streamlit forgets a widget's state when a run does not draw it (another page). The
    choice is mirrored in ``key`` (not a widget key, so kept) and restored into the widget
    key ``"w:" + key`` before the widget is drawn (no default passed to the widget, so no
    double-setting warning). Pair with :func:`kept`.
    """
    state = st.session_state
    wkey = f"w:{key}"
    if wkey not in state:
        state[wkey] = state.get(key, default)
    return wkey


def kept(key: str, value: Any) -> Any:
    """Mirror a widget's value in ``key`` (see :func:`remember`) and return it."""
    st.session_state[key] = value
    return value


# -- the Teach page's link: page, step, session code, presenter mode -------------------------------

#: Session-state keys the Teach page reads (its own module owns the rest of ``"teach:"``).
TEACH_SESSION, TEACH_RESTORE, TEACH_LINK_STEP = "teach:session", "teach:restore", "teach:link-step"
_TEACH_STEP, _TEACH_PRESENT = "teach:step", "teach:present"
#: The Scenario page's compact mode for a projector (``?compact=1``; its toggle's key).
COMPACT = "compact"

#: Key of the Scenario page's fragment (:func:`slack_sim.ui.pages.scenario.live_scenario_page`).
SCENARIO_FRAGMENT = "scenario-page"
#: The URL parameters that are the Teach page's (and the compact mode's), not the scenario's.
TEACH_PARAMS = ("page", "step", "session", "present", "compact")


def _teach_steps() -> int:
    from ..teach.steps import STORYLINE

    return len(STORYLINE)


def init_teach_from_url() -> None:
    """Read the Teach page's part of a link, once per session (from :func:`init_state`).

    ``?page=teach`` (any case; also ``view=Teach``, or a session code without ``view``)
    opens the Teach page; ``step=N``
    (1 to the number of steps) its step N; ``present=1`` presenter mode; ``session=<code>``
    a teaching session kept on the server (:mod:`slack_sim.ui.session_store`), restored by
    the page when found (a code that is unknown or expired starts a new session under it).
    Each bad value gives one notice naming the field, the value given and what is allowed,
    and is ignored.
    """
    state = st.session_state
    query = st.query_params
    page = str(query.get("page") or "")
    code = query.get("session")
    if page.lower() == "teach" or (code is not None and "view" not in query):
        state["page"] = "Teach"
    elif page:
        notice("error", f"page: expected 'teach', got {page[:40]!r}; showing {PAGES[0]}.")
    total = _teach_steps()
    step = query.get("step")
    if step is not None:
        if str(step).isdigit() and 1 <= int(step) <= total:
            state[TEACH_LINK_STEP] = int(step) - 1
            state[_TEACH_STEP] = int(step) - 1
        else:
            notice("error", f"step: {str(step)[:40]!r} is outside the allowed range [1, "
                            f"{total}] (steps of the Teach page); showing step 1.")
    present = query.get("present")
    if present is not None:
        state[_TEACH_PRESENT] = present in ("1", "true", "yes")
    if query.get("compact") is not None:
        state[COMPACT] = query.get("compact") in ("1", "true", "yes")
    if code is None:
        return
    try:
        session_store.check_code(code)
    except ValidationError as exc:
        notice("error", f"{exc}. Starting a new teaching session.")
        return
    state[TEACH_SESSION] = code
    saved = session_store.STORE.load(code)
    if saved is None:
        notice("warning", "This teaching session is unknown or has expired (sessions are "
                          f"kept for {session_store.TTL_SECONDS / 3600:.0f} hours after their "
                          "last use); starting it afresh under the same code.")
        return
    state[TEACH_RESTORE] = saved
    runs = saved.get("runs") if isinstance(saved.get("runs"), list) else []
    if runs or saved.get("predictions"):  # a reload before anything was done: nothing to say
        notice("success", f"Restored this teaching session ({len(runs)} of {total} steps "
                          "run).")


def teach_query() -> dict[str, str]:
    """Return the Teach page's URL parameters: session code, step (1-based), presenter mode."""
    state = st.session_state
    params = {"step": str(int(state.get(_TEACH_STEP, 0)) + 1)}
    if state.get(TEACH_SESSION):
        params["session"] = str(state[TEACH_SESSION])
    if state.get(_TEACH_PRESENT):
        params["present"] = "1"
    return params


def sync_teach_query(*, step: int, present: bool) -> None:
    """Write the Teach page's parameters into the URL now (the page calls it last).

    :func:`sync_query_params` writes them on the next run too; this puts a session code
    made during this run into the address bar at once.
    """
    wanted = teach_query()
    wanted["step"] = str(int(step))
    if present:
        wanted["present"] = "1"
    else:
        wanted.pop("present", None)
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    if not present and "present" in st.query_params:
        del st.query_params["present"]
