"""The quick start: the whole method, end to end, on a laptop CPU.

Stages, each reused when a previous run finished it from the same settings
(recorded in its done file, :mod:`.provenance`):

1. generate the synthetic full-truth benchmark (``data/synthetic``);
2. take the pre-trained models shipped in ``teachers/quickstart/`` (checked
   against ``teachers/manifest.json``), or train them again with
   ``train_teachers``: a COCO-style teacher (17 joints), an MPII-style
   teacher (16 joints) and the students' shared initialisation (the union
   student trained on the labels alone); with ``teachers`` naming
   ``'crowdpose'``, also a CrowdPose-style teacher (14 joints), which is not
   shipped: trained here, or taken from the pre-trained folder; evaluate the
   teachers;
3. fine-tune the initialisation three ways, for each seed: on the labels
   alone (baseline), on the labels and both teachers (distilled), and on the
   full 21-joint truth (oracle, the upper bound);
4. write ``results/quickstart/``.

Each stage trains through the project's own configs in
``configs/quickstart/`` (which inherit from the real ones) with MMEngine's
runner, exactly as ``tools/train.py`` would.
"""
import contextlib
import glob
import json
import os
import os.path as osp
import shutil
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence

from mmengine.config import Config

from mmpose_ext.apis import run_test, run_train
from mmpose_ext.apis.work_dir_lock import (LAST_CHECKPOINT,
                                           WorkDirLockedError,
                                           work_dir_lock)
from mmpose_ext.config_keys import read_config
from mmpose_ext.engine import ProgressHook
from mmpose_ext.engine.progress_hook import console
from mmpose_ext.fileio import atomic_write
from mmpose_ext.models.teachers import check_box_scale
from mmpose_ext.paths import CONFIG_ROOT, REPO_ROOT
from mmpose_ext.synthetic import SyntheticDataError, generate_benchmark
from mmpose_ext.synthetic.benchmark import MANIFEST as DATA_MANIFEST

from kd_bench.machine import cpu_description

from . import shipped
from .provenance import (MADE_FROM, CheckpointDigests, benchmark_identity,
                         config_digest, differences, model_checkpoints, plain,
                         read_done)
from .report import write_report
from .stages import (DEFAULT_TEACHERS, MODEL_TITLES, PRETRAINED,
                     PRETRAINED_DIR, STUDENTS, TEACHER_SKELETONS,
                     TEACHER_STYLES, TRAINED_ON_DEMAND, config_file,
                     teacher_stages, teaches)


DONE = 'quickstart_done.json'


@dataclass
class QuickstartSettings:
    """What a quick-start run does.

    Args:
        data_root: where the synthetic benchmark is written.
        work_root: where each training run keeps its logs and checkpoints.
        out_dir: where the table, curves and pictures go.
        seeds: training seeds; each fine-tunes its own three students.
        num_train, num_val: images per style and split.
        difficulty: the generator's difficulty.
        max_iters: iterations per student (``None``: the configs').
        pretrain_iters: iterations per pre-trained model when they are
            trained (``None``: the configs').
        cfg_options: overrides applied to every training config.
        train_teachers: train the teachers and the shared initialisation
            (reusing finished runs) and publish them to ``pretrained_dir``
            instead of taking the shipped ones.
        only: with ``train_teachers``, train and publish just these
            pre-trained models (keys of :data:`PRETRAINED`, or a teacher
            trained on demand whose style is in ``teachers``) and stop, e.g.
            to run them in parallel processes.
        pretrained_dir: where the pre-trained models are read from (and
            published to); they are listed in ``teachers/manifest.json``
            only when this is the default.
        teachers: the styles whose teachers distil, from
            :data:`~.stages.TEACHER_STYLES`: COCO and MPII, and optionally
            CrowdPose (then the benchmark has the CrowdPose style too, the
            students train and are scored on all three styles, and their
            runs go to ``<work_root>/coco-mpii-crowdpose/``).
    """

    data_root: str = osp.join(REPO_ROOT, 'data', 'synthetic')
    work_root: str = osp.join(REPO_ROOT, 'work_dirs', 'quickstart')
    out_dir: str = osp.join(REPO_ROOT, 'results', 'quickstart')
    seeds: Sequence[int] = (0, )
    num_train: int = 600
    # 600, not 100: on 100 images per style the face-point gain of the same
    # three students read +10.6 / +9.4 / +11.6, on 600 +9.0 / +8.7 / +10.2
    # (docs/quickstart.md, "A validation split of 600 images per style").
    num_val: int = 600
    difficulty: str = 'easy'
    max_iters: Optional[int] = None
    pretrain_iters: Optional[int] = None
    cfg_options: Dict = field(default_factory=dict)
    train_teachers: bool = False
    only: Sequence[str] = ()
    pretrained_dir: str = PRETRAINED_DIR
    teachers: Sequence[str] = DEFAULT_TEACHERS


