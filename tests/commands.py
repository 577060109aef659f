"""Running a management command the way an operator does, for tests that check its exit code and report."""
import io

from django.core.management import call_command


def run_command(name, *args):
    """Run `manage.py <name> <args>`; return (exit code, what it wrote to stdout and then stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue() + err.getvalue()
