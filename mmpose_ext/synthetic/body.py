"""The articulated 2D body: proportions, joint angles and posing.

A person is built in a body frame whose origin is the pelvis, whose y axis
points down and whose unit is the body height; :func:`pose_body` turns the
joint angles into the 21 union joints
(:data:`~mmpose_ext.skeletons.UNION_KEYPOINTS`) and into the outlines of the
body parts (tapered capsules for limbs, a torso polygon, ellipses for the
head), then scales, turns and places them in the image. Colours and pixels
belong to :mod:`.appearance` and :mod:`.render`.

Every joint lies inside its own part's outline by at least
:data:`MIN_RADIUS_PX`, so a joint that nothing covers is always on the drawn
body, however small the person.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from ..skeletons import UNION_KEYPOINTS
from .shapes import (capsule_outline, circle_outline, direction,
                     ellipse_outline, left_of, rotation_matrix, unit)

# Thinnest drawn part, in pixels: a joint at the centre of a round end this
# wide is inside the anti-aliased fill whichever pixel it rounds to.
MIN_RADIUS_PX = 1.5

SIDES: Tuple[Tuple[str, float], ...] = (('left', 1.0), ('right', -1.0))

# Face points on the head, as (azimuth, elevation) in radians on a unit
# sphere facing the camera; azimuth grows towards the person's left.
FACE_POINTS: Dict[str, Tuple[float, float]] = {
    'nose': (0.0, -0.25),
    'left_eye': (0.45, 0.12), 'right_eye': (-0.45, 0.12),
    'left_ear': (1.45, 0.0), 'right_ear': (-1.45, 0.0),
}
# A face point whose surface turns further from the camera than this
# (cosine of the angle to the view direction) is hidden behind the head.
FACE_HIDDEN_BELOW = -0.15
# Face points sit this far in from the head outline, so they stay on the face.
FACE_DEPTH = 0.92

# Joint-angle limits in degrees: (lowest, rest, highest). Limb angles are
# mirrored per side, so positive always swings the limb outwards.
ANGLE_LIMITS: Dict[str, Tuple[float, float, float]] = {
    'lean': (-20.0, 0.0, 20.0),          # spine from vertical at the pelvis
    'neck_tilt': (-15.0, 0.0, 15.0),
    'head_tilt': (-25.0, 0.0, 25.0),
    'body_turn': (-60.0, 0.0, 60.0),     # about the vertical axis
    'head_turn': (-35.0, 0.0, 35.0),     # head yaw on top of the body turn
    'shoulder': (-25.0, 12.0, 175.0),    # upper arm from hanging down
    'elbow': (-120.0, 8.0, 150.0),       # forearm relative to upper arm
    'hip': (-20.0, 4.0, 80.0),           # thigh from straight down
    'knee': (-40.0, 0.0, 95.0),          # shin relative to thigh
}
# Limb radii at girth 1, as fractions of body height.
LIMB_RADII: Dict[str, float] = dict(
    upper_arm=0.030, forearm=0.024, hand=0.026, thigh=0.046, shin=0.033,
    foot=0.027, neck=0.030)
FOOT_LENGTH = 0.055
# Shortest projected length of a limb segment, as a fraction of its length,
# when a segment points at or away from the camera.
MAX_FORESHORTENING = 0.4


@dataclass(frozen=True)
class BodyProportions:
    """Segment lengths and widths of one person, as fractions of body height.

    Args:
        torso: pelvis to thorax.
        neck: thorax to upper neck.
        head: upper neck to head top.
        shoulder_width, hip_width: between the two joints.
        upper_arm, forearm, thigh, shin: limb segment lengths.
        head_width: ear to ear.
        girth: multiplies the radius of every limb.
    """
    torso: float = 0.30
    neck: float = 0.05
    head: float = 0.13
    shoulder_width: float = 0.23
    hip_width: float = 0.14
    upper_arm: float = 0.17
    forearm: float = 0.15
    thigh: float = 0.24
    shin: float = 0.23
    head_width: float = 0.105
    girth: float = 1.0


@dataclass(frozen=True)
class JointAngles:
    """A pose: every angle in degrees (see :data:`ANGLE_LIMITS`); per-side
    values are ``(left, right)``.

    Args:
        lean, neck_tilt, head_tilt: bends of the spine, neck and head.
        body_turn: turn about the vertical axis; narrows shoulders and hips.
        head_yaw: where the face points, 0 = at the camera.
        shoulder, elbow, hip, knee: limb angles, positive = outwards.
        foreshortening: projected length factor of each limb segment, in the
            order upper arm, forearm, thigh, shin, each ``(left, right)``.
        arm_in_front: whether each arm is drawn over the torso.
    """
    lean: float = 0.0
    neck_tilt: float = 0.0
    head_tilt: float = 0.0
    body_turn: float = 0.0
    head_yaw: float = 0.0
    shoulder: Tuple[float, float] = (12.0, 12.0)
    elbow: Tuple[float, float] = (8.0, 8.0)
    hip: Tuple[float, float] = (4.0, 4.0)
    knee: Tuple[float, float] = (0.0, 0.0)
    foreshortening: Tuple[Tuple[float, float], ...] = ((1.0, 1.0),) * 4
    arm_in_front: Tuple[bool, bool] = (True, True)


@dataclass
class BodyPart:
    """One drawn piece of a person: which body region it is (the appearance
    decides its colour by region) and its outline in pixels."""
    region: str
    outline: np.ndarray


@dataclass
class Body:
    """A posed person in image coordinates.

    Attributes:
        joints: ``(21, 2)`` union joints in
            :data:`~mmpose_ext.skeletons.UNION_KEYPOINTS` order.
        parts: outlines in drawing order, back to front.
        face_hidden: ``(21,)`` True for face points turned away from the
            camera (behind the person's own head).
        height: body height in pixels.
    """
    joints: np.ndarray
    parts: List[BodyPart]
    face_hidden: np.ndarray
    height: float

    def translated(self, offset: np.ndarray) -> 'Body':
        """The same body moved by ``offset`` pixels."""
        offset = np.asarray(offset, dtype=np.float64)
        return Body(self.joints + offset,
                    [BodyPart(p.region, p.outline + offset)
                     for p in self.parts],
                    self.face_hidden.copy(), self.height)


def sample_proportions(rng: np.random.Generator) -> BodyProportions:
    """Proportions of a random adult: every length within about 10% of the
    average, widths and girth varying more (slim to broad)."""
    base = BodyProportions()

    def vary(value: float, spread: float) -> float:
        return float(value * rng.uniform(1 - spread, 1 + spread))

    broad = rng.uniform(0.85, 1.2)
    return BodyProportions(
        torso=vary(base.torso, 0.08), neck=vary(base.neck, 0.2),
        head=vary(base.head, 0.08),
        shoulder_width=float(
            base.shoulder_width * broad * rng.uniform(0.95, 1.05)),
        hip_width=float(base.hip_width * rng.uniform(0.85, 1.2)),
        upper_arm=vary(base.upper_arm, 0.08), forearm=vary(base.forearm, 0.08),
        thigh=vary(base.thigh, 0.08), shin=vary(base.shin, 0.08),
        head_width=vary(base.head_width, 0.1),
        girth=float(broad * rng.uniform(0.85, 1.15)))


def sample_angles(rng: np.random.Generator, pose_range: float) -> JointAngles:
    """A random pose within :data:`ANGLE_LIMITS`.

    Args:
        rng: the random generator.
        pose_range: 0 keeps the rest pose, 1 allows the full joint limits;
            each person draws its own activity in ``[0, pose_range]`` so a
            scene mixes calm and extreme poses.

    Returns:
        JointAngles: the pose.
    """
    activity = rng.uniform(0.0, pose_range)

    def angle(name: str) -> float:
        low, rest, high = ANGLE_LIMITS[name]
        return float(rest + activity * (rng.uniform(low, high) - rest))

    def pair(name: str) -> Tuple[float, float]:
        return angle(name), angle(name)

    body_turn = angle('body_turn')
    shortest = 1.0 - MAX_FORESHORTENING * activity
    return JointAngles(
        lean=angle('lean'), neck_tilt=angle('neck_tilt'),
        head_tilt=angle('head_tilt'), body_turn=body_turn,
        head_yaw=float(np.clip(body_turn + angle('head_turn'), -80, 80)),
        shoulder=pair('shoulder'), elbow=pair('elbow'), hip=pair('hip'),
        knee=pair('knee'),
        foreshortening=tuple(
            (float(rng.uniform(shortest, 1.0)),
             float(rng.uniform(shortest, 1.0))) for _ in range(4)),
        arm_in_front=(bool(rng.random() < 0.6), bool(rng.random() < 0.6)))


def pose_body(proportions: BodyProportions, angles: JointAngles,
              height: float, rotation: float = 0.0,
              pelvis: Tuple[float, float] = (0.0, 0.0)) -> Body:
    """Pose a person and place it in the image.

    Args:
        proportions: segment lengths and widths.
        angles: the pose.
        height: body height in pixels.
        rotation: in-plane rotation of the whole body, degrees clockwise.
        pelvis: where the pelvis lands, in pixels.

    Returns:
        Body: joints and part outlines in pixels.
    """
    p, a = proportions, angles
    min_r = MIN_RADIUS_PX / height
    radius = {k: max(v * p.girth, min_r) for k, v in LIMB_RADII.items()}
    joints: Dict[str, np.ndarray] = {}
    # Turning the body about the vertical axis narrows it on screen.
    turn = max(np.cos(np.deg2rad(a.body_turn)), 0.45)

    pelvis_xy = np.zeros(2)
    spine = direction(180.0 + a.lean)
    lateral = left_of(spine)
    joints['pelvis'] = pelvis_xy
    joints['thorax'] = pelvis_xy + p.torso * spine
    for side, sign in SIDES:
        joints[f'{side}_shoulder'] = (
            joints['thorax'] - 0.02 * spine
            + sign * turn * p.shoulder_width / 2 * lateral)
        joints[f'{side}_hip'] = (
            pelvis_xy + sign * turn * p.hip_width / 2 * lateral)
    neck_angle = 180.0 + a.lean + a.neck_tilt
    joints['upper_neck'] = joints['thorax'] + p.neck * direction(neck_angle)
    joints['head_top'] = joints['upper_neck'] + p.head * direction(
        neck_angle + a.head_tilt)

    toes: Dict[str, np.ndarray] = {}
    for k, (side, sign) in enumerate(SIDES):
        upper = a.lean + sign * a.shoulder[k]
        lower = upper + sign * a.elbow[k]
        joints[f'{side}_elbow'] = joints[f'{side}_shoulder'] + (
            p.upper_arm * a.foreshortening[0][k] * direction(upper))
        joints[f'{side}_wrist'] = joints[f'{side}_elbow'] + (
            p.forearm * a.foreshortening[1][k] * direction(lower))
        thigh = sign * a.hip[k]
        shin = thigh + sign * a.knee[k]
        joints[f'{side}_knee'] = joints[f'{side}_hip'] + (
            p.thigh * a.foreshortening[2][k] * direction(thigh))
        joints[f'{side}_ankle'] = joints[f'{side}_knee'] + (
            p.shin * a.foreshortening[3][k] * direction(shin))
        # Feet point down and outwards, as seen from the front.
        toes[side] = joints[f'{side}_ankle'] + FOOT_LENGTH * (
            a.foreshortening[3][k] * direction(shin + sign * 55.0))

    head = _head_geometry(p, a, joints, min_r)
    joints.update(head.face)
    parts = _part_outlines(a, joints, radius, toes, head, spine, lateral)
    hidden = np.array([head.hidden.get(n, False) for n in UNION_KEYPOINTS])

    # Body frame -> image: scale by height, turn, move the pelvis into place.
    transform = rotation_matrix(rotation) * height
    offset = np.asarray(pelvis, dtype=np.float64)

    def place(points: np.ndarray) -> np.ndarray:
        return points @ transform.T + offset

    return Body(
        joints=place(np.stack([joints[n] for n in UNION_KEYPOINTS])),
        parts=[BodyPart(r, place(o)) for r, o in parts],
        face_hidden=hidden, height=float(height))


@dataclass
class _Head:
    """Head ellipse (centre, unit axes, semi-axes), head yaw, face points,
    which of them the head hides and how much each faces the camera."""
    centre: np.ndarray
    up: np.ndarray
    across: np.ndarray
    half_up: float
    half_across: float
    yaw: float
    face: Dict[str, np.ndarray]
    hidden: Dict[str, bool]
    facing: Dict[str, float]


def _head_geometry(p: BodyProportions, a: JointAngles,
                   joints: Dict[str, np.ndarray], min_r: float) -> _Head:
    """Head ellipse and face points, the face seen as a sphere turned by the
    head yaw and flattened onto the screen."""
    up = unit(joints['head_top'] - joints['upper_neck'])
    across = left_of(up)
    centre = (joints['head_top'] + joints['upper_neck']) / 2
    half_up, half_across = p.head / 2, p.head_width / 2
    yaw = float(np.deg2rad(a.head_yaw))
    face, hidden, facing = {}, {}, {}
    for name, (azimuth, elevation) in FACE_POINTS.items():
        x = np.sin(azimuth + yaw) * np.cos(elevation)
        facing[name] = float(np.cos(azimuth + yaw) * np.cos(elevation))
        face[name] = centre + FACE_DEPTH * (
            half_across * x * across + half_up * np.sin(elevation) * up)
        hidden[name] = facing[name] < FACE_HIDDEN_BELOW
    # The outline reaches min_r beyond the head top and the face points.
    return _Head(centre, up, across, half_up + min_r, half_across + min_r,
                 yaw, face, hidden, facing)


def _part_outlines(a: JointAngles, j: Dict[str, np.ndarray],
                   radius: Dict[str, float], toes: Dict[str, np.ndarray],
                   head: _Head, spine: np.ndarray,
                   lateral: np.ndarray) -> List[Tuple[str, np.ndarray]]:
    """All part outlines, back to front: arms behind the torso, legs, torso,
    neck, ears, head, hair and face, arms in front of the torso."""
    def arm(side: str) -> List[Tuple[str, np.ndarray]]:
        shoulder, elbow, wrist = (j[f'{side}_{n}']
                                  for n in ('shoulder', 'elbow', 'wrist'))
        r = radius
        return [
            ('upper_arm', capsule_outline(shoulder, elbow, r['upper_arm'],
                                          r['forearm'] * 1.1)),
            ('forearm', capsule_outline(elbow, wrist, r['forearm'],
                                        r['forearm'] * 0.85)),
            ('hand', circle_outline(wrist, r['hand'])),
        ]

    back_arms, front_arms, legs = [], [], []
    for k, (side, _) in enumerate(SIDES):
        (front_arms if a.arm_in_front[k] else back_arms).extend(arm(side))
        legs += [
            ('thigh', capsule_outline(j[f'{side}_hip'], j[f'{side}_knee'],
                                      radius['thigh'], radius['shin'] * 1.1)),
            ('shin', capsule_outline(j[f'{side}_knee'], j[f'{side}_ankle'],
                                     radius['shin'], radius['shin'] * 0.8)),
            ('foot', capsule_outline(j[f'{side}_ankle'], toes[side],
                                     radius['foot'], radius['foot'] * 0.8)),
        ]

    # Torso: shoulders and hips widened by their limbs, a waist between them,
    # a crotch below the pelvis and the neck base above the thorax, so that
    # thorax and pelvis are well inside.
    outer = {}
    arm_r, thigh_r = radius['upper_arm'], radius['thigh']
    # The waist sits 55% of the way up, drawn in a little towards the spine.
    spine_mid = j['pelvis'] + 0.55 * (j['thorax'] - j['pelvis'])
    for side, sign in SIDES:
        shoulder = outer[f'{side}_shoulder'] = (
            j[f'{side}_shoulder'] + 0.5 * arm_r * spine
            + sign * 0.8 * arm_r * lateral)
        hip = outer[f'{side}_hip'] = (
            j[f'{side}_hip'] + sign * 0.9 * thigh_r * lateral)
        side_mid = hip + 0.55 * (shoulder - hip)
        outer[f'{side}_waist'] = spine_mid + 0.88 * (side_mid - spine_mid)
    torso = np.stack([
        outer['left_shoulder'], outer['left_waist'], outer['left_hip'],
        j['pelvis'] - 1.2 * thigh_r * spine,
        outer['right_hip'], outer['right_waist'], outer['right_shoulder'],
        j['thorax'] + radius['neck'] * spine])

    ear_radius = max(0.28 * head.half_across, radius['neck'] * 0.35)
    ears = [('ear', ellipse_outline(j[n], head.up, ear_radius * 1.3,
                                    ear_radius, 12))
            for n in ('left_ear', 'right_ear')]
    head_outline = ellipse_outline(head.centre, head.up, head.half_up,
                                   head.half_across)
    face = [('hair', _hair_outline(head))]
    feature_r = 0.13 * head.half_across
    for name in ('left_eye', 'right_eye'):
        if head.facing[name] > 0.3:
            face.append(('eye', circle_outline(j[name], feature_r * 0.8, 8)))
    if head.facing['nose'] > 0.0:
        face.append(('nose', circle_outline(j['nose'], feature_r, 8)))

    return (back_arms + legs + [('torso', torso)]
            + [('neck', capsule_outline(j['thorax'], head.centre,
                                        radius['neck'], radius['neck']))]
            + ears + [('head', head_outline)] + face + front_arms)


def _hair_outline(head: _Head) -> np.ndarray:
    """A cap over the top of the head, slid towards the back of the head when
    the face turns away."""
    centre_angle = np.pi / 2 + 0.8 * head.yaw
    t = np.linspace(centre_angle - 1.15, centre_angle + 1.15, 17)
    # Points on the head outline at parameter t (t = pi/2 is the head top).
    return (head.centre + np.outer(1.04 * head.half_up * np.sin(t), head.up)
            + np.outer(1.04 * head.half_across * np.cos(t), head.across))
