"""Untrusted posterior files: nothing in them is executed, opened, or rendered as markup."""

import ast
import base64
import builtins
import json
import marshal
import pickle
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analysis.file_analysis import analyse_run
from inference.posterior import storage
from study.reporting import write_comparison, write_report
from tests.reports.test_report import _browser

PAYLOADS = {
    "script": "<script>window.__xss = 1; alert(1)</script>",
    "attribute": '"><img src=x onerror="window.__xss = 2">',
    "svg": "<svg onload=window.__xss=3>",
    "name": '"><img src=x onerror=window.__xss=4>',  # no slash: a valid netCDF name too
}
PACKAGES = ("study", "inference", "analysis", "reports", "common")


@pytest.fixture(scope="module")
def hostile_file(advi_file, tmp_path_factory) -> Path:
    """A valid posterior file whose attrs, labels and names carry markup and script."""
    tree = storage.load(advi_file).copy(deep=True)
    tree.attrs |= {
        "created": PAYLOADS["attribute"],
        "study_version": PAYLOADS["svg"],
        PAYLOADS["name"]: PAYLOADS["script"],
        "data_sha256": json.dumps({PAYLOADS["script"]: PAYLOADS["attribute"]}),
    }
    config = json.loads(tree.attrs["config"])
    config |= {
        "method": PAYLOADS["script"],  # the root attr names a method of the table: refused else
        "data_source": PAYLOADS["attribute"],
        PAYLOADS["name"]: PAYLOADS["svg"],
    }
    tree.attrs["config"] = json.dumps(config)
    features = [*PAYLOADS.values(), *tree["posterior"]["feature"].values[len(PAYLOADS) :]]
    for group in ("posterior", "prior", "constant_data", "predictions_constant_data"):
        tree[group] = tree[group].to_dataset().assign_coords(feature=features)
    stats = tree["sample_stats"].to_dataset()
    tree["sample_stats"] = stats.assign({PAYLOADS["name"]: stats["lp"]})
    path = tmp_path_factory.mktemp("hostile") / "hostile.nc"
    return storage.save(tree, path)  # valid: the payloads are only text


