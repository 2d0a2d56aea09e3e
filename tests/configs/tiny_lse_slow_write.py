# tiny_lse whose checkpoint writes can pause on request (tests/test_tools/slow_write_hook.py).
# Needs tests/test_tools on PYTHONPATH.
_base_ = ['./tiny_lse.py']
custom_imports = dict(imports=['mmlinsem', 'slow_write_hook'], allow_failed_imports=False)
