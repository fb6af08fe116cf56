from .full_truth_pckh import FullTruthPCKh
from .per_source_metric import PerSourceMetric, format_results_table

__all__ = ['FullTruthPCKh', 'PerSourceMetric', 'format_results_table']
