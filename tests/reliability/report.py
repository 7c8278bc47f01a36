"""`python -m tests.reliability.report` (`make reliability`): runs the reliability
checks with full budgets and prints one table. Exits 1 if a check fails."""

import sys

from tests.reliability import suite
from tests.reliability.common import table


def main():
    results = suite.run_all(progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(table(results))
    bad = [r for r in results if not r.ok]
    for r in bad:
        print("\n" + r.failure_text(), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
