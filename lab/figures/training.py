"""The training figures under one name: maps of the plane and curves over epochs.

The builders live in :mod:`lab.figures.maps` (grid, decision boundary, neuron maps) and
:mod:`lab.figures.curves` (loss, accuracy, gradient flow), each kept under 250 lines.
"""

from .curves import accuracy_figure, gradient_flow_figure, loss_figure
from .maps import MAX_RESOLUTION, decision_figure, grid_points, neuron_maps_figure

__all__ = [
    "MAX_RESOLUTION",
    "accuracy_figure",
    "decision_figure",
    "gradient_flow_figure",
    "grid_points",
    "loss_figure",
    "neuron_maps_figure",
]
