"""Install mmlinsem. The pinned OpenMMLab stack is built by tools/setup_env.sh."""
from setuptools import find_packages, setup

setup(
    name='mmlinsem',
    version='0.1.0',
    description='Linear Semantics in GANs (Xu & Zheng, CVPR 2021) as an OpenMMLab plugin',
    packages=find_packages(include=['mmlinsem', 'mmlinsem.*']),
    package_data={'mmlinsem': ['data/*', 'data/**/*']},
    include_package_data=True,
    python_requires='>=3.8',
)
