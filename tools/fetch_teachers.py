"""Download and verify the official RTMPose-m teacher checkpoints."""
import argparse

from mmpose_ext.apis.arguments import positive_float


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('names', nargs='*',
                        help='teachers to fetch (default: all in the manifest)')
    parser.add_argument('--dest', help='folder (default: teachers/)')
    parser.add_argument('--timeout', type=positive_float, default=60.)
    args = parser.parse_args(argv)
    from mmpose_ext.apis.errors import exit_on_user_error
    from mmpose_ext.teacher_zoo import TeacherFetchError, fetch_teachers
    kwargs = dict(dest_dir=args.dest) if args.dest else {}
    with exit_on_user_error('fetch_teachers.py', TeacherFetchError):
        paths = fetch_teachers(args.names, timeout=args.timeout, **kwargs)
    for name, path in paths.items():
        print(f'{name}: {path} (sha256 hash prefix verified)')


if __name__ == '__main__':
    main()
