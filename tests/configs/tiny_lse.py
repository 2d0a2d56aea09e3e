_base_ = ['./tiny_base.py']
