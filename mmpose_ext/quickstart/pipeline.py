"""The quick start: the whole method, end to end, on a laptop CPU.

Stages, each reused when a previous run finished it:

1. generate the synthetic full-truth benchmark (``data/synthetic``);
2. train a COCO-style teacher on the COCO-style half (17 joints);
3. train an MPII-style teacher on the MPII-style half (16 joints);
4. train the union-skeleton student on both halves' labels (baseline);
5. train the same student distilled from both teachers;
6. evaluate all four and write ``results/quickstart/``.

Each stage trains through the project's own configs in
``configs/quickstart/`` (which inherit from the real ones) with MMEngine's
runner, exactly as ``tools/train.py`` would.
"""
import contextlib
import functools
import json
import os
import os.path as osp
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.hooks import Hook
from mmpose.registry import HOOKS

from mmpose_ext.apis import run_test, run_train
from mmpose_ext.fileio import atomic_write
from mmpose_ext.paths import CONFIG_ROOT, REPO_ROOT

QUICKSTART_CONFIGS = {
    'teacher_coco': 'teacher-coco_rtmpose-s_quickstart_synthetic-96x128.py',
    'teacher_mpii': 'teacher-mpii_rtmpose-s_quickstart_synthetic-128x128.py',
    'baseline': 'rtmpose-t_quickstart_synthetic-coco-mpii-96x128.py',
    'distilled': 'distill_rtmpose-t_quickstart_synthetic-coco-mpii-96x128.py',
}
MODEL_TITLES = {
    'teacher_coco': 'COCO-style teacher (RTMPose-s widths, 17 joints)',
    'teacher_mpii': 'MPII-style teacher (RTMPose-s widths, 16 joints)',
    'baseline': 'student, labels only (RTMPose-t, 21 joints)',
    'distilled': 'student, distilled (RTMPose-t, 21 joints)',
}
DONE = 'quickstart_done.json'
# Progress goes to the terminal even while a stage's own output (MMEngine's
# and pycocotools' prints) is sent to that stage's console.log.
console = functools.partial(print, file=sys.__stdout__, flush=True)


@dataclass
class QuickstartSettings:
    """What a quick-start run does.

    Args:
        data_root: where the synthetic benchmark is written.
        work_root: where each training run keeps its logs and checkpoints.
        out_dir: where the table, curves and pictures go.
        seeds: training seeds; each trains its own teachers and students.
        num_train, num_val: images per style and split.
        difficulty: the generator's difficulty.
        max_iters: iterations per training run (``None``: the configs').
        cfg_options: overrides applied to every training config.
    """

    data_root: str = osp.join(REPO_ROOT, 'data', 'synthetic')
    work_root: str = osp.join(REPO_ROOT, 'work_dirs', 'quickstart')
    out_dir: str = osp.join(REPO_ROOT, 'results', 'quickstart')
    seeds: Sequence[int] = (0, )
    num_train: int = 600
    num_val: int = 100
    difficulty: str = 'medium'
    max_iters: Optional[int] = None
    cfg_options: Dict = field(default_factory=dict)


@HOOKS.register_module()
class ProgressHook(Hook):
    """A short console line every tenth of training, for quiet runs."""

    def __init__(self, say: Callable[[str], None] = console, title: str = ''):
        self.say, self.title = say, title

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        step = max(runner.max_iters // 10, 1)
        if (runner.iter + 1) % step and runner.iter + 1 != runner.max_iters:
            return
        loss = runner.message_hub.get_scalar('train/loss')
        self.say(f'    {self.title}: iteration {runner.iter + 1}/'
                 f'{runner.max_iters}, loss {loss.mean(step):.4f}')


def _retarget(cfg: Config, default_root: str, data_root: str) -> Config:
    """Point a config that reads ``default_root`` at ``data_root``."""
    if osp.normpath(default_root) == osp.normpath(data_root):
        return cfg
    text = cfg.pretty_text.replace(default_root, data_root.rstrip('/') + '/')
    return Config.fromstring(text, '.py')


def quickstart_config(name: str, settings: QuickstartSettings, seed: int,
                      work_dir: str, teachers: Optional[Dict[str, str]] = None
                      ) -> Config:
    """The quick-start config ``name`` for one seed and work folder."""
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, 'quickstart',
                                   QUICKSTART_CONFIGS[name]))
    default_root = cfg.qs_root
    cfg.work_dir = work_dir
    # MMPose names its visualizer 'visualizer'; MMEngine would hand every
    # later run of this process the first run's instance, and its logs.
    cfg.visualizer.name = f'visualizer:{work_dir}'
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.custom_hooks = list(cfg.custom_hooks) + [
        dict(type='ProgressHook', title=name)]
    if settings.max_iters is not None:
        iters = settings.max_iters
        cfg.train_cfg.update(max_iters=iters, val_interval=iters)
        cfg.param_scheduler[-1].update(end=iters, T_max=iters)
    if teachers:
        for teacher in cfg.model.teachers:
            teacher['checkpoint'] = teachers[teacher['name']]
    if settings.cfg_options:
        cfg.merge_from_dict(settings.cfg_options)
    return _retarget(cfg, default_root, settings.data_root)