def retarget(cfg: Config, default_root: str, data_root: str) -> Config:
    """Point a config that reads ``default_root`` (a quick-start config:
    ``cfg.qs_root``) at ``data_root``."""
    if osp.normpath(default_root) == osp.normpath(data_root):
        return cfg
    new_root = data_root.rstrip('/') + '/'

    def swap(value):
        # every string, as a text replacement of the dumped config would,
        # without formatting it (yapf took seconds per config)
        if isinstance(value, str):
            return value.replace(default_root, new_root)
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(swap(v) for v in value)
        return value

    return Config(swap(cfg.to_dict()), filename=cfg.filename,
                  format_python_code=False)


def _scaled_boxes(pipeline: list, factor: float) -> list:
    """``pipeline`` with its person boxes scaled by ``factor`` (the padding
    of ``GetBBoxCenterScale``, which sets the box the crop is cut from)."""
    steps = [dict(step) for step in pipeline]
    for step in steps:
        if step['type'] == 'GetBBoxCenterScale':
            step['padding'] = step.get('padding', 1.25) * factor
    return steps


def _set_schedule(cfg: Config, iters: int) -> None:
    # four validations for the curves; short (test) runs validate at the end
    cfg.train_cfg.update(max_iters=iters,
                         val_interval=iters // 4 if iters >= 8 else iters)
    cfg.param_scheduler[0].update(end=min(cfg.param_scheduler[0].end, iters))
    cfg.param_scheduler[-1].update(end=iters, T_max=iters)


def quickstart_config(name: str, settings: QuickstartSettings, seed: int,
                      work_dir: str,
                      teacher_checkpoints: Optional[Dict[str, str]] = None
                      ) -> Config:
    """The quick-start config ``name`` for one seed and work folder, reading
    the pre-trained models from ``settings.pretrained_dir`` (a teacher named
    in ``teacher_checkpoints`` from the file given there)."""
    cfg = read_config(osp.join(CONFIG_ROOT, 'quickstart',
                               config_file(name, settings.teachers)))
    default_root = cfg.qs_root
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.custom_hooks = list(cfg.custom_hooks) + [
        dict(type=ProgressHook.__name__, title=name)]
    iters = (settings.pretrain_iters
             if name in PRETRAINED or name in TRAINED_ON_DEMAND
             else settings.max_iters)
    if iters is not None:
        _set_schedule(cfg, iters)
    init = shipped.model_path(settings.pretrained_dir, 'student_init')
    if name == 'distilled':
        for teacher in cfg.model.teachers:
            teacher['checkpoint'] = (teacher_checkpoints or {}).get(
                teacher['name'],
                shipped.model_path(settings.pretrained_dir, teacher['name']))
        cfg.model.student.init_cfg.checkpoint = init
    elif name in STUDENTS:
        cfg.model.init_cfg.checkpoint = init
    source = cfg.get('qs_backbone_from')
    if source is not None:
        # a teacher whose backbone starts from another teacher's: the one in
        # the pre-trained folder (``--train-teachers`` publishes it first)
        cfg.model.backbone.init_cfg.checkpoint = shipped.model_path(
            settings.pretrained_dir, source)
    if settings.cfg_options:
        cfg.merge_from_dict(settings.cfg_options)
    return retarget(cfg, default_root, settings.data_root)


@contextlib.contextmanager
def _unless_training(work_dir: str, title: str) -> Iterator[None]:
    """Hold the work dir's lock while the block looks at and clears a
    stage's folder: never one another training is writing.

    Raises:
        QuickstartError: another training (another quick start on the same
            work root) holds the work dir.
    """
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(work_dir_lock(work_dir))
        except WorkDirLockedError as err:
            raise QuickstartError(
                f'{title}: its work dir {work_dir} is in use by another '
                f'training ({err.holder}), probably another quick start '
                'with this --work-root: wait for it to end, stop it, or give '
                'this run another --work-root') from None
        yield


@contextlib.contextmanager
def _console_log(work_dir: str):
    """Send what a stage prints to ``<work_dir>/console.log``."""
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'console.log'), 'a') as log, \
            contextlib.redirect_stdout(log):
        yield


