"""Command line: ``python -m skgenerative demo`` (also the ``skgenerative`` script)."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="skgenerative", description="Deep generative models as scikit-learn estimators."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit RBMs on the bundled digits and report")
    demo.add_argument("--output-dir", default=".", help="where to write the picture")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--n-iter", type=int, default=30, help="training epochs per model")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run_demo

        run_demo(output_dir=args.output_dir, random_state=args.random_state, n_iter=args.n_iter)
    return 0


if __name__ == "__main__":
    sys.exit(main())