@pytest.fixture(scope="module")
def hostile_pages(hostile_file, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("hostile-pages")
    tree = storage.load(hostile_file)
    title = f"{tree.attrs['method'].upper()}: {hostile_file.name}"  # as `study report` does
    write_report(tree, out / "run.html", title=title, n_repeats=1)
    analysis = analyse_run(tree, n_repeats=1)
    write_comparison((analysis, analysis), html_path=out / "comparison.html")
    return {"run": out / "run.html", "comparison": out / "comparison.html"}


def test_payloads_survive_as_data(hostile_file):
    tree = storage.load(hostile_file)
    assert json.loads(tree.attrs["config"])["method"] == PAYLOADS["script"]
    assert list(tree["constant_data"]["feature"].values[:4]) == list(PAYLOADS.values())
    assert PAYLOADS["name"] in tree["sample_stats"].data_vars


class _Tags(HTMLParser):
    """Collect every start tag and its attributes, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize("page", ["run", "comparison"])
def test_markup_from_the_file_is_escaped(hostile_pages, page):
    html = hostile_pages[page].read_text()
    parser = _Tags()
    parser.feed(html)
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "svg", "iframe", "object", "embed", "base"}
    assert not [a for _, attrs in parser.tags for a in attrs if a.startswith("on")]
    images = [attrs.get("src", "") for tag, attrs in parser.tags if tag == "img"]
    assert images and all(src.startswith("data:image/svg+xml;base64,") for src in images)
    assert "&lt;script&gt;window.__xss = 1; alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=" in html


def _svg_documents(html: str) -> list[bytes]:
    uris = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    return [base64.b64decode(uri) for uri in uris]


@pytest.mark.parametrize("page", ["run", "comparison"])
def test_figures_are_well_formed_svg_without_script(hostile_pages, page):
    documents = _svg_documents(hostile_pages[page].read_text())
    assert documents
    for document in documents:
        root = ET.fromstring(document)  # well-formed: no label broke out of its element
        for element in root.iter():
            assert not element.tag.lower().endswith(("script", "foreignobject")), element.tag
            assert not [a for a in element.attrib if a.lower().startswith("on")]
            assert "javascript:" not in " ".join(element.attrib.values()).lower()


_INSPECT = """
return {
  xss: typeof window.__xss,
  scripts: document.scripts.length,
  handlers: [...document.querySelectorAll('*')]
      .flatMap(e => [...e.attributes].map(a => a.name))
      .filter(n => n.startsWith('on')),
  broken_images: [...document.images].filter(i => !i.src.startsWith('data:')).length,
  text: document.body.innerText,
};
"""


@pytest.mark.parametrize("page", ["run", "comparison"])
def test_browser_runs_no_script_and_shows_the_text_literally(hostile_pages, page):
    from selenium.common.exceptions import NoAlertPresentException

    browser = _browser()
    try:
        browser.get(hostile_pages[page].as_uri())
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert  # noqa: B018
        found = browser.execute_script(_INSPECT)
        assert found["xss"] == "undefined"
        assert found["scripts"] == 0 and found["handlers"] == [] and found["broken_images"] == 0
        for payload in PAYLOADS.values():
            assert payload in found["text"], payload
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
    finally:
        browser.quit()


def test_loading_never_unpickles_or_evaluates(hostile_file, tmp_path, monkeypatch):
    sentinel = tmp_path / "pwned"
    tree = storage.load(hostile_file)
    tree.attrs["pickled"] = f"cos\nsystem\n(S'touch {sentinel}'\ntR."
    config = json.loads(tree.attrs["config"])
    config["data_source"] = f"__import__('os').system('touch {sentinel}')"
    tree.attrs["config"] = json.dumps(config)
    path = storage.save(tree, tmp_path / "payload.nc")
    storage.load(path)  # once before spying, so lazy imports are done
    calls = []
    for module, name in [
        (pickle, "loads"),
        (pickle, "load"),
        (pickle, "Unpickler"),
        (marshal, "loads"),
        (builtins, "eval"),
        (builtins, "exec"),
    ]:
        real = getattr(module, name)
        spy = lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k)  # noqa: E731
        monkeypatch.setattr(module, name, spy)
    loaded = storage.load(path)
    monkeypatch.undo()
    assert calls == []
    assert not sentinel.exists()
    assert loaded.attrs["pickled"].startswith("cos\nsystem")  # kept as the text it is


def _source_files():
    root = Path(__file__).resolve().parents[2]
    return sorted(p for package in PACKAGES for p in (root / package).rglob("*.py"))


def test_project_code_has_no_way_to_run_file_content():
    """No pickle-like loader, no eval/exec, no numpy pickle loading anywhere in the project."""
    loaders = {"pickle", "cPickle", "marshal", "shelve", "dill", "cloudpickle", "joblib", "yaml"}
    found = []
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                found += [(path.name, n) for n in names if n.split(".")[0] in loaders]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in {"eval", "exec", "compile", "__import__"}:
                    found.append((path.name, node.func.id))
            elif isinstance(node, ast.keyword) and node.arg == "allow_pickle":
                found.append((path.name, "allow_pickle"))
    assert found == []


_AUDITED = """
import json, sys
marker = sys.argv[1]
seen = []

def audit(event, args):
    watched = event in ("open", "exec", "compile") or event.startswith(
        ("os.", "shutil.", "subprocess.", "pathlib.", "glob.")
    )
    if watched and marker in repr(args):
        seen.append((event, repr(args)[:200]))

sys.addaudithook(audit)
from study.cli.parser import main

codes = [
    main(["report", sys.argv[2], "-o", sys.argv[3], "--repeats", "1"]),
    main(["compare", sys.argv[2], sys.argv[2], "-o", sys.argv[4], "--repeats", "1"]),
]
print(json.dumps({"codes": codes, "seen": seen}))
"""


def test_paths_inside_a_file_are_never_opened(advi_file, tmp_path):
    marker = "never-open-9f3c"
    elsewhere = tmp_path / marker
    tree = storage.load(advi_file)
    config = json.loads(tree.attrs["config"]) | {"data_source": str(elsewhere / "data")}
    tree.attrs |= {
        "config": json.dumps(config),
        "data_sha256": json.dumps({f"../../{marker}/rupturemodel_train.txt": "0" * 64}),
        "output": str(elsewhere / "report.html"),
    }
    path = storage.save(tree, tmp_path / "run.nc")
    outputs = [str(tmp_path / "run.html"), str(tmp_path / "comparison.html")]
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_AUDITED), marker, str(path), *outputs],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"codes": [0, 0], "seen": []}
    assert not elsewhere.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparison.html", "run.html", "run.nc"]
