"""The lessons, run as a learner runs them: top to bottom in a real Jupyter kernel.

Each lesson in lessons/ must run without an error and end with at least three exercises, each
showing "not answered yet" while its answer is `...`. After the lesson has run, a last cell
asks every exercise in the kernel three things: does it accept the engine's own answer,
reject one far from it, and accept the answer a learner works out by hand (typed below, with
its derivation)? So a lesson whose expected answer is wrong, or whose checker accepts
anything, fails here.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import execute_notebook, require_module, require_program

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"

# What a learner types for each exercise, worked out by hand from the numbers the lesson
# shows, rounded to the digits the exercise asks for.
SOLUTIONS = {
    "01-the-derivative-as-a-nudge": {
        "exercise_1": 0.095,  # f'(1.5) * h = 4.75 * 0.02
        "exercise_2": 4.76,  # f(1.6) = 1.896, f(1.4) = 0.944: (1.896 - 0.944) / 0.2
        "exercise_3": -6,  # d(t**2)/dt = 2t = -6
        "exercise_4": 2.54,  # dg/db = a + cos(b) = 2 + cos(-1) = 2 + 0.5403
    },
    "02-the-chain-rule": {
        "exercise_1": 0.181,  # 1 - tanh(1.5)**2 = 1 - 0.9051**2 = 0.1807
        "exercise_2": 0.327,  # dv/du * dL/dv = 0.1807 * 1.810 = 0.3271
        "exercise_3": 0.26,  # v = tanh(2.5) = 0.9866: 5 * (1 - 0.9734) * 2 * 0.9866 = 0.2624
        "exercise_4": 0,  # v = tanh(0) = 0, so dL/dv = 2v = 0 and the product is 0
    },
    "03-branches-and-accumulation": {
        "exercise_1": 3,  # a -> c -> d -> e, a -> c -> e, a -> d -> e
        "exercise_2": 36,  # b * 1 * c + b * d + 1 * c = 2 * 6 + 2 * 9 + 6
        "exercise_3": 14.8,  # the last edge, from exp(x): exp(2) * 2 = 14.78
        "exercise_4": 5.92,  # three times 1.9726
    },
    "04-a-neuron": {
        "exercise_1": 0.25,  # sigmoid(0) * (1 - sigmoid(0)) = 1/2 * 1/2
        "exercise_2": 0.285,  # w2 * (1 - o**2) = 0.4 * (1 - 0.5370**2) = 0.2846
        "exercise_3": 0,  # z = 1.2 - 0.4 - 2 = -1.2 < 0: relu's slope is 0
        "exercise_4": 0.0099,  # 1 - tanh(3)**2 = 1 - 0.99505**2 = 0.00987
    },
    "05-one-training-step": {
        "exercise_1": -1.06,  # 2 * (prediction - target) = 2 * (-0.0304 - 0.5)
        "exercise_2": 0.464,  # w0 * dloss/dprediction = -0.4374 * -1.0608
        "exercise_3": -0.554,  # h0 * 2 * (prediction - 1) = 0.2689 * -2.0608
        "exercise_4": 0.318,  # 0 - 0.3 * -1.0608
    },
    "06-training": {
        "exercise_1": 0.2,  # 1 - 0.4 * 2 * 1
        "exercise_2": 1.21,  # each step multiplies w by 1 - 2.1 = -1.1: (-1.1)**2
        "exercise_3": 0.00024,  # sigmoid's slope is at most 1/4: 0.25**6 = 0.000244
        "exercise_4": 0.46,  # b = 2, w = 1 - 0.2 = 0.8; b = 0.9 * 2 + 1.6 = 3.4, w = 0.8 - 0.34
    },
}

# The last cell, run in the lesson's kernel: each exercise in the notebook's namespace, asked
# about its own answer, a far one (off by at least 1 and by at least 100%), the learner's
# answer from SOLUTIONS and the blank `...`.
PROBE = """\
import json
from autograd.exercises import Exercise

typed = json.loads({typed!r})
report = {{}}
for name, value in list(globals().items()):
    if isinstance(value, Exercise) and not name.startswith("_"):  # not IPython's _13, __
        own = value.expected
        report[name] = {{
            "own": value.check(own).status,
            "far": value.check(own + max(1.0, abs(own))).status,
            "typed": value.check(typed[name]).status if name in typed else None,
            "blank": value.check(...).status,
        }}
