_base_ = ['./tiny_base.py']
custom_hooks = [dict(type='ClosedFormLSEHook', num_images=8, pixels_per_image=64, ce_steps=5)]
