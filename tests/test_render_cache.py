"""Rendered templates are cached by template sources and context; any change re-renders."""

from __future__ import annotations

import json

from issue_flow.templating import Templates


def test_render_all_caches_and_notices_template_edits(tmp_path):
    user = tmp_path / "tpl"
    (user / "release").mkdir(parents=True)
    tpl = user / "release" / "NOTE.md.j2"
    tpl.write_text("v{{ version }}\n")
    t = Templates(user, tmp_path)
    names = ["release/NOTE.md.j2"]
    assert t.render_all(names, {"version": "1.0.1"}) == {"release/NOTE.md.j2": "v1.0.1\n"}
    key = t._render_key(names, {"version": "1.0.1"})
    # the cache lives under $XDG_CACHE_HOME (the tests' own folder), never beside the templates
    assert not list(user.rglob("*.json"))
    import os

    path = os.path.join(os.environ["XDG_CACHE_HOME"], "issue-flow", "rendered", f"{key}.json")
    assert json.loads(open(path).read()) == {"release/NOTE.md.j2": "v1.0.1\n"}
    # a hit is served from the cache (planted text proves it)
    with open(path, "w") as fh:
        json.dump({"release/NOTE.md.j2": "from the cache\n"}, fh)
    assert t.render_all(names, {"version": "1.0.1"})["release/NOTE.md.j2"] == "from the cache\n"
    # another context or an edited template renders again
    assert t.render_all(names, {"version": "1.0.2"})["release/NOTE.md.j2"] == "v1.0.2\n"
    tpl.write_text("version {{ version }}\n")
    assert t.render_all(names, {"version": "1.0.1"})["release/NOTE.md.j2"] == "version 1.0.1\n"