def _write_done(work_dir: str, record: dict, made_from: dict) -> None:
    """Mark a stage finished: its record, with what it was made from
    (:meth:`Quickstart.finished` reads it back)."""
    record[MADE_FROM] = made_from
    atomic_write(osp.join(work_dir, DONE),
                 json.dumps(record, indent=1).encode())


class QuickstartError(RuntimeError):
    """The quick start cannot go on (e.g. a shipped model is missing)."""


def check_teachers(teachers: Sequence[str]) -> None:
    """Refuse a teacher set the quick start cannot run.

    Raises:
        QuickstartError: a style that does not exist, or a set without the
            COCO and MPII styles (the students' shared initialisation learns
            from those two).
    """
    unknown = [t for t in teachers if t not in TEACHER_STYLES]
    if unknown:
        raise QuickstartError(
            f'--teachers {" ".join(unknown)}: no such style; the known '
            f'styles are {", ".join(TEACHER_STYLES)}')
    missing = [t for t in DEFAULT_TEACHERS if t not in teachers]
    if missing:
        raise QuickstartError(
            f'--teachers must include {" and ".join(DEFAULT_TEACHERS)} (the '
            'students\' shared initialisation learns from both); add '
            f'{" ".join(missing)}')


def _file_in_the_way(path: str) -> Optional[str]:
    """The file at ``path`` or at the nearest existing folder above it, if
    that is a file: where a folder cannot be made."""
    path = osp.abspath(path)
    while not osp.exists(path) and osp.dirname(path) != path:
        path = osp.dirname(path)
    return None if osp.isdir(path) else path


def check_folders(settings: QuickstartSettings) -> None:
    """Refuse a data, work or output folder that cannot be made, before any
    stage runs (the report, the last stage, writes to ``out_dir``).

    Raises:
        QuickstartError: naming the option and the file in the way.
    """
    for option, folder in (('--data-root', settings.data_root),
                           ('--work-root', settings.work_root),
                           ('--out-dir', settings.out_dir)):
        blocker = _file_in_the_way(folder)
        if blocker:
            raise QuickstartError(
                f'{option} {folder}: {blocker} is a file, not a folder; '
                'give another folder or move that file')


