"""Numbers the paper states, each with its words and the section or figure they come from.

Only numbers printed in the paper (or, for Liu et al.'s width scaling, in the summary of
their paper in the source folder) live here. Thresholds that superdyn adds to test a
qualitative sentence are superdyn's and live beside the experiment that applies them;
the quotes of those sentences are here (``QUOTES``), so a claim always shows the paper's
words. These are the reference, not the verdict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["PAPER", "QUOTES", "PaperValue"]


@dataclass(frozen=True)
class PaperValue:
    """A stated number with its uncertainty (None when the paper gives none).

    Attributes
    ----------
    value, stderr : float, float or None
    source : str
        Section, equation or figure.
    what : str
        What the number is, in superdyn's words.
    quote : str
        The paper's own words.
    """

    value: float
    stderr: float | None
    source: str
    what: str
    quote: str

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def cited(self) -> str:
        """``source: "quote"``, for a claim's ``paper_quote``."""
        return f'{self.source}: "{self.quote}"'


PAPER = {
    "fig11_exponential_alpha": PaperValue(
        value=0.9769,
        stderr=0.0012,
        source="Appendix A.1.6, Fig. 11a",
        what="fitted exponent of the exact sum, p ∝ exp(-0.5 i), N = 1024, b = 0 (theory: 1)",
        quote="For the exponential case (Figure 11a), we obtain a fitted exponent of alpha = 0.9769 ± 0.0012",
    ),
    "fig11_linear_alpha": PaperValue(
        value=1.9834,
        stderr=0.0007,
        source="Appendix A.1.6, Fig. 11b",
        what="fitted exponent of the exact sum, p ∝ N - i, N = 1024, b = 0 (theory: 2)",
        quote="For the linear decay case (Figure 11b), we obtain alpha = 1.9834 ± 0.0007",
    ),
    "fig12_alpha_k128": PaperValue(
        value=1.0812,
        stderr=0.0215,
        source="Appendix A.3, Fig. 12a",
        what="learnable W, K = 128",
        quote="alpha_128 = 1.0812 ± 0.0215",
    ),
    "fig12_alpha_k256": PaperValue(
        value=0.9933,
        stderr=0.0149,
        source="Appendix A.3, Fig. 12a",
        what="learnable W, K = 256",
        quote="alpha_256 = 0.9933 ± 0.0149",
    ),
    "fig12_alpha_k512": PaperValue(
        value=0.9946,
        stderr=0.0206,
        source="Appendix A.3, Fig. 12a",
        what="learnable W, K = 512",
        quote="alpha_512 = 0.9946 ± 0.0206",
    ),
    # "O(1e-3)" and "O(1e-2)" are orders of magnitude: the values are their log10
    "fig12_gap_order": PaperValue(
        value=-3.0,
        stderr=None,
        source="Appendix A.3, Fig. 12b",
        what="log10 of L_fixed - L_learnable in mid-training",
        quote="the magnitude of this improvement is O(10^-3), which is a secondary effect compared to the "
        "absolute loss magnitude of O(10^-2)",
    ),
    "fig12_loss_order": PaperValue(
        value=-2.0,
        stderr=None,
        source="Appendix A.3, Fig. 12b",
        what="log10 of the fixed-W loss in mid-training",
        quote="the absolute loss magnitude of O(10^-2)",
    ),
    "fig13_beta": PaperValue(
        value=1.30,
        stderr=0.01,
        source="Appendix A.4, Fig. 13",
        what="final loss vs width, L ∝ K^-beta",
        quote="A fit to the data yields an exponent of beta = 1.30 ± 0.01",
    ),
    "fig14_kopt_exponent": PaperValue(
        value=0.2702,
        stderr=None,
        source="Section 4.3, Fig. 14",
        what="optimal width vs compute, K_opt ∝ C^x",
        quote="We run a preliminary power-law fitting and obtain a size scaling exponent of K against C at "
        "around 0.2702",
    ),
    "fig9_learned_features": PaperValue(
        value=400.0,
        stderr=None,
        source="Section 5.1, Fig. 9",
        what="diagonal entries of B learned at t = 1e3, no superposition",
        quote="At t = 10^3, it has successfully learned ~400 of the 1024 features",
    ),
    "fig5_alpha": PaperValue(
        value=1.0,
        stderr=None,
        source="Section 4.2, Fig. 5",
        what="mid-training exponent under superposition, any a, b, K < N",
        quote="Regardless of the specific values of a, b, or the compression ratio K/N, the mid-training "
        "power-law exponent converges to alpha ≈ 1",
    ),
    # Section 4.2's number is the one tested; the abstract's "up to tenfold" is quoted beside it
    "acceleration": PaperValue(
        value=10.0,
        stderr=None,
        source="Section 4.2 (abstract: 'up to tenfold')",
        what="alpha with superposition over the sequential theory's alpha, a = 1.1, b = 0",
        quote="with a = 1.1 and b = 0, the sequential theory predicts a slow decay of alpha ≈ 0.09. "
        "Superposition accelerates this by over 10x. (Abstract: 'an up to tenfold acceleration compared "
        "to the purely sequential learning')",
    ),
    # Liu et al. (2025), from the summary in the source folder; its "alpha" is the data
    # exponent of p_i ∝ i^-alpha, superdyn's a
    "liu_strong_exponent": PaperValue(
        value=1.0,
        stderr=None,
        source="Liu et al. 2025, summary: results table",
        what="strong superposition, data exponent 0.5 or 1",
        quote="Strong superposition | alpha = 1.0 | ≈ 1.0 (and alpha = 0.5 | ≈ 1.0)",
    ),
    "liu_strong_exponent_a2": PaperValue(
        value=1.3,
        stderr=None,
        source="Liu et al. 2025, summary: results table",
        what="strong superposition, data exponent 2",
        quote="Strong superposition | alpha = 2.0 | ≈ 1.3 (the summary's text also says 'When feature "
        "frequencies are more skewed (large alpha) ... alpha_m ≈ 2(alpha - 1)', which would be 2 here)",
    ),
    "liu_weak_exponent_a2": PaperValue(
        value=1.0,
        stderr=None,
        source="Liu et al. 2025, summary: results table",
        what="weak superposition, data exponent 2",
        quote="Weak superposition | alpha = 2.0 | ≈ 1.0 (weak regime: L ∝ m^-(alpha-1))",
    ),
    "liu_strong_phi": PaperValue(
        value=1.0,
        stderr=None,
        source="Liu et al. 2025, summary: superposition metric",
        what="phi_1/2 in the strong regime",
        quote="Strong superposition: phi_1/2 ≈ 1 (nearly all features have representations)",
    ),
}

