"""Whether curves collapse: the ratio of each curve to a reference, against t, with the tolerance."""

from __future__ import annotations

from matplotlib.figure import Figure

from .style import TIME_LABEL, new_figure, styled

__all__ = ["ratio_figure"]


@styled
def ratio_figure(
    panels, *, tolerance: float, reference_label: str, value_name: str = "lr", title: str = ""
) -> Figure:
    """L / L_reference - 1 against t, one panel per group, lines coloured by a parameter.

    Parameters
    ----------
    panels : sequence of (title, [(value, t, ratio_minus_one, label)])
        One panel per group (a batch size); its lines (one per setting and value of the
        parameter), coloured by ``value`` (the learning rate).
    tolerance : float
        The band ±tolerance is shaded: a line inside it collapses onto the reference.
    reference_label : str
        What the reference is ("lr = 1").
    value_name : str
        The parameter's name in the legend.
    """
    fig, axes = new_figure(max(len(panels), 1), height=3.0, sharey=True)
    values = sorted({value for _, lines in panels for value, *_ in lines})
    colour = {v: f"C{i % 10}" for i, v in enumerate(values)}
    styles = ["-", "--", ":", "-."]
    for ax, (panel_title, lines) in zip(axes, panels, strict=False):
        ax.axhspan(-tolerance, tolerance, color="0.9", lw=0, label=f"±{tolerance:g}")
        ax.axhline(0.0, color="0.5", lw=0.6)
        settings = list(dict.fromkeys(label for *_, label in lines))
        for value, t, ratio, label in lines:
            ax.plot(t, ratio, color=colour[value], ls=styles[settings.index(label) % len(styles)], lw=0.9)
        ax.set_yscale("symlog", linthresh=tolerance)  # linear inside the band, logarithmic beyond
        ax.set(xscale="log", xlabel=TIME_LABEL, title=panel_title)
    axes[0].set_ylabel(f"L / L({reference_label}) - 1")
    for value in values:
        axes[0].plot([], [], color=colour[value], label=f"{value_name} = {value:g}")
    settings = list(dict.fromkeys(label for _, lines in panels for *_, label in lines))
    for index, label in enumerate(settings):
        axes[0].plot([], [], color="0.3", ls=styles[index % len(styles)], label=label)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=6, fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