print(json.dumps(report))
"""


def lesson_path(name: str) -> Path:
    return LESSONS_DIR / f"{name}.ipynb"


def read(name: str):
    nbformat = require_module("nbformat")
    return nbformat.read(lesson_path(name), as_version=4)


@pytest.fixture(scope="module")
def run_lesson(tmp_path_factory):
    """A function: the lesson executed (each lesson once per test run) and the probe's report."""
    require_program("dot")  # the lessons draw graphs
    require_module("matplotlib", "pip install 'chainrule[plot]'")
    nbformat = require_module("nbformat")
    done = {}

    def run(name: str):
        if name not in done:
            notebook = read(name)
            typed = json.dumps(SOLUTIONS[name])
            notebook.cells.append(nbformat.v4.new_code_cell(PROBE.format(typed=typed)))
            folder = tmp_path_factory.mktemp("jupyter")
            try:
                execute_notebook(notebook, folder, cwd=LESSONS_DIR)
            except Exception as error:  # a failing lesson fails each of its tests, run once
                done[name] = error
            else:
                probe = notebook.cells.pop()
                report = json.loads("".join(o["text"] for o in probe.outputs if "text" in o))
                done[name] = (notebook, report)
        if isinstance(done[name], Exception):
            raise done[name]
        return done[name]

    return run


def test_there_are_six_lessons_and_a_solution_for_each():
    assert sorted(p.stem for p in LESSONS_DIR.glob("*.ipynb")) == sorted(SOLUTIONS)


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_a_lesson_is_stored_valid_and_without_outputs(name):
    nbformat = require_module("nbformat")
    notebook = read(name)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_a_lesson_opens_with_its_title(name):
    # "01-the-..." opens with "# Lesson 1: ..." (an indented first line would be a code block)
    first = read(name).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith(f"# Lesson {int(name[:2])}: ")


def test_the_lessons_code_passes_ruff():
    # learners read and copy this code: it is held to the rules of the package's own code
    require_module("ruff", "pip install ruff (a test extra)")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", str(LESSONS_DIR)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_no_expected_answer_is_typed_into_a_lesson(name):
    # Exercise(..., answer=<a number written out>) would let a lesson's text and its checker
    # drift apart: the answer must be an expression the engine computes as the lesson runs.
    for cell in read(name).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Exercise":
                given = [k.value for k in node.keywords if k.arg == "answer"] + node.args[1:2]
                (answer,) = given
                if isinstance(answer, ast.UnaryOp):
                    answer = answer.operand
                assert not isinstance(answer, ast.Constant), ast.unparse(node)


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_a_lesson_runs_top_to_bottom_and_ends_with_three_exercises(run_lesson, name):
    notebook, report = run_lesson(name)  # raises CellExecutionError if any cell fails
    assert len(report) >= 3
    headings = [i for i, c in enumerate(notebook.cells)
                if c.cell_type == "markdown" and "## Exercises" in c.source.splitlines()]
    checks = [i for i, c in enumerate(notebook.cells)
              if c.cell_type == "code" and ".check(answer)" in c.source]
    assert len(headings) == 1 and len(checks) == len(report)
    assert all(i > headings[0] for i in checks)  # the exercises come at the end


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_an_unanswered_exercise_says_so_when_the_lesson_runs(run_lesson, name):
    notebook, _ = run_lesson(name)
    for cell in notebook.cells:
        if cell.cell_type == "code" and ".check(answer)" in cell.source:
            assert "answer = ...  # your answer here" in cell.source
            (output,) = cell.outputs
            assert output["data"]["text/plain"].startswith("Not answered yet")
            assert "cr-unanswered" in output["data"]["text/html"]


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_every_exercise_of_a_lesson_has_a_worked_solution(run_lesson, name):
    _, report = run_lesson(name)
    assert sorted(report) == sorted(SOLUTIONS[name])


CASES = [(name, exercise) for name, exercises in SOLUTIONS.items() for exercise in exercises]


@pytest.mark.parametrize(("name", "exercise"), CASES)
def test_an_exercise_accepts_the_engines_answer_and_the_learners(run_lesson, name, exercise):
    _, report = run_lesson(name)
    verdicts = report[exercise]
    assert verdicts["own"] == "right"
    assert verdicts["typed"] == "right", f"{SOLUTIONS[name][exercise]} was judged wrong"
    assert verdicts["blank"] == "unanswered"


@pytest.mark.parametrize(("name", "exercise"), CASES)
def test_an_exercise_rejects_a_wrong_answer(run_lesson, name, exercise):
    _, report = run_lesson(name)
    assert report[exercise]["far"] == "wrong"
