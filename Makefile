# chainrule: `make demo` and `make test` are all a newcomer needs; each sets up what it uses.
#
#   make demo    train an MLP on two moons (creates .venv and installs chainrule with the
#                `plot` extra first)
#   make demos   run every demo in full; each writes to out/<name>/ (installs only what the
#                demos use: the `plot` and `digits` extras, and graphviz through apt-get when
#                `dot` is missing; no test tools, no Chromium)
#   make test    the whole test suite (installs the `test` extra, and graphviz and chromium
#                through apt-get when missing; with CI=true, the CPU build of PyTorch for the
#                parity tests)
#   make docs    build the documentation site into site/ (MkDocs, strict: a broken link fails;
#                installs the `docs` extra, and graphviz for the stepping page's walkthroughs)
#   make bench   time the engines against micrograd, batched numpy and PyTorch (benchmarks/)
#   make torch   install the CPU build of PyTorch into .venv, to run the parity tests locally
#   make lint    ruff
#   make clean   remove .venv and caches
#
# .venv is made once, from $(PYTHON) (python3 unless given), by whichever target first needs
# it, and keeps that interpreter until `make clean`: `make clean`, then `make bench
# PYTHON=/usr/bin/python3.11` (say), and every target runs on that interpreter.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
TORCH  := 2.13.0
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo demos test docs torch lint bench system-deps graphviz chromium clean

DEMOS := moons xor sine learning_rates optimizers gradients regularization penalties \
         local_minima why_backprop gradient_free \
         batchnorm newton forward_vs_reverse second_derivative digits \
         draw_graphs walkthrough

demo: $(VENV)/.installed-demo
	$(PY) demos/moons.py

# draw_graphs, walkthrough and second_derivative draw with Graphviz's `dot`.
demos: $(VENV)/.installed-demos graphviz
	@for name in $(DEMOS); do echo "== demos/$$name.py"; $(PY) demos/$$name.py || exit 1; echo; done
	@echo "pictures and pages are in out/<demo name>/"

test: $(VENV)/.installed-test system-deps $(if $(filter true,$(CI)),torch)
	$(PY) -m pytest

# The lessons run in a kernel and the stepping page's walkthroughs are drawn as the site builds.
docs: $(VENV)/.installed-docs graphviz
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site
	@echo "the site is in site/: open site/index.html"

# micrograd is installed from PyPI into benchmarks/.venv-micrograd by the runner; PyTorch when
# it can be installed. Ratios are measured in one run. BENCH_ARGS=--quick: 3 rounds, not 7.
bench: $(VENV)/.installed-test system-deps
	@$(MAKE) --no-print-directory torch || echo "PyTorch could not be installed: its rows are left out"
	$(PY) benchmarks/run.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(PY) -m ruff check autograd nn tests demos benchmarks

# The virtual environment, created once; needs Debian's python3-venv, installed if missing.
$(PY):
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c "import ensurepip" 2>/dev/null || \
	  { echo "installing python3-venv with apt-get"; \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)

# chainrule itself (editable) with the extras a target uses; one stamp file per set of extras,
# each redone when pyproject.toml (which lists each extra's packages) or this Makefile (which
# names each target's extras) changes. The sets add up in the one .venv.
EXTRAS_test  := test
EXTRAS_demos := plot,digits
EXTRAS_demo  := plot
EXTRAS_docs  := docs
$(VENV)/.installed-%: pyproject.toml Makefile | $(PY)
	$(PIP) install -q -e '.[$(EXTRAS_$*)]'
	@touch $@

# System programs, each installed with apt-get when missing: Graphviz's `dot` draws graphs
# (demos and tests); Debian's Chromium shows the web page to the tests (Playwright drives it;
# its own browser download is never used).
apt_install = echo "installing $(1) with apt-get"; \
	$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(1)

system-deps: graphviz chromium

graphviz:
	@command -v dot >/dev/null 2>&1 || { $(call apt_install,graphviz); }

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(call apt_install,chromium chromium-driver); }

# PyTorch's CPU build (about 200 MB, never the multi-gigabyte CUDA one): first as a local
# wheel or mirror provides it, else from PyTorch's CPU index.
torch: $(VENV)/.installed-test
	@$(PY) -c "import torch" 2>/dev/null || \
	  $(PIP) install -q "torch==$(TORCH)+cpu" 2>/dev/null || \
	  $(PIP) install -q "torch==$(TORCH)" --index-url https://download.pytorch.org/whl/cpu

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis .ruff_cache *.egg-info
