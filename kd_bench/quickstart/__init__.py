"""The quick start: the whole method on the synthetic full-truth benchmark,
from data to the report in ``results/quickstart/``
(``tools/quickstart.py``).

:mod:`.stages` names the models and their configs, :mod:`.pipeline` trains
and evaluates them, :mod:`.report` writes the tables and figures, and
:mod:`.shipped` checks and publishes the pre-trained models in
``teachers/quickstart/``, :mod:`.provenance` records what each finished
stage was made from (it is reused only for the same settings), and
:mod:`.configs` holds what the quick-start teacher configs change in the
real ones.
"""
from .pipeline import Quickstart, QuickstartSettings, quickstart_config

__all__ = ['Quickstart', 'QuickstartSettings', 'quickstart_config']
