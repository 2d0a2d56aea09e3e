_base_ = ['./tiny_base.py']
model = dict(
    type='JointExtractor',
    head_name='lse',
    extra_heads=dict(nse1=dict(type='NSE1Head'), nse2=dict(type='NSE2Head')))
val_evaluator = [
    dict(type='PaperIoUMetric', prefix='lse'),
    dict(type='PaperIoUMetric', prefix='nse1', pred_key='pred_sem_seg_nse1'),
    dict(type='PaperIoUMetric', prefix='nse2', pred_key='pred_sem_seg_nse2'),
]
test_evaluator = val_evaluator
custom_hooks = [dict(type='SplitHeadsHook')]