class Quickstart:
    """Run the quick-start stages, reusing finished ones.

    Args:
        settings (QuickstartSettings): what to run.
        say (callable): progress printer.
    """

    def __init__(self, settings: QuickstartSettings,
                 say: Callable[[str], None] = console):
        check_teachers(settings.teachers)
        self.settings, self._say = settings, say
        self._start = time.time()
        self.teachers = teacher_stages(settings.teachers)
        # the styles in generation order (mmpose_ext.synthetic.STYLES)
        self.styles = tuple(TEACHER_SKELETONS[t] for t in self.teachers)
        # file of each teacher by its distillation name, where not shipped
        self.teacher_checkpoints: Dict[str, str] = {}
        self._digest = CheckpointDigests()
        self._benchmark: Optional[dict] = None

    def say(self, line: str) -> None:
        """Print ``line`` behind the time elapsed since the run started."""
        elapsed = int(time.time() - self._start)
        self._say(f'{elapsed // 60:3d}:{elapsed % 60:02d} {line}')

    # stages ---------------------------------------------------------------
    def generate_data(self) -> dict:
        s = self.settings
        self.say(f'[1/4] synthetic benchmark: {s.num_train} train + '
                 f'{s.num_val} val images per style -> {s.data_root}')
        start = time.time()
        try:
            manifest = generate_benchmark(
                s.data_root, seed=0, num_train=s.num_train,
                num_val=s.num_val, difficulty=s.difficulty,
                styles=self.styles)
        except SyntheticDataError as err:
            raise QuickstartError(
                f'{err} (tools/quickstart.py --data-root DIR)') from None
        self.say(f'      ready ({time.time() - start:.0f} s)')
        self._benchmark = benchmark_identity(manifest)
        return manifest

    def benchmark(self) -> Optional[dict]:
        """The identity of the benchmark in ``data_root`` (``None`` when
        there is none yet), as the stages record it."""
        if self._benchmark is None:
            path = osp.join(self.settings.data_root, DATA_MANIFEST)
            if osp.isfile(path):
                with open(path) as f:
                    self._benchmark = benchmark_identity(json.load(f))
        return self._benchmark

    def made_from(self, name: str, cfg: Optional[Config],
                  evaluated: Optional[str] = None) -> dict:
        """What stage ``name`` run with ``cfg`` is made from: config,
        iterations and seed (of a training; ``evaluated``: the checkpoint an
        evaluation tests), benchmark, overrides and the sha256 of the
        checkpoints it loads."""
        record = dict(config=config_file(name, self.settings.teachers))
        if evaluated is None:
            record.update(iters=cfg.train_cfg.max_iters,
                          seed=cfg.randomness.seed,
                          resolved_config=config_digest(
                              cfg, roots=self._roots()))
            files = model_checkpoints(cfg.model)
        else:
            record.update(resolved_config=self._evaluation_digest(name))
            files = dict(evaluated=evaluated)
        record.update(
            benchmark=self.benchmark(),
            cfg_options=self.settings.cfg_options,
            checkpoints={k: self._digest(v) for k, v in files.items()})
        return plain(record)

    def _evaluation_digest(self, name: str) -> str:
        """:func:`config_digest` of what teacher ``name``'s evaluation
        reads: its config, and its declaration in the distilled student's
        (the box framing of its cross scores)."""
        teacher = quickstart_config(name, self.settings, 0, '',
                                    self.teacher_checkpoints)
        return config_digest(teacher, self._declared_teacher(name),
                             roots=self._roots())

    def _declared_teacher(self, name: str) -> dict:
        """Teacher ``name``'s declaration in the distilled student's config
        (``model.teachers``)."""
        distill = quickstart_config('distilled', self.settings, 0, '',
                                    self.teacher_checkpoints)
        declared, = [t for t in distill.model.teachers
                     if t['name'] == TEACHER_SKELETONS[name]]
        return declared

    def _roots(self) -> Dict[str, str]:
        """The folders :func:`config_digest` leaves out of the paths."""
        s = self.settings
        return dict(data=s.data_root, pretrained=s.pretrained_dir,
                    work=s.work_root, repo=REPO_ROOT)

    def finished(self, work_dir: str, made_from: dict, title: str,
                 again: str) -> Optional[dict]:
        """The done record in ``work_dir`` if it was made from
        ``made_from``; else ``None``, saying why the stage ``title`` runs
        ``again`` (its stale done file is removed first)."""
        done = osp.join(work_dir, DONE)
        record = read_done(done)
        if record is None:
            return None
        changed = differences(record, made_from)
        if not changed:
            self.say(f'      {title}: reusing finished run')
            return record
        self.say(f'      {title}: the finished run cannot be reused '
                 f'({"; ".join(changed)}); {again}')
        os.remove(done)
        return None

    def _remove_checkpoints(self, work_dir: str) -> None:
        """Delete the checkpoints an unfinished or stale run of this stage
        left in ``work_dir`` (a killed run, or one made from other
        settings), which the training would refuse to start over
        (:func:`~mmpose_ext.apis.work_dir_lock.check_no_earlier_training`);
        its logs stay."""
        marker = osp.join(work_dir, LAST_CHECKPOINT)
        if not osp.isfile(marker):
            return
        stale = sorted(glob.glob(osp.join(work_dir, '*.pth')))
        self.say(f'      removing the {len(stale)} checkpoint(s) an earlier, '
                 f'unfinished or other run left in {work_dir}')
        for path in stale + [marker]:
            os.remove(path)

    def _run_root(self) -> str:
        """Where the students and the teachers' evaluations go: the work
        root, or a folder in it named for a teacher set other than the
        default, so that runs on other data are never reused."""
        if self.styles == DEFAULT_TEACHERS:
            return self.settings.work_root
        return osp.join(self.settings.work_root, '-'.join(self.styles))

    def _work_dir(self, name: str, seed: int) -> str:
        if name in PRETRAINED or name in TRAINED_ON_DEMAND:
            return osp.join(self.settings.work_root, 'pretrained', name)
        return osp.join(self._run_root(), f'seed{seed}', name)

    def train(self, name: str, seed: int) -> Dict:
        """Train and evaluate ``name`` for ``seed``; returns the record
        (checkpoint, metrics, seconds, validation curve)."""
        work_dir = self._work_dir(name, seed)
        cfg = quickstart_config(name, self.settings, seed, work_dir,
                                self.teacher_checkpoints)
        made_from = self.made_from(name, cfg)
        title = f'{name} (seed {seed})'
        with _unless_training(work_dir, title):
            record = self.finished(work_dir, made_from, title,
                                   'training again')
            if record is not None:
                return record
            self._check_starting_points(name, cfg)
            self._remove_checkpoints(work_dir)
        start = time.time()
        with _console_log(work_dir):
            runner = run_train(cfg)
        checkpoint = osp.join(work_dir, f'iter_{runner.max_iters}.pth')
        record = dict(name=name, seed=seed, checkpoint=checkpoint,
                      train_seconds=time.time() - start,
                      cpu=cpu_description(), iters=runner.max_iters,
                      log_dir=runner.log_dir)
        record.update(self.evaluate(name, seed, checkpoint, work_dir))
        _write_done(work_dir, record, made_from)
        return record

    def _check_starting_points(self, name: str, cfg: Config) -> None:
        """Stop before training ``name`` if a checkpoint it starts from
        (its teachers, an initialisation) is missing, naming the
        pre-trained model to make first."""
        for where, path in model_checkpoints(cfg.model).items():
            if osp.isfile(path):
                continue
            stages = [stage for stage, file in shipped.SHIPPABLE.items()
                      if osp.basename(path) == f'{file}.pth']
            # a pre-trained model trains beside it; a student after it
            then = f' {name}' if name in shipped.SHIPPABLE else ''
            fix = (f'train and publish it first: python tools/quickstart.py '
                   f'--train-teachers --only {stages[0]}{then}'
                   if stages else 'check the config')
            raise QuickstartError(
                f'{name} starts from {path} ({where}), which does not exist; '
                f'{fix}')

    def evaluate(self, name: str, seed: int, checkpoint: str,
                 work_dir: str) -> Dict:
        """Test ``checkpoint`` with ``name``'s config; returns the metrics
        and the config file written beside them."""
        cfg = quickstart_config(name, self.settings, seed,
                                osp.join(work_dir, 'test'),
                                self.teacher_checkpoints)
        cfg.load_from = checkpoint
        with _console_log(work_dir):
            metrics = {k: float(v) for k, v in run_test(cfg).items()}
        # The stage's own config, to test it again (`tools/test.py FILE
        # CHECKPOINT`) or train it again elsewhere (`tools/train.py FILE
        # --work-dir DIR`): without the tested checkpoint as load_from, which
        # would start such a training from the finished stage. Nor with the
        # quick start's progress lines: it trains as any config does.
        cfg.load_from = None
        cfg.work_dir = work_dir
        cfg.custom_hooks = [hook for hook in cfg.custom_hooks
                            if hook['type'] != ProgressHook.__name__]
        config_file = osp.join(work_dir, 'quickstart_config.py')
        cfg.dump(config_file)
        return dict(metrics=metrics, config=config_file)

    def pretrained(self) -> Dict[str, Dict]:
        """The teachers and the shared initialisation: shipped and verified,
        or trained (``train_teachers``) and published. Teachers are
        evaluated; returns a record per pre-trained model."""
        s = self.settings
        if s.train_teachers:
            records = self.train_pretrained()
            if s.only:
                return records
        else:
            self.say(f'[2/4] shipped teachers and initialisation in '
                     f'{s.pretrained_dir}')
            try:
                shipped.verify(s.pretrained_dir)
            except shipped.ShippedModelError as err:
                raise QuickstartError(str(err)) from None
        records = {}
        for name in PRETRAINED:
            path = shipped.model_path(s.pretrained_dir, PRETRAINED[name])
            records[name] = dict(name=name, seed=0, checkpoint=path,
                                 shipped=True,
                                 **shipped.training_facts(path))
        for name in self.teachers:
            if name in TRAINED_ON_DEMAND:
                records[name] = self.on_demand_teacher(name)
        for name in self.teachers:
            path = records[name]['checkpoint']
            work_dir = osp.join(self._run_root(), 'teachers_eval', name)
            made_from = self.made_from(name, None, evaluated=path)
            result = self.finished(work_dir, made_from,
                                   f'evaluation of {name}',
                                   'evaluating again')
            if result is None:
                self.say(f'      evaluating {MODEL_TITLES[name]}')
                result = self.evaluate(name, 0, path, work_dir)
                result['metrics'].update(
                    self.evaluate_cross(name, path, work_dir))
                _write_done(work_dir, result, made_from)
            # the record's own made_from is the model's, not its evaluation's
            records[name].update({k: v for k, v in result.items()
                                  if k != MADE_FROM})
        return records

    def train_pretrained(self) -> Dict[str, Dict]:
        """``--train-teachers``: train the pre-trained models (``only``, or
        all: the shipped ones, and the teachers trained on demand that this
        run's styles need) and publish them, beside the models listed
        already (parallel ``--only`` processes publish in turn)."""
        s = self.settings
        records = {}
        for name in self.pretrained_to_train():
            self.say(f'[2/4] training {MODEL_TITLES[name]}')
            records[name] = self.train(name, 0)
            # published at once: a later one may start from it
            for path in shipped.publish({name: records[name]},
                                        s.pretrained_dir):
                self.say(f'      published {path}')
        return records

    def pretrained_to_train(self) -> List[str]:
        """With ``train_teachers``: the pre-trained models to train
        (``only``, or the shipped ones and the teachers trained on demand
        that this run's styles need), each after those it starts from.

        Raises:
            QuickstartError: ``only`` names another model.
        """
        trainable = list(PRETRAINED) + [
            name for name in self.teachers if name in TRAINED_ON_DEMAND]
        names = list(self.settings.only) or trainable
        unknown = sorted(set(names) - set(trainable))
        if unknown:
            hint = ''
            if set(unknown) & set(TRAINED_ON_DEMAND):
                hint = (' (a teacher that is not shipped trains with '
                        '--teachers naming its style)')
            raise QuickstartError(
                f'--only {" ".join(unknown)}: not a pre-trained quick-start '
                f'model of this run; choose from {", ".join(trainable)}'
                f'{hint}')
        # in the order of `trainable`: the COCO-style teacher before the
        # MPII-style one, which starts from it
        return [name for name in trainable if name in names]

    def on_demand_teacher(self, name: str) -> Dict:
        """A teacher that is not shipped (:data:`~.stages.TRAINED_ON_DEMAND`):
        its file in the pre-trained folder if there is one (checked against
        that folder's manifest if listed there), else trained here with the
        pre-training schedule (reused once finished)."""
        s = self.settings
        file = f'{TRAINED_ON_DEMAND[name]}.pth'
        path = osp.join(s.pretrained_dir, file)
        if osp.isfile(path):
            listed = shipped.entries(s.pretrained_dir)
            if file in listed:
                try:
                    shipped.verify_model(s.pretrained_dir, name, listed)
                except shipped.ShippedModelError as err:
                    raise QuickstartError(str(err)) from None
            self.say(f'[2/4] taking {MODEL_TITLES[name]} from {path}')
            record = dict(name=name, seed=0, checkpoint=path, shipped=True,
                          **shipped.training_facts(path))
        else:
            self.say(f'[2/4] training {MODEL_TITLES[name]} (not shipped)')
            record = self.train(name, 0)
        self.teacher_checkpoints[TRAINED_ON_DEMAND[name]] = \
            record['checkpoint']
        return record

    def evaluate_cross(self, name: str, checkpoint: str,
                       work_dir: str) -> Dict[str, float]:
        """Teacher ``name``'s PCKh on each other style's validation images,
        on the joints that style does not label and it knows: what it can
        teach there.

        Without flip test and with the person box framed by the teacher's
        ``box_scale``, as the distiller runs teachers.
        """
        skeleton = TEACHER_SKELETONS[name]
        box_scale = check_box_scale(
            skeleton, self._declared_teacher(name).get('box_scale'))
        metrics = {}
        for other in self.styles:
            if other == skeleton or not teaches(skeleton, other):
                continue
            cfg = quickstart_config(name, self.settings, 0,
                                    osp.join(work_dir, 'cross', other))
            cfg.load_from = checkpoint
            cfg.model.test_cfg.flip_test = False
            cfg.test_dataloader.dataset = dict(
                cfg[f'qs_{other}_val'],
                pipeline=_scaled_boxes(cfg.val_pipeline,
                                       box_scale.get(other, 1.0)))
            full_truth = dict(cfg.qs_full_truth,
                              crowdpose=cfg.qs_crowdpose_full_truth)
            cfg.test_evaluator = dict(
                type='FullTruthPCKh', full_truth={other: full_truth[other]},
                skeleton=skeleton)
            with _console_log(work_dir):
                metrics.update({k: float(v)
                                for k, v in run_test(cfg).items()})
        return metrics

    def stage_dirs(self) -> List[str]:
        """The work folders of the stages this run would run or reuse: the
        pre-trained models it trains, its teachers' evaluations and its
        seeds' students (of its teacher set)."""
        s = self.settings
        if s.train_teachers:
            trained = self.pretrained_to_train()
        else:
            trained = [name for name, style in TRAINED_ON_DEMAND.items()
                       if name in self.teachers and not osp.isfile(
                           shipped.model_path(s.pretrained_dir, style))]
        dirs = [self._work_dir(name, 0) for name in trained]
        if not s.only:
            dirs += [osp.join(self._run_root(), 'teachers_eval', name)
                     for name in self.teachers]
            dirs += [self._work_dir(name, seed)
                     for seed in s.seeds for name in STUDENTS]
        return dirs

    def forget(self) -> None:
        """Delete the stages this run would reuse (``--fresh``), and nothing
        else in the work root: other seeds, teacher sets and pre-trained
        models stay."""
        for work_dir in self.stage_dirs():
            if osp.isdir(work_dir):
                self.say(f'      forgetting {work_dir}')
                shutil.rmtree(work_dir)

    def run_seed(self, seed: int) -> Dict[str, Dict]:
        records = {}
        for name in STUDENTS:
            self.say(f'[3/4] {MODEL_TITLES[name]}, seed {seed}')
            records[name] = self.train(name, seed)
        return records

    def run(self) -> List[Dict[str, Dict]]:
        self._start = time.time()
        self.generate_data()
        pretrained = self.pretrained()
        if self.settings.only:
            self.say('done (pre-trained models only)')
            return [pretrained]
        runs = [dict(pretrained, **self.run_seed(seed))
                for seed in self.settings.seeds]
        self.say(f'[4/4] report -> {self.settings.out_dir}')
        paths = write_report(runs, self.settings)
        for path in paths:
            self.say(f'      {path}')
        self.say(f'done in {(time.time() - self._start) / 60:.1f} min')
        return runs