#: The paper's words for claims it makes without a number (superdyn supplies the criterion).
QUOTES = {
    "fig3_law": 'Section 4.2: "the empirical exponents match the predicted alpha = (a + 2b - 1)/a '
    'precisely" (Eq. 8, Fig. 3b)',
    "fig3_curves": 'Fig. 3a: "Empirical loss curves (solid) track the theoretical predictions (dashed) '
    'across varying input decays a and channel importances b"',
    "fig4_dip": 'Section 5.1: "the superposition loss curve dips significantly lower than the '
    'non-superposition one during mid-training" (Fig. 4)',
    "fig8_parallel": 'Fig. 8b: "feature mixing equalizes the effective gradients, causing all '
    'features—regardless of importance—to be learned in parallel"',
    "fig9_dense": 'Fig. 9: "The superposition student distributes weights across the entire matrix, '
    'learning all 1024 features in parallel"',
    "fig12_sign": 'Appendix A.3: "The positive difference indicates that the learnable model achieves a '
    'lower absolute loss" (Fig. 12b)',
    "time_grouping": 'Section 3: "For the rest of the paper, we group the learning rate together with steps '
    'and define time as eta * t" (after Eq. 7)',
    "continuous_time": 'Section 3: "In the continuous-time limit with learning rate eta, the dynamics of '
    'each diagonal entry s_i(t) follows a linear ODE" (Eq. 6)',
    "fig13_plateau": 'Appendix A.4: "we calculate the average loss from the final training plateau '
    '(late-time dynamics)"',
}
