from .pipeline import Quickstart, QuickstartSettings, quickstart_config

__all__ = ['Quickstart', 'QuickstartSettings', 'quickstart_config']
