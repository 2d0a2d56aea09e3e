# tiny_lse with the head's weights set to NaN before iteration 5 (of 6; checkpoints every 3).
# Needs tests/test_tools on PYTHONPATH (for nan_inject_hook).
_base_ = ['./tiny_lse.py']
custom_imports = dict(imports=['mmlinsem', 'nan_inject_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='NanInjectHook', at_iter=4)]
