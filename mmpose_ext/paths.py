"""Where the repository's own files live, whatever the working directory."""
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')
UNION_METAINFO_FILE = osp.join(CONFIG_ROOT, '_base_', 'datasets',
                               'coco_mpii.py')
