"""``superdyn claims``: the pre-registered claims of a scale, printed without training anything."""

from __future__ import annotations

from superdyn.jsonio import dumps_strict

from ..run.config import SCALES

__all__ = ["add_claims_command"]


def _reference(spec) -> str:
    if spec.paper is not None:
        return f"the paper's {spec.paper:g}: {spec.paper_quote}"
    return f"superdyn's threshold {spec.threshold:g} (the paper: {spec.paper_quote})"


def _cmd_claims(args) -> int:
    from ..experiments import at_scale, declared_claims, get_experiment

    names = args.experiments or at_scale(args.scale)
    for name in names:
        get_experiment(name)  # unknown names fail before anything is planned
    specs = declared_claims(names, args.scale)
    if args.json:
        print(dumps_strict([spec.to_dict() for spec in specs], indent=1))
        return 0
    relation = {
        "value": "agrees within",
        "at_least": "at least the reference, allowing",
        "at_most": "at most the reference, allowing",
    }
    for name in names:
        experiment = get_experiment(name)
        mine = [s for s in specs if s.experiment == experiment.name]
        print(f"{experiment.name}: {experiment.title} ({args.scale}: {experiment.describe(args.scale)})")
        for spec in mine:
            print(f"  {spec.key}: {spec.statement}")
            print(f"    against {_reference(spec)}")
            print(f"    {relation[spec.kind]} {spec.tolerance_text()} (or 2 sigma); {spec.criterion}")
        print()
    print(f"{len(specs)} claims pre-registered at the {args.scale} scale")
    return 0


def add_claims_command(sub) -> None:
    """Register ``claims`` on an argparse sub-parser set."""
    p = sub.add_parser("claims", help="list the pre-registered claims of a scale (nothing is trained)")
    p.add_argument(
        "experiments", nargs="*", metavar="EXPERIMENT", help="registry names (default: all at the scale)"
    )
    p.add_argument("--scale", choices=SCALES, default="quick", help="the scale (default quick)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_claims)
