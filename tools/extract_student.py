"""Write the student of a distillation checkpoint as a plain RTMPose checkpoint."""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(prog='extract_student.py',
                                     description=__doc__)
    parser.add_argument('checkpoint', help='distillation checkpoint')
    parser.add_argument('out', help='where to write the student checkpoint')
    args = parser.parse_args(argv)
    from mmpose_ext.apis import exit_on_user_error, setup_env
    from mmpose_ext.models.student_export import extract_student
    setup_env()
    with exit_on_user_error('extract_student.py'):
        print(extract_student(args.checkpoint, args.out))


if __name__ == '__main__':
    main()
