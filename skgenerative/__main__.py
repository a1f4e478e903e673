"""Command line (also the ``skgenerative`` script)::

    skgenerative fit MODEL DATA [--param name=value ...] -o model.joblib
    skgenerative score model.joblib DATA [-o scores.npy]
    skgenerative sample model.joblib -n N -o out.npy
    skgenerative demo

DATA is a .npy, .npz or .csv file of samples x features.
"""

import argparse
import sys

from ._cli import CLIError, check_features, fit_model, load_data, load_model, make_model


def _parser():
    parser = argparse.ArgumentParser(
        prog="skgenerative", description="Deep generative models as scikit-learn estimators."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    fit = sub.add_parser("fit", help="fit a model to a data file and save it (joblib)",
                         description="Fit MODEL (a class name, e.g. BernoulliRBM) to DATA "
                                     "(.npy, .npz or .csv; rows are samples) and save it.",
                         epilog="models: " + ", ".join(sorted(_generative_models())))
    fit.add_argument("model", metavar="MODEL", help="estimator class name, e.g. BernoulliRBM")
    fit.add_argument("data", metavar="DATA", help="training data: .npy, .npz or .csv")
    fit.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="a parameter of the model (Python literal or string); repeatable")
    fit.add_argument("-o", "--output", required=True, help="where to save the fitted model")

    score = sub.add_parser("score", help="mean log-likelihood of a data file under a model",
                           description="Print the mean log-likelihood of DATA under a "
                                       "fitted model and what kind of value it is.")
    score.add_argument("model_file", metavar="MODEL_FILE", help="a model saved by 'fit'")
    score.add_argument("data", metavar="DATA", help=".npy, .npz or .csv")
    score.add_argument("-o", "--output", help="also save the per-sample scores (.npy)")

    sample = sub.add_parser("sample", help="draw samples from a fitted model",
                            description="Draw N samples from a fitted model into a .npy file.")
    sample.add_argument("model_file", metavar="MODEL_FILE", help="a model saved by 'fit'")
    sample.add_argument("-n", "--n-samples", type=int, required=True, help="how many samples")
    sample.add_argument("-o", "--output", required=True, help="where to save them (.npy)")
    sample.add_argument("--random-state", type=int, default=None)

    demo = sub.add_parser("demo", help="fit RBMs on the bundled digits and report")
    demo.add_argument("--output-dir", default=".", help="where to write the picture")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("--n-iter", type=int, default=None,
                      help="training epochs of every model (default: 30 for the RBMs, "
                           "the ClassRBM's default 40)")
    return parser


def _generative_models():
    """The models ``fit`` can train: every public model but the classifiers."""
    from sklearn.base import ClassifierMixin

    from . import all_estimators

    return {name: cls for name, cls in all_estimators() if not issubclass(cls, ClassifierMixin)}


def _fit(args):
    import joblib

    model = make_model(args.model, args.param, _generative_models())
    fit_model(model, load_data(args.data))
    joblib.dump(model, args.output)
    print(f"fitted {model!r}; saved to {args.output}")


def _score(args):
    import numpy as np

    model = load_model(args.model_file)
    if not hasattr(model, "score_samples"):
        raise CLIError(f"{type(model).__name__} has no score_samples")
    X = load_data(args.data)
    check_features(model, X, args.data)
    scores = model.score_samples(X)
    kind = getattr(model, "score_kind_", "log-likelihood")
    print(f"mean log-likelihood: {np.mean(scores):.4f} ({kind}) over {len(scores)} samples")
    if args.output:
        np.save(args.output, scores)
        print(f"per-sample scores saved to {args.output}")


def _sample(args):
    import numpy as np

    model = load_model(args.model_file)
    if not hasattr(model, "sample"):
        raise CLIError(f"{type(model).__name__} cannot sample")
    if args.n_samples < 1:
        raise CLIError(f"-n must be at least 1; got {args.n_samples}")
    samples = model.sample(args.n_samples, random_state=args.random_state)
    np.save(args.output, samples)
    print(f"{samples.shape[0]} samples of {samples.shape[1]} features saved to {args.output}")


def main(argv=None):
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); returns the
    exit status (2 with a message on stderr for a user error)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "fit":
            _fit(args)
        elif args.command == "score":
            _score(args)
        elif args.command == "sample":
            _sample(args)
        else:
            from ._demo import run_demo

            run_demo(output_dir=args.output_dir, random_state=args.random_state,
                     n_iter=args.n_iter)
    except CLIError as exc:
        print(f"skgenerative {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
