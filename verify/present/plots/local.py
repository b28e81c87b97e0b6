"""The local exponent against t with its seed band, one panel per group."""

from __future__ import annotations

from matplotlib.figure import Figure

from .style import TIME_LABEL, new_figure, parameter_colours, styled

__all__ = ["local_exponent_figure"]


@styled
def local_exponent_figure(
    panels, *, colour_label: str, reference: float | None = 1.0, title: str = ""
) -> Figure:
    """-d ln L / d ln t against t: seed means with their band (± one standard error).

    Parameters
    ----------
    panels : sequence of (title, [(value, SeedLocalExponent, label)])
        One panel per group (a width K); its curves coloured by ``value``.
    colour_label : str
        What the colour is.
    reference : float or None
        A horizontal line (alpha = 1, the paper's value).
    """
    fig, axes = new_figure(max(len(panels), 1), height=3.0, sharey=True)
    values = sorted({value for _, lines in panels for value, *_ in lines})
    colour, _ = parameter_colours(values)
    for ax, (panel_title, lines) in zip(axes, panels, strict=False):
        if reference is not None:
            ax.axhline(reference, color="0.5", lw=0.8)
        for value, profile, label in lines:
            ax.plot(profile.t, profile.mean, color=colour[float(value)], lw=1.0, label=label)
            low, high = profile.mean - profile.stderr, profile.mean + profile.stderr
            ax.fill_between(profile.t, low, high, color=colour[float(value)], alpha=0.25, lw=0)
        ax.set(xscale="log", xlabel=TIME_LABEL, title=panel_title)
    axes[0].set_ylabel(r"local exponent $-d\ln L / d\ln t$")
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize="small", title=colour_label)
    if title:
        fig.suptitle(title)
    return fig
