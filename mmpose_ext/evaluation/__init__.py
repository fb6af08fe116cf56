from .per_source_metric import PerSourceMetric, format_results_table

__all__ = ['PerSourceMetric', 'format_results_table']
