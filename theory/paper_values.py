"""Numbers quoted in the paper, each with the figure or equation it comes from.

Tests and reports compare against these and nothing else; they are the reference,
not the verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["PAPER", "PaperValue"]


@dataclass(frozen=True)
class PaperValue:
    """A quoted number with its uncertainty (None when the paper gives none)."""

    value: float
    stderr: float | None
    source: str
    what: str

    def to_dict(self) -> dict:
        return asdict(self)


PAPER = {
    "fig11_exponential_alpha": PaperValue(
        0.9769, 0.0012, "Appendix A.1.6, Fig. 11a",
        "fitted exponent of the exact sum, p ∝ exp(-0.5 i), N = 1024, b = 0 (theory: 1)",
    ),
    "fig11_linear_alpha": PaperValue(
        1.9834, 0.0007, "Appendix A.1.6, Fig. 11b",
        "fitted exponent of the exact sum, p ∝ N - i, N = 1024, b = 0 (theory: 2)",
    ),
    "fig12_alpha_k128": PaperValue(1.0812, 0.0215, "Appendix A.3, Fig. 12", "learnable W, K = 128"),
    "fig12_alpha_k256": PaperValue(0.9933, 0.0149, "Appendix A.3, Fig. 12", "learnable W, K = 256"),
    "fig12_alpha_k512": PaperValue(0.9946, 0.0206, "Appendix A.3, Fig. 12", "learnable W, K = 512"),
    "fig13_beta": PaperValue(1.30, 0.01, "Appendix A.4, Fig. 13", "final loss vs width, L ∝ K^-beta"),
    "fig14_kopt_exponent": PaperValue(
        0.2702, None, "Section 4, Fig. 7 and 14", "optimal width vs compute, K_opt ∝ C^x"
    ),
    "fig9_learned_features": PaperValue(
        400.0, None, "Section 5, Fig. 9", "diagonal entries of B learned at t = 1e3, no superposition (~400)"
    ),
    "fig12_loss_gap_ratio": PaperValue(
        0.1, None, "Appendix A.3, Fig. 12b",
        "(L_fixed - L_learnable) / L: 'O(1e-3)' against losses 'O(1e-2)'",
    ),
    "liu_strong_exponent": PaperValue(
        1.0, None, "Liu et al. 2025 (summary table)", "strong superposition: L ∝ m^-1 for data exponent <= 1"
    ),
    "liu_strong_exponent_a2": PaperValue(
        1.3, None, "Liu et al. 2025 (summary table)", "strong superposition, data exponent 2: about 1.3"
    ),
    "liu_weak_exponent_a2": PaperValue(
        1.0, None, "Liu et al. 2025 (summary table)", "weak superposition, data exponent 2: a - 1 = 1"
    ),
    "acceleration": PaperValue(10.0, None, "Abstract", "'up to tenfold acceleration' with superposition"),
}  # fmt: skip
