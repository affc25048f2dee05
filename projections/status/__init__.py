"""The cross-agency status view of every complaint, and its query API.

``StatusProjection`` folds the complaint events into the status tables; the
router in ``api.py`` serves queries over them to authenticated agency systems.
"""

from projections.status.projection import StatusProjection

__all__ = ["StatusProjection"]
