"""The ``superdyn`` commands that train, plot and report: ``train``, ``reproduce``, ``plot``, ``report``,
``runs``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from superdyn.theory.errors import InvalidInput
from superdyn.verify.errors import RunsBusy

from superdyn.jsonio import dumps_strict

from ..analyse.claims import tally_verdicts
from ..run.config import MODEL_NAMES, READOUTS, SCALES

__all__ = ["add_run_commands", "add_threads_option"]

#: How often ``superdyn train --wait`` looks again at runs another process is training, in seconds.
WAIT_POLL_SECONDS = 2.0


def add_threads_option(parser) -> None:
    """``--threads N``: the cores superdyn uses (superdyn.verify.run.threads)."""
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="cores to use (default: SUPERDYN_THREADS, else the cores this process may use); on a CPU, "
        "batches train in one worker process per core, one thread each",
    )


def _train_configs(args) -> list:
    from ..run.config import RunConfig

    width = args.width
    if width is None:
        width = args.features if args.model == "linear" else args.features // 2
    return [
        RunConfig(
            model=args.model,
            n_features=args.features,
            width=width,
            a=args.a,
            b=args.b,
            lr=args.lr,
            batch_size=args.batch_size,
            steps=args.steps,
            seed=seed,
            optimizer=args.optimizer,
            weight_decay=args.weight_decay,
            warmup_steps=args.warmup_steps,
            dtype=args.dtype,
            eval_samples=args.eval_samples,
            **({} if args.init_scale is None else {"init_scale": args.init_scale}),
            **({} if args.readout is None else {"readout": args.readout}),
        )
        for seed in args.seeds
    ]


def _cmd_train(args) -> int:
    from ..orchestrate.sweep import run_sweep
    from ..store.runs import ResultStore

    configs = _train_configs(args)
    store = ResultStore(args.out)  # a path that is a file fails here, before any training
    trained = set()
    deadline = time.monotonic() + args.wait if args.wait else None
    while True:
        report = run_sweep(
            configs,
            store,
            device=args.device,
            max_batch=len(configs),
            progress=not args.quiet,
            threads=args.threads,
        )
        trained.update(report.trained)
        waiting = [c for c in configs if store.metadata(c) is None and c.run_id() in report.busy]
        if not waiting or deadline is None or time.monotonic() > deadline:
            break
        time.sleep(min(WAIT_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
    runs = []
    keys = ("run", "status", "final_loss", "samples_per_second", "wall_seconds", "loss_measure", "device")
    for config in configs:
        meta = store.metadata(config)
        if meta is None:  # another process trains it (or it failed there): say who holds it
            holder = store.lock_holder(config) or "nobody now (it was released unstored)"
            runs.append({"seed": config.seed, "run": config.run_id(), "status": "busy", "held_by": holder})
            continue
        runs.append(
            {"seed": config.seed, **{k: meta[k] for k in keys}, "trained_now": meta["run"] in trained}
        )
    print(dumps_strict({"runs": runs, "out": str(store.directory)}, indent=1))
    busy = [r for r in runs if r["status"] == "busy"]
    if busy:
        listed = "; ".join(f"run {r['run']} (seed {r['seed']}): {r['held_by']}" for r in busy)
        raise RunsBusy(
            f"{len(busy)} of {len(runs)} runs are being trained by another process ({listed}); run the "
            "command again when it has finished, or pass --wait SECONDS to wait for it"
        )
    return 0


def _verdicts(paths: dict) -> dict:
    with open(paths["claims"]) as stream:
        claims = json.load(stream)["claims"]
    return tally_verdicts(c["verdict"] for c in claims)


def _cmd_reproduce(args) -> int:
    from ..experiments import EXPERIMENTS, get_experiment
    from ..reproduction import reproduce

    if args.list:
        for name, experiment in EXPERIMENTS.items():
            print(f"{name:<10} figs {', '.join(experiment.figures):<10} {experiment.title}")
        return 0
    for name in args.experiments:
        get_experiment(name)  # unknown names fail before anything runs
    result = reproduce(
        args.experiments or None,
        scale=args.scale,
        out=args.out,
        device=args.device,
        progress=not args.quiet,
        allow_slow=args.yes,
        engine=args.engine,
        address=args.address,
        threads=args.threads,
    )
    print(dumps_strict({**result.to_dict(), "verdicts": _verdicts(result.paths)}, indent=1))
    return 0


def _cmd_report(args) -> int:
    from ..claims_report import write_report

    paths = write_report(args.directory)
    print(dumps_strict({"paths": paths, "verdicts": _verdicts(paths)}, indent=1))
    return 0


def _cmd_plot(args) -> int:
    from ..present.plots import compare, save_as
    from ..store import load_results

    frame = load_results(args.directory)
    out = Path(args.out)
    if out.suffix not in (".pdf", ".png", ".svg"):
        raise InvalidInput(f"--out must end in .pdf, .png or .svg, got {args.out!r}")
    save_as(compare(frame, theory=args.theory, by=args.by), out)
    summary = {
        "out": str(out),
        "runs": int(frame["run"].nunique()),
        "models": sorted(frame["model"].unique()),
    }
    print(dumps_strict(summary))
    return 0


def _cmd_runs(args) -> int:
    from ..run.config import TRAINING_REVISION
    from ..store.revisions import describe_revision, survey
    from ..store.runs import locate_store

    store = locate_store(args.directory)
    rows = survey(store)
    counts = {state: sum(r["state"] == state for r in rows) for state in ("current", "stale", "damaged")}
    if args.json:
        print(
            dumps_strict(
                {
                    "store": str(store.directory),
                    "training_revision": TRAINING_REVISION,
                    "counts": counts,
                    "runs": rows,
                },
                indent=1,
            )
        )
        return 0
    fields = ("model", "n_features", "width", "a", "b", "lr", "batch_size", "steps", "seed")
    print(f"{'run':<17}{'state':<9}{'revision':<42}{'status':<11}" + " ".join(f"{f:>10}" for f in fields))
    for row in rows:
        config = row["config"] or {}
        revision = describe_revision(row["revision"]) if row["config"] else row["problem"]
        print(
            f"{row['run']:<17}{row['state']:<9}{revision[:41]:<42}{row['status'] or '':<11}"
            + " ".join(f"{config.get(f, ''):>10}" for f in fields)
        )
    print(
        f"{len(rows)} runs in {store.directory}: {counts['current']} current, {counts['stale']} stale, "
        f"{counts['damaged']} damaged (this is training revision {TRAINING_REVISION}; stale runs are never "
        "used: superdyn reproduce or superdyn train retrains them)"
    )
    return 0


def add_run_commands(sub) -> None:
    """Register ``train``, ``reproduce``, ``plot``, ``report`` and ``runs`` on an argparse sub-parser set."""
    _add_train(sub)
    _add_reproduce(sub)
    _add_plot_and_report(sub)
    p = sub.add_parser(
        "runs", help="list the runs of a store: current, stale (another training revision), damaged"
    )
    p.add_argument(
        "directory", help="a result store (train --out) or a reproduction folder (reproduce --out)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_runs)


def _add_train(sub) -> None:
    p = sub.add_parser(
        "train", help="train one configuration for several seeds, batched, into a result store"
    )
    p.add_argument("--model", choices=MODEL_NAMES, required=True)
    p.add_argument("--features", type=int, default=1024, help="N (default 1024)")
    p.add_argument("--width", type=int, default=None, help="K (default N for linear, N/2 otherwise)")
    p.add_argument("--a", type=float, default=1.1, help="frequency decay a (default 1.1)")
    p.add_argument("--b", type=float, default=0.0, help="channel decay b (default 0)")
    p.add_argument("--lr", type=float, default=1.0, help="learning rate; t = lr * steps (default 1)")
    p.add_argument("--batch-size", type=int, default=1024, help="samples per step (default 1024)")
    p.add_argument("--steps", type=int, default=1000, help="optimiser steps (default 1000)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds, trained as one batch")
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    p.add_argument(
        "--weight-decay", type=float, default=0.0, help="decoupled weight decay (adamw; may be < 0)"
    )
    p.add_argument("--warmup-steps", type=int, default=0, help="linear warm-up steps (adamw)")
    p.add_argument(
        "--init-scale",
        type=float,
        default=None,
        help="std of B(0) (superposition, learnable) or W(0) (autoencoder), default 1e-3; the linear model "
        "starts from B = 0 and refuses it",
    )
    p.add_argument(
        "--readout",
        choices=READOUTS,
        default=None,
        help="superposition only: relu_bias (the paper's, default), relu (no bias) or linear (W^T B W x)",
    )
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--eval-samples", type=int, default=8192, help="size of the fixed evaluation set")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--out", default="results", help="result store directory (default ./results)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to this long for runs that another process is training (default 0: report them and "
        "exit with status 7)",
    )
    add_threads_option(p)
    p.set_defaults(run=_cmd_train)


def _add_reproduce(sub) -> None:
    p = sub.add_parser("reproduce", help="run the paper's experiments and write the claims report")
    p.add_argument(
        "experiments",
        nargs="*",
        metavar="EXPERIMENT",
        help="registry names, e.g. fig3 fig5 sgd-noise (default: all; `reproduce --list` lists them)",
    )
    p.add_argument(
        "--scale",
        choices=SCALES,
        default="quick",
        help="quick: a 2-core CPU in minutes (default); medium: the central claims (fig4, fig5, fig7, fig12, "
        "fig13) with three seeds to t = 3e4, about 80 minutes on a 2-core CPU, and the studies around them "
        "(lr-invariance, fig5-batch, ablation, effective-spectrum), each up to 90 minutes; "
        "long: fig7 and fig13 to t = 1e6 at the largest lr the lr-invariance check passed; paper: for a GPU "
        "(the paper's N and K, superdyn's grids and batches); tiny: seconds, a smoke test",
    )
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--out", default="reproduction", help="output directory (default ./reproduction)")
    p.add_argument("--yes", action="store_true", help="run the paper scale even on a CPU")
    p.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local: in this process (default); ray: batches as Ray tasks (superdyn[distributed])",
    )
    p.add_argument(
        "--address",
        default=None,
        help="Ray cluster to join, e.g. 'auto' or 'ray://head:10001' (default: a local Ray instance)",
    )
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_threads_option(p)
    p.set_defaults(run=_cmd_reproduce)


def _add_plot_and_report(sub) -> None:
    p = sub.add_parser("plot", help="each stored configuration's loss (seed mean) beside its theory")
    p.add_argument(
        "directory", help="a result store (train --out) or a reproduction folder (reproduce --out)"
    )
    p.add_argument("--theory", action="store_true", help="draw the exact theory of each configuration")
    p.add_argument(
        "--by", default=None, help="the RunConfig field that sets the colour (default: what varies)"
    )
    p.add_argument(
        "--out", default="compare.pdf", help="figure file: .pdf, .png or .svg (default compare.pdf)"
    )
    add_threads_option(p)
    p.set_defaults(run=_cmd_plot)

    p = sub.add_parser("report", help="(re)write the claims report of a reproduction directory")
    p.add_argument("directory", help="a directory written by `superdyn reproduce`")
    add_threads_option(p)
    p.set_defaults(run=_cmd_report)
