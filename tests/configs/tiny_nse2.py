_base_ = ['./tiny_base.py']
model = dict(head=dict(_delete_=True, type='NSE2Head'))
