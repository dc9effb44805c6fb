"""The HTML report: self-contained, escaped, and really displayed by a browser."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from analysis.file_analysis import analyse_run
from inference.posterior import storage
from reports import render_run, write_html
from study.reporting import write_comparison
from tests.cli import study

SECTIONS = (
    "prior-posterior",
    "weights",
    "predictions",
    "classification",
    "importance",
    "response",
    "next",
    "diagnostics",
    "provenance",
)


@pytest.fixture(scope="module")
def reports(advi_file, nuts_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = {}
    for path in (advi_file, nuts_file):
        tree = storage.load(path)
        html = render_run(analyse_run(tree, n_repeats=2), title=path.name)
        paths[tree.attrs["method"]] = write_html(html, out / f"{path.stem}.html")
    paths["comparison"] = out / "comparison.html"
    analyses = tuple(analyse_run(storage.load(p), n_repeats=2) for p in (advi_file, nuts_file))
    write_comparison(analyses, html_path=paths["comparison"])
    return paths


@pytest.mark.parametrize("method", ["advi", "nuts"])
def test_report_is_self_contained_and_complete(reports, method):
    html = reports[method].read_text()
    for section in SECTIONS:
        assert f'id="{section}"' in html
    sources = re.findall(r'src="([^"]*)"', html)
    figures = {"advi": 9, "nuts": 10}[method]  # NUTS: and how far its pooled prediction holds
    assert len(sources) == figures
    assert all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert not re.search(r"""(href|src)=["']?(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert "tuned on the test set (optimistic)" in html
    assert ("Pareto k-hat" in html) == (method == "advi")
    assert ("p (function space)" in html) == (method == "nuts")
    assert ("How far the pooled prediction can be trusted" in html) == (method == "nuts")
    assert "Class balance</dt><dd>weight" in html


def test_text_from_the_file_is_escaped(advi_file, tmp_path):
    tree = storage.load(advi_file)
    tree.attrs["study_version"] = "<script>alert('version')</script>"  # method: a table key
    tree["posterior"] = (
        tree["posterior"]
        .to_dataset()
        .assign_coords(feature=["<b>h</b>", *tree["posterior"]["feature"].values[1:]])
    )
    html = render_run(analyse_run(tree, n_repeats=1), title="<i>title</i>")
    assert "<script>" not in html and "<b>h</b>" not in html and "<i>title</i>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;h&lt;/b&gt;" in html


def _browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver")
        pytest.skip("needs chromium and chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=options)


@pytest.mark.parametrize(("page", "figures"), [("advi", 9), ("nuts", 10), ("comparison", 16)])
def test_browser_decodes_every_figure_without_console_errors(reports, page, figures):
    browser = _browser()
    try:
        browser.get(reports[page].as_uri())
        widths = browser.execute_script(
            "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0);"
        )
        assert len(widths) == figures and all(w > 0 for w in widths), widths
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == []
        expected = "ADVI versus NUTS" if page == "comparison" else f"{page}.nc"
        assert browser.title == expected
    finally:
        browser.quit()


def test_report_command(advi_file, tmp_path):
    out = tmp_path / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "study", "report", str(advi_file), "-o", str(out), "--repeats", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("content", [None, b"not a netcdf file"])
def test_report_command_refuses_bad_files(content, tmp_path):
    path = tmp_path / "bad.nc"
    if content is not None:
        path.write_bytes(content)
    done = study("report", path, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "bad.nc" in done.stderr
    assert not (tmp_path / "bad.html").exists()


_OVERFLOW = """
const page = document.documentElement;
const images = Array.from(document.images).map(i => [i.clientWidth, i.naturalWidth]);
return {overflow: page.scrollWidth - window.innerWidth, images: images};
"""


@pytest.mark.parametrize("width", [1400, 390])
def test_no_page_is_wider_than_the_window(reports, width):
    """At a desktop's 1400 px and a phone's 390 px, nothing widens a page: wide tables
    scroll in their own box, figures shrink; on the desktop no figure is shrunk below 0.65
    of its size (its 10 pt text stays at 8.7 px or more)."""
    browser = _browser()
    try:
        browser.set_window_size(width, 900)
        for page in ("advi", "nuts", "comparison"):
            browser.get(reports[page].as_uri())
            seen = browser.execute_script(_OVERFLOW)
            assert seen["overflow"] <= 0, (page, width, seen["overflow"])
            if width >= 1400:
                scales = [shown / natural for shown, natural in seen["images"]]
                assert min(scales) >= 0.65, (page, min(scales))
    finally:
        browser.quit()


def test_every_text_of_every_figure_lies_inside_it(advi_file, nuts_file, monkeypatch):
    """Draw every figure of both reports and the comparison; no label is clipped."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from analysis.comparison.two_files import compare_runs
    from reports import render_comparison

    drawn = []
    save = Figure.savefig

    def keep(fig, *args, **kwargs):
        drawn.append(fig)
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", keep)
    runs = tuple(analyse_run(storage.load(p), n_repeats=2) for p in (advi_file, nuts_file))
    for run in runs:
        render_run(run, title="t")
    render_comparison(compare_runs(*runs), runs, title="t")
    assert len(drawn) >= 30
    for fig in drawn:
        FigureCanvasAgg(fig).draw()  # lays the figure out as it was saved
        drawn_box = fig.get_tightbbox(fig.canvas.get_renderer())  # every drawn artist, inches
        width, height = fig.get_size_inches()
        where = [ax.get_title() or ax.get_xlabel() for ax in fig.axes][:3]
        assert drawn_box.x0 >= -0.01 and drawn_box.x1 <= width + 0.01, (where, drawn_box)
        assert drawn_box.y0 >= -0.01 and drawn_box.y1 <= height + 0.01, (where, drawn_box)
