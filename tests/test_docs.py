"""The links of the README, docs/ and the committed reports in results/ to
files of the repository resolve."""
import glob
import os.path as osp
import re

import pytest

from mmpose_ext.paths import REPO_ROOT

DOCS = [osp.join(REPO_ROOT, 'README.md')] + sorted(
    glob.glob(osp.join(REPO_ROOT, 'docs', '*.md'))
    + glob.glob(osp.join(REPO_ROOT, 'results', '**', '*.md'), recursive=True))
# [text](target): a target without a scheme is a path relative to the page
LINK = re.compile(r'\]\(([^)\s#]+)(?:#[^)]*)?\)')


@pytest.mark.parametrize('page', DOCS,
                         ids=[osp.relpath(p, REPO_ROOT) for p in DOCS])
def test_links_to_repository_files_resolve(page):
    with open(page, encoding='utf-8') as f:
        targets = LINK.findall(f.read())
    local = [t for t in targets if '://' not in t]
    missing = [t for t in local
               if not osp.exists(osp.join(osp.dirname(page), t))]
    assert not missing, f'{osp.relpath(page, REPO_ROOT)}: {missing}'
