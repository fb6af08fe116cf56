"""COCO person-keypoint files, for any skeleton in
:mod:`mmpose_ext.skeletons` (17 COCO joints for the COCO style, the 21 union
joints for the full truth)."""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np

from ..skeletons import convert_keypoints, keypoint_names, links
from .truth import NOT_LABELLED, ImageRecord, PersonTruth


def categories(skeleton: str) -> List[dict]:
    """The single ``person`` category with ``skeleton``'s joint names and
    links (1-based, as COCO stores them)."""
    return [{
        'id': 1, 'name': 'person', 'supercategory': 'person',
        'keypoints': list(keypoint_names(skeleton)),
        'skeleton': [[a + 1, b + 1] for a, b in links(skeleton)],
    }]


def person_keypoints(person: PersonTruth, skeleton: str,
                     keep_unlabelled: bool = False) -> List[float]:
    """``[x, y, v] * K`` of ``person`` in ``skeleton`` order.

    Args:
        person: the truth (union order).
        skeleton: target skeleton name.
        keep_unlabelled: keep the true position of joints outside the image
            (``v = 0``) instead of COCO's ``0, 0, 0``.
    """
    xy = convert_keypoints(person.keypoints, 'union', skeleton)
    vis = convert_keypoints(person.visibility, 'union', skeleton, axis=-1)
    out: List[float] = []
    for (x, y), v in zip(xy, vis):
        if v == NOT_LABELLED and not keep_unlabelled:
            out += [0.0, 0.0, 0]
        else:
            out += [float(x), float(y), int(v)]
    return out


def build_coco(images: Sequence[ImageRecord], skeleton: str,
               full_truth: bool = False,
               index_key: Optional[str] = None) -> Dict[str, list]:
    """A COCO person-keypoint file as a dict.

    Args:
        images: the images and their people; annotations follow this order,
            with ids 1, 2, ...
        skeleton: ``'coco'`` for a COCO-style file, ``'union'`` for the full
            truth.
        full_truth: add ``head_box`` and ``head_size`` to every annotation and
            keep the true positions of joints outside the image.
        index_key: when given, every annotation also carries its 0-based
            position under this key (``'mpii_index'`` links the full truth to
            the entries of an MPII json written in the same order).

    Returns:
        dict: ``images``, ``annotations`` and ``categories``.
    """
    image_list, annotations = [], []
    for image in images:
        image_list.append({'id': image.image_id, 'file_name': image.file_name,
                           'width': image.width, 'height': image.height})
        for person in image.people:
            keypoints = person_keypoints(person, skeleton, full_truth)
            ann = {
                'id': len(annotations) + 1, 'image_id': image.image_id,
                'category_id': 1, 'iscrowd': 0,
                'bbox': [float(v) for v in person.bbox],
                'area': float(person.area),
                'keypoints': keypoints,
                'num_keypoints': int(np.count_nonzero(keypoints[2::3])),
            }
            if full_truth:
                ann['head_box'] = [float(v) for v in person.head_box]
                ann['head_size'] = person.head_size
            if index_key:
                ann[index_key] = len(annotations)
            annotations.append(ann)
    return {'images': image_list, 'annotations': annotations,
            'categories': categories(skeleton)}
