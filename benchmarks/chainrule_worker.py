"""chainrule's eager engine on the benchmark's side: a process of its own, as micrograd has.

The garbage collector's work grows with every object alive in a process, so each scalar
engine runs in a process that imports only what a learner's script would (autograd and nn),
not PyTorch and the other references. run.py talks to it over stdin/stdout, one JSON object
a line (see worker.py, which it shares with micrograd_worker.py).
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import moons  # noqa: E402
from worker import engine_cases, serve  # noqa: E402

from autograd import Value  # noqa: E402


def main() -> None:
    setup = json.loads(sys.stdin.readline())
    engine = moons.ChainruleEager(setup["points"], setup["labels"], setup["weights"],
                                  fused=setup.get("fused", False))
    serve(engine_cases(engine.step, Value))


if __name__ == "__main__":
    main()
