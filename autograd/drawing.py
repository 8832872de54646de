"""Drawing a computation graph: DOT text from dot.py, rendered by Graphviz's `dot` program.

`draw(loss)` returns a Drawing: save it as svg, png, pdf or dot, or leave it as the last
expression of a Jupyter cell to see it. Rendering happens only when asked for, so the DOT text
is there even on a machine without Graphviz; the `graphviz` package is imported only then too.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

from .dot import PNG_DPI, to_dot
from .files import write_atomically
from .value import Value

FORMATS = ("svg", "png", "pdf", "dot")

INSTALL_DOT = """\
the Graphviz program `dot` is not installed (or not on PATH), so the graph cannot be \
rendered as {format}. Install it:
  Debian, Ubuntu:  sudo apt-get install graphviz
  macOS:           brew install graphviz
  conda:           conda install -c conda-forge graphviz
  Windows:         winget install graphviz   (then open a new terminal)"""

DOT_STILL_THERE = """
The DOT text is still here: drawing.source, or drawing.save("graph.dot"); render it later \
with `dot -Tsvg graph.dot -o graph.svg`."""


class DotNotFoundError(RuntimeError):
    """Graphviz's `dot` program is missing; `.source` still holds the DOT text."""

    def __init__(self, format: str, source: str) -> None:
        super().__init__(INSTALL_DOT.format(format=format) + DOT_STILL_THERE)
        self.format = format
        self.source = source


class Drawing:
    """A computation graph as DOT text, rendered by Graphviz on demand.

    source is the DOT text; render(), svg() and save() run `dot`. In Jupyter a Drawing
    shows as a picture, also in untrusted notebooks (which strip inline SVG but keep <img>).
    """

    def __init__(self, source: str) -> None:
        if not isinstance(source, str):
            raise TypeError(f"Drawing takes DOT text (a str), got {type(source).__name__}")
        self.source = source
        self._svg: str | None = None

    def render(self, format: str = "svg") -> bytes:
        """The drawing as svg, png or pdf bytes (the DOT text for "dot"); runs Graphviz."""
        format = _check_format(format)
        if format == "dot":
            return self.source.encode("utf-8")
        if format == "svg" and self._svg is not None:
            return self._svg.encode("utf-8")
        try:
            import graphviz  # here, not at the top: `import autograd` must stay fast
        except ImportError:
            raise ImportError("rendering a drawing needs the Python package graphviz: "
                              "pip install graphviz") from None
        source = self.source
        if format == "png":  # sharper pixels; set here so svg and pdf keep their true size
            source = source.replace("\tgraph [", f"\tgraph [dpi={PNG_DPI} ", 1)
        try:
            data = graphviz.Source(source).pipe(format=format, quiet=True)
        except graphviz.ExecutableNotFound:
            raise DotNotFoundError(format, self.source) from None
        if format == "svg":
            self._svg = data.decode("utf-8")
        return data

    def svg(self) -> str:
        """The drawing as SVG text (rendered once, then kept)."""
        return self.render("svg").decode("utf-8")

    def save(self, path: str | os.PathLike, format: str | None = None) -> Path:
        """Write the drawing to `path`, as its suffix says (.svg .png .pdf .dot) or `format`.

        The file appears whole or not at all: it is written beside, then renamed.
        """
        path = Path(os.fsdecode(path))  # a str, pathlib.Path or bytes path, as open() takes
        if format is None:
            suffix = path.suffix.lower().lstrip(".")
            format = "dot" if suffix == "gv" else suffix
            if format not in FORMATS:
                raise ValueError(
                    f"cannot tell the format of {str(path)!r} from its suffix "
                    f"{path.suffix or '(none)'!r}: use .svg, .png, .pdf or .dot, or pass format="
                )
        data = self.render(format)
        write_atomically(path, data)
        return path

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """What Jupyter shows: the SVG, and an <img> for notebooks that strip inline SVG."""
        try:
            svg = self.svg()
        except DotNotFoundError as error:
            return {"text/plain": f"Cannot show the drawing: {error}"}
        img = svg_img(svg, alt="computation graph")
        return {"image/svg+xml": svg, "text/html": img, "text/plain": repr(self)}

    def __repr__(self) -> str:
        return "<Drawing of a computation graph: .save('graph.svg'), .svg(), .source>"


def draw(root: Value, **options: object) -> Drawing:
    """A Drawing of the graph behind `root`; options are to_dot's (direction, collapse, ...)."""
    return Drawing(to_dot(root, **options))


def svg_img(svg: str, alt: str) -> str:
    """SVG text as an <img> with a data: URI, which notebooks show even when untrusted."""
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{html.escape(alt)}">'


def _check_format(format: object) -> str:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format