@contextlib.contextmanager
def _console_log(work_dir: str):
    """Send what a stage prints to ``<work_dir>/console.log``."""
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'console.log'), 'a') as log, \
            contextlib.redirect_stdout(log):
        yield


class Quickstart:
    """Run the quick-start stages, reusing finished ones.

    Args:
        settings (QuickstartSettings): what to run.
        say (callable): progress printer.
    """

    def __init__(self, settings: QuickstartSettings,
                 say: Callable[[str], None] = console):
        self.settings, self._say = settings, say
        self._start = time.time()

    def say(self, line: str) -> None:
        """Print ``line`` behind the time elapsed since the run started."""
        elapsed = int(time.time() - self._start)
        self._say(f'{elapsed // 60:3d}:{elapsed % 60:02d} {line}')

    # stages ---------------------------------------------------------------
    def generate_data(self) -> dict:
        from mmpose_ext.synthetic import generate_benchmark
        s = self.settings
        self.say(f'[1/6] synthetic benchmark: {s.num_train} train + '
                 f'{s.num_val} val images per style -> {s.data_root}')
        start = time.time()
        manifest = generate_benchmark(
            s.data_root, seed=0, num_train=s.num_train, num_val=s.num_val,
            difficulty=s.difficulty)
        self.say(f'      ready ({time.time() - start:.0f} s)')
        return manifest

    def train(self, name: str, seed: int,
              teachers: Optional[Dict[str, str]] = None) -> Dict:
        """Train and evaluate ``name`` for ``seed``; returns the record
        (checkpoint, metrics, seconds)."""
        work_dir = osp.join(self.settings.work_root, f'seed{seed}', name)
        done = osp.join(work_dir, DONE)
        if osp.isfile(done):
            with open(done) as f:
                record = json.load(f)
            self.say(f'      {name} (seed {seed}): reusing finished run')
            return record
        cfg = quickstart_config(name, self.settings, seed, work_dir, teachers)
        start = time.time()
        with _console_log(work_dir):
            runner = run_train(cfg)
        checkpoint = osp.join(work_dir, f'iter_{runner.max_iters}.pth')
        train_seconds = time.time() - start
        cfg = quickstart_config(name, self.settings, seed,
                                osp.join(work_dir, 'test'), teachers)
        cfg.load_from = checkpoint
        with _console_log(work_dir):
            metrics = {k: float(v) for k, v in run_test(cfg).items()}
        config_file = osp.join(work_dir, 'quickstart_config.py')
        cfg.dump(config_file)
        record = dict(name=name, seed=seed, checkpoint=checkpoint,
                      config=config_file, metrics=metrics,
                      train_seconds=train_seconds, work_dir=work_dir,
                      log_dir=runner.log_dir)
        atomic_write(done, json.dumps(record, indent=1).encode())
        return record

    def run_seed(self, seed: int) -> Dict[str, Dict]:
        records = {}
        for step, name in ((2, 'teacher_coco'), (3, 'teacher_mpii')):
            self.say(f'[{step}/6] {MODEL_TITLES[name]}, seed {seed}')
            records[name] = self.train(name, seed)
        teachers = dict(coco=records['teacher_coco']['checkpoint'],
                        mpii=records['teacher_mpii']['checkpoint'])
        self.say(f'[4/6] {MODEL_TITLES["baseline"]}, seed {seed}')
        records['baseline'] = self.train('baseline', seed)
        self.say(f'[5/6] {MODEL_TITLES["distilled"]}, seed {seed}')
        records['distilled'] = self.train('distilled', seed, teachers)
        return records

    def publish_teachers(self, records: Dict[str, Dict]) -> None:
        """Copy seed 0's teachers where the quick-start distillation config
        expects them, so it also runs by hand through tools/train.py."""
        target = osp.join(self.settings.work_root, 'teachers')
        for name in ('coco', 'mpii'):
            src = records[f'teacher_{name}']['checkpoint']
            dst = osp.join(target, f'{name}.pth')
            with open(src, 'rb') as f:
                atomic_write(dst, f.read())

    def run(self) -> List[Dict[str, Dict]]:
        from mmpose_ext.quickstart.report import write_report
        self._start = time.time()
        self.generate_data()
        runs = [self.run_seed(seed) for seed in self.settings.seeds]
        self.publish_teachers(runs[0])
        self.say(f'[6/6] report -> {self.settings.out_dir}')
        paths = write_report(runs, self.settings)
        for path in paths:
            self.say(f'      {path}')
        self.say('done')
        return runs


def remove_previous(settings: QuickstartSettings) -> None:
    """Forget finished stages (``--fresh``): delete the work folder."""
    if osp.isdir(settings.work_root):
        shutil.rmtree(settings.work_root)
